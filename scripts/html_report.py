"""The run's report as one self-contained HTML page (headline numbers, every figure and table inline).

    python scripts/html_report.py --baseline results/baseline/mean.json --best results/models/best.json \
        --tta results/tables/tta_effect.json --mergers results/tables/merger_fraction.json \
        --files results/figures/explore/*.png ... --captions report/*.rst --html results/report/index.html

All logic lives in gzmorph.html_report; --files lists the figures and tables of gzmorph.html_report.SECTIONS
(any not given are shown as not produced).
"""

import argparse
import logging
from datetime import datetime

from gzmorph.cli import parse_args
from gzmorph.html_report import ReportInputError, write_report

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--baseline", required=True, help="results/baseline/mean.json")
parser.add_argument("--best", required=True, help="results/models/best.json")
parser.add_argument("--tta", required=True, help="results/tables/tta_effect.json")
parser.add_argument("--mergers", required=True, help="results/tables/merger_fraction.json")
parser.add_argument("--files", nargs="*", default=[], help="the figures and tables shown in the sections")
parser.add_argument("--captions", nargs="*", default=[], help="caption files (report/*.rst)")
parser.add_argument("--html", required=True, help="output HTML file")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

headline = {"baseline": args.baseline, "best": args.best, "tta": args.tta, "mergers": args.mergers}
try:
    write_report(args.html, headline, args.files, args.captions, datetime.now().strftime("%Y-%m-%d %H:%M"))
except ReportInputError as error:
    raise SystemExit(str(error)) from error
logging.info("HTML report: %s", args.html)
