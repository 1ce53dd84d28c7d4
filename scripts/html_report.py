"""The run's report as one self-contained HTML page (headline numbers, every figure and table inline).

All logic lives in gzmorph.report; --files lists the figures and tables of gzmorph.report.sections.SECTIONS
(any not given are shown as not produced).
"""

import logging
from datetime import datetime

from gzmorph import cli
from gzmorph.report.files import write_report
from gzmorph.report.sections import HEADLINE_FILES

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        *(cli.Files(key, path) for key, path in HEADLINE_FILES.items()),
        cli.Files("files", "the figures and tables shown in the sections", many=True),
        cli.Files("captions", "caption files (report/*.rst)", many=True),
    ),
    outputs=(cli.Files("html", "the HTML page"),),
)


def main(args) -> None:
    headline = {key: getattr(args, key) for key in HEADLINE_FILES}
    write_report(args.html, headline, args.files, args.captions, datetime.now().strftime("%Y-%m-%d %H:%M"))
    logging.info("HTML report: %s", args.html)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
