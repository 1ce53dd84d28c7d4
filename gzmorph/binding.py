"""The one binding between a rule and its script in ``scripts/``, strict in both directions.

A script declares its interface once, as an :class:`Interface`: named input and output files, the config slices it
needs (names of :data:`gzmorph.settings.SLICES`) and the wildcards it reads. :func:`run` fills an
``argparse.Namespace`` with them and calls the script's ``main(args)``:

* under Snakemake's ``script:`` directive from the ``snakemake`` object. Every named input, output, param and
  wildcard of the rule must be declared and every required declaration must be given, or the job stops and names
  the key; config slices arrive as plain dicts (so Snakemake reruns a job when its slice changes) and become typed
  settings here;
* run by hand from the command line (``--help`` lists the options), with the config slices cut from
  ``--configfile`` (config.yaml by default), completed with the defaults, by the same functions the workflow uses.

Any exception of ``main`` is logged with its traceback to the rule's log file before the script exits non-zero; a
full disk (:class:`gzmorph.io.DiskFullError`) as one line naming the file, without one.
"""

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gzmorph.config import read_config
from gzmorph.device import log_job_context
from gzmorph.io import DISK_FULL_ERRNOS, DiskFullError
from gzmorph.settings import SLICES

log = logging.getLogger(__name__)


class BindingError(ValueError):
    """A rule and its script disagree on a name: a misspelt or missing key."""


@dataclass(frozen=True)
class Files:
    """A named file (or, with ``many``, a list of files) of a rule's input or output."""

    name: str
    help: str
    many: bool = False
    optional: bool = False

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Interface:
    doc: str
    inputs: tuple[Files, ...] = ()
    outputs: tuple[Files, ...] = ()
    settings: tuple[str, ...] = ()  # keys of gzmorph.settings.SLICES
    wildcards: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # other params, plain data passed as given (by hand: --name JSON)

    def __post_init__(self):
        names = [f.name for f in (*self.inputs, *self.outputs)] + [*self.settings, *self.wildcards, *self.values]
        clashes = sorted({n for n in names if names.count(n) > 1} | set(names) & {"log", "threads", "configfile"})
        if clashes:
            raise BindingError(f"the script declares {clashes} more than once (or a reserved name); rename them")
        unknown = sorted(set(self.settings) - set(SLICES))
        if unknown:
            raise BindingError(f"the script asks for config slices {unknown}; known: {sorted(SLICES)}")


# Files that many scripts read, declared once.
TRAIN_INDEX = Files("train_index", "index.parquet of the labelled shard set (shards and summary.json beside it)")
TARGET_INDEX = Files("target_index", "index.parquet of the unlabelled shard set (shards and summary.json beside it)")
SPLIT = Files("split", "split.parquet: GalaxyID, subset and fold of every labelled galaxy")
BASELINE = Files("baseline", "mean-baseline JSON (its validation_rmse, on held-out fold 0, is drawn as a line)")
MODEL = Files("model", "a model checkpoint, e.g. results/models/best/model.pt")
FIGURE = Files("figure", "output PNG")
OOF_PREDICTIONS = Files("predictions", "out-of-fold predictions of the chosen model (GalaxyID, fold, 37 columns)")
CHOICE = Files("choice", "results/models/best/metrics.json naming the chosen model (for the title)")


def run(main: Callable[[argparse.Namespace], None], interface: Interface, snakemake=None) -> None:
    """Bind the arguments, log to the rule's log, run ``main``; log any failure with its traceback (a full disk: one
    line), exit 1."""
    log_path = _log_path(snakemake) if snakemake is not None else None
    try:
        args = bind_snakemake(interface, snakemake) if snakemake is not None else parse_command_line(interface)
        log_path = args.log
        setup_logging(log_path)
        log_job_context()
        main(args)
    except DiskFullError as error:  # the file and what to do are the whole story: no traceback
        setup_logging(log_path, keep=True)
        log.error("%s", error)
        sys.exit(1)
    except Exception as error:
        setup_logging(log_path, keep=True)
        log.exception("%s: %s", type(error).__name__, error)
        sys.exit(1)


def _log_path(snakemake) -> str | None:
    return str(snakemake.log[0]) if len(snakemake.log) else None


def bind_snakemake(interface: Interface, snakemake) -> argparse.Namespace:
    """The script's arguments from a rule's named input, output, params, wildcards, log and threads."""
    args = argparse.Namespace(log=_log_path(snakemake), threads=int(snakemake.threads))
    for kind, declared in (("input", interface.inputs), ("output", interface.outputs)):
        _bind_files(args, kind, declared, getattr(snakemake, kind))
    _check_keys("params", {*interface.settings, *interface.values}, set(snakemake.params.keys()), required=True)
    for name in interface.settings:
        setattr(args, name, SLICES[name].typed(getattr(snakemake.params, name)))
    for name in interface.values:
        setattr(args, name, getattr(snakemake.params, name))
    _check_keys("wildcards", set(interface.wildcards), set(snakemake.wildcards.keys()), required=True)
    for name in interface.wildcards:
        setattr(args, name, str(getattr(snakemake.wildcards, name)))
    return args


def _bind_files(args: argparse.Namespace, kind: str, declared: tuple[Files, ...], given) -> None:
    names = set(given.keys())
    required = {f.name for f in declared if not f.optional}
    _check_keys(kind, {f.name for f in declared}, names, required=False)
    _check_keys(kind, required, names & required, required=True)
    named_count = sum(len(v) if isinstance(v, list) else 1 for v in (getattr(given, n) for n in names))
    if named_count != len(given):
        raise BindingError(f"the rule's {kind} has unnamed files; name every {kind} file")
    for f in declared:
        value = getattr(given, f.name) if f.name in names else None
        if value is not None and not f.many and isinstance(value, list):
            raise BindingError(f"{kind}.{f.name}: the script expects one file, the rule gives {len(value)}")
        setattr(args, f.name, [str(v) for v in value] if f.many and value is not None else value and str(value))


def _check_keys(kind: str, declared: set[str], given: set[str], required: bool) -> None:
    unknown, missing = sorted(given - declared), sorted(declared - given)
    if unknown:
        raise BindingError(f"the rule's {kind} has {unknown}, which the script does not declare ({sorted(declared)})")
    if required and missing:
        raise BindingError(f"the rule's {kind} lacks {missing}, which the script needs")


def build_parser(interface: Interface) -> argparse.ArgumentParser:
    """The command line of a script run by hand: one option per declared file and wildcard."""
    parser = argparse.ArgumentParser(description=interface.doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for kind, declared in (("input", interface.inputs), ("output", interface.outputs)):
        for f in declared:
            parser.add_argument(
                f.option, dest=f.name, required=not f.optional, nargs="+" if f.many else None, help=f"{kind}: {f.help}"
            )
    for name in interface.wildcards:
        parser.add_argument(f"--{name}", required=True, help=f"the rule's {{{name}}} wildcard")
    for name in interface.values:
        option = f"--{name.replace('_', '-')}"
        parser.add_argument(option, dest=name, required=True, type=json.loads, help=f"the rule's {name} param, as JSON")
    if interface.settings:
        parser.add_argument(
            "--configfile",
            nargs="+",
            default=["config.yaml"],
            help="config files, later ones overriding earlier ones key by key (default: config.yaml)",
        )
    parser.add_argument("--threads", type=int, default=available_cores(), help="threads or processes to use")
    parser.add_argument("--log", help="also log to this file")
    return parser


def parse_command_line(interface: Interface, argv: list[str] | None = None) -> argparse.Namespace:
    args = build_parser(interface).parse_args(argv)
    if interface.settings:
        config = load_config(args.configfile)
        wildcards = {name: getattr(args, name) for name in interface.wildcards}
        for name in interface.settings:
            setattr(args, name, SLICES[name].typed(SLICES[name].cut(config, wildcards)))
    return args


def load_config(paths: list[str], overrides: Mapping | None = None) -> dict:
    """Config files merged key by key as Snakemake merges --configfile overlays, then ``overrides`` (Snakemake's
    --config values), completed with every default and validated as the workflow does (gzmorph.config)."""
    return read_config(paths, overrides)


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class RuleLog(logging.FileHandler):
    """The rule's log file. It may sit on the disk that filled up: its lines still reach stderr, and a write or
    close it cannot do is no "Logging error" traceback."""

    def handleError(self, record: logging.LogRecord) -> None:
        if getattr(sys.exc_info()[1], "errno", None) not in DISK_FULL_ERRNOS:
            super().handleError(record)

    def close(self) -> None:
        try:
            super().close()
        except OSError as error:
            if error.errno not in DISK_FULL_ERRNOS:
                raise


def setup_logging(log_path: str | None, keep: bool = False) -> None:
    """Log to stderr, and to the rule's log file when there is one (appending with ``keep``)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(RuleLog(log_path, mode="a" if keep else "w"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True
    )
