"""The one convention every script in ``scripts/`` follows.

A script builds an ``argparse`` parser whose option names match the names of the rule's ``input``, ``output``,
``params`` and ``log`` entries (``--train-index`` <- ``input.train_index``) and calls :func:`parse_args`. Run by hand,
the command line is parsed (so ``--help`` works); run by Snakemake's ``script:`` directive, the same options are
filled from the ``snakemake`` object, so both paths go through the same parser and the same checks.
"""

import argparse
import logging
import sys

from gzmorph.device import log_job_context


def parse_args(parser: argparse.ArgumentParser, snakemake=None) -> argparse.Namespace:
    """Parse the command line, or the rule's named inputs/outputs/params/log/threads when ``snakemake`` is given."""
    if snakemake is None:
        args = parser.parse_args()
    else:
        args = parser.parse_args(_argv_from_snakemake(parser, snakemake))
    setup_logging(getattr(args, "log", None))
    log_job_context()
    return args


def _argv_from_snakemake(parser: argparse.ArgumentParser, snakemake) -> list[str]:
    sources = [snakemake.input, snakemake.output, snakemake.params, snakemake.log]
    argv: list[str] = []
    for action in parser._actions:
        if not action.option_strings or action.dest == "help":
            continue
        if action.dest == "threads":
            value = snakemake.threads
        else:
            found = [s for s in sources if action.dest in s.keys()]
            if not found:
                continue
            value = getattr(found[0], action.dest)
        option = action.option_strings[-1]
        if isinstance(action, argparse._StoreTrueAction):
            argv += [option] if value else []
        elif action.nargs in ("*", "+"):
            argv += [option, *[str(v) for v in value]]
        else:
            argv += [option, str(value)]
    return argv


def setup_logging(log_path: str | None) -> None:
    """Log to stderr, and to the rule's log file when there is one."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True
    )
