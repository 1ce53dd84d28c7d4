"""The run's report as one self-contained HTML page (headline numbers, every figure and table inline).

All logic lives in gzmorph.report; the sections (which file goes where, titles, caption files) are the rule's param,
derived from the rules' report() outputs by gzmorph.report.sections; --files lists their files (any not given are
shown as not produced).
"""

import logging
from datetime import datetime

from gzmorph import binding
from gzmorph.report.files import write_report
from gzmorph.report.sections import HEADLINE_KEYS, from_params

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        *(binding.Files(key, f"the {key} numbers of the landing section") for key in HEADLINE_KEYS),
        binding.Files("files", "the figures and tables shown in the sections", many=True),
        binding.Files("captions", "caption files (report/*.rst)", many=True),
    ),
    outputs=(binding.Files("html", "the HTML page"),),
    values=("sections",),
)


def main(args) -> None:
    headline = {key: getattr(args, key) for key in HEADLINE_KEYS}
    sections = from_params(args.sections)
    write_report(args.html, headline, args.files, args.captions, sections, datetime.now().strftime("%Y-%m-%d %H:%M"))
    logging.info("HTML report: %s", args.html)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
