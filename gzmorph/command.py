"""The ``gzmorph`` console command: ``gzmorph predict IMAGES --out catalogue.fits``, ``gzmorph estimate
--configfile config.yaml configs/full.yaml`` and ``gzmorph config``, which prints every config key of the workflow
with its value and description.

``predict`` runs the functions of ``gzmorph.api`` (as does ``scripts/predict.py``, the workflow's hand-run script);
``estimate`` those of ``gzmorph.estimate``. A problem with the user's files (no images, a duplicate ID, a file that is
not a model, an output it cannot write, a config the workflow would refuse) becomes one line naming the file, with
exit status 2 and no traceback; a full disk one line naming the file being written, with exit status 1.
"""

import argparse
import logging
import os
import sys
from pathlib import Path

import yaml

from gzmorph import __version__
from gzmorph.archives import DataError
from gzmorph.binding import available_cores, load_config
from gzmorph.catalogue import FORMATS, CatalogueError, output_format
from gzmorph.checkpoint import CheckpointError
from gzmorph.config import ConfigError, read_config
from gzmorph.config_listing import config_listing
from gzmorph.geometry import DIHEDRAL
from gzmorph.io import DiskFullError
from gzmorph.settings import Predict

DEFAULT_MODEL = Path("results/models/best/model.pt")  # the workflow's published best model
DEFAULT_CURVES = Path("results/tables/merger_calibration_curves.json")  # its merger calibration (p_merger)
PIXEL_SCALE = """\
Pixel scale: the models learn from Galaxy Zoo 2 cutouts of SDSS gri colour images, 424 x 424 pixels at
0.02 x petroR90_r arcsec per pixel, centred on the galaxy, so that the image spans 8.48 petroR90_r
(Willett et al. 2013, MNRAS 435, 2835). Images of another size are cropped or padded with black about their
centre at the same pixel scale, never rescaled; so make other cutouts at 0.02 x petroR90_r arcsec per pixel
(e.g. the SDSS cutout service with scale = 0.02 * petroR90_r, 424 x 424 px), or resample them to that scale,
with the galaxy in the centre. Predictions for galaxies at another scale, depth or band are extrapolations."""
DEFAULT_TIMED_STEPS = 5  # gzmorph estimate: training steps timed per network, after the warm-up
USER_ERRORS = (DataError, CatalogueError, CheckpointError, ConfigError, OSError)
PREDICT_DEFAULTS = Predict()  # the workflow's predict section, whose defaults the command and the API share


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gzmorph", description="Galaxy Zoo morphology from galaxy images.")
    parser.add_argument("--version", action="version", version=f"gzmorph {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    add_predict(commands)
    add_estimate_command(commands)
    add_config(commands)
    return parser


def add_predict(commands) -> None:
    predict = commands.add_parser(
        "predict",
        help="predict the 37 Galaxy Zoo 2 vote fractions for your images",
        description="Predict the 37 Galaxy Zoo 2 vote fractions (Class1.1 ... Class11.6) and their spread over "
        "augmented views for every JPEG or PNG image; the ID of each is its file name without the suffix.",
        epilog=PIXEL_SCALE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("images", nargs="+", metavar="IMAGES", help="folders, .zip/.tar/.tar.gz archives or files")
    predict.add_argument(
        "--out", required=True, help=f"catalogue to write; the suffix picks the format: {', '.join(FORMATS)}"
    )
    predict.add_argument("--model", type=Path, help=f"model checkpoint (default: {DEFAULT_MODEL}, if it exists here)")
    predict.add_argument(
        "--tta",
        type=int,
        default=PREDICT_DEFAULTS.tta,
        choices=range(1, len(DIHEDRAL) + 1),
        metavar=f"1-{len(DIHEDRAL)}",
        help="augmented views (rotations, flips) averaged per image (default: %(default)s)",
    )
    predict.add_argument(
        "--batch-size",
        type=positive,
        default=PREDICT_DEFAULTS.batch_size,
        help="images per forward pass (default: %(default)s)",
    )
    predict.add_argument(
        "--merger-calibration",
        type=Path,
        help="the model's merger calibration curves, to add p_merger, the calibrated merger probability "
        f"(default: {DEFAULT_CURVES} with the default model, if it exists here)",
    )
    predict.add_argument("--readable-names", action="store_true", help="name columns odd_merger, not Class8.6")
    predict.add_argument("--threads", type=positive, default=available_cores(), help="CPU threads (default: all)")


def add_config(commands) -> None:
    config = commands.add_parser(
        "config",
        help="print every config key of the workflow with its value and description",
        description="Print the workflow's config as YAML, each key with its description, bounds and default as a "
        "comment: the defaults, or the config that Snakemake would run with these --configfile files.",
    )
    config.add_argument(
        "--configfile",
        nargs="+",
        metavar="FILE",
        help="config files, later ones overriding earlier ones key by key, as Snakemake's --configfile (e.g. "
        "config.yaml configs/full.yaml mine.yaml); default: none, the defaults alone",
    )


def add_estimate_command(commands) -> None:
    estimate = commands.add_parser(
        "estimate",
        help="the expected wall time of a workflow run, before it starts",
        description="Times a few training steps and forward passes of each network of the config on this machine, "
        "in the precision each job would use, and prints the expected wall time of every training job and of the "
        "whole run for the config's data.",
    )
    estimate.add_argument(
        "--configfile",
        nargs="+",
        default=["config.yaml"],
        help="config files, later ones overriding earlier ones key by key, as Snakemake's (default: config.yaml)",
    )
    estimate.add_argument(
        "--config",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="config values over the files, as Snakemake's --config (e.g. train_images=PATH)",
    )
    estimate.add_argument(
        "--steps",
        type=positive,
        default=DEFAULT_TIMED_STEPS,
        help="training steps (and forward batches) timed per network (default: %(default)s)",
    )
    estimate.add_argument(
        "--threads", type=positive, default=available_cores(), help="CPU threads, as a training job (default: all)"
    )


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "config":
        return print_config(args.configfile)
    logging.basicConfig(level=logging.INFO, format="gzmorph: %(message)s", force=True)
    try:
        {"predict": run_predict, "estimate": run_estimate}[args.command](args)
    except DiskFullError as error:  # an OSError, but the machine's problem rather than the user's input
        print(f"gzmorph {args.command}: error: {error}", file=sys.stderr)
        return 1
    except USER_ERRORS as error:
        print(f"gzmorph {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


def run_predict(args: argparse.Namespace) -> None:
    model = args.model or default_model()
    curves = args.merger_calibration or default_curves(args.model)
    predict_catalogue(
        model, args.images, args.out, args.tta, args.batch_size, args.threads, args.readable_names, curves
    )


def run_estimate(args: argparse.Namespace) -> None:
    config = checked_config(args.configfile, args.config)
    # Imported here so that --help and argument errors answer without loading PyTorch.
    from gzmorph import estimate
    from gzmorph.device import pick_device

    result = estimate.estimate(config, pick_device(args.threads), args.steps)
    print(estimate.render(result, config, args.configfile, args.steps))


def checked_config(paths: list[str], entries: list[str]) -> dict:
    """The merged config files with the --config entries on top, completed and validated as the workflow does."""
    from snakemake.cli import parse_config
    from snakemake.exceptions import WorkflowError

    from gzmorph.settings import compared_candidates

    try:
        config = load_config(paths, parse_config(entries))
        compared_candidates(config)
    except ConfigError:
        raise
    except (WorkflowError, ValueError, yaml.YAMLError) as error:
        raise ConfigError(f"{' + '.join(paths)}: {' '.join(str(error).split())}") from None
    return config


def print_config(configfiles: list[str] | None) -> int:
    """The complete config, described: the defaults, or ``configfiles`` completed; a bad key named, exit status 2."""
    try:
        config = read_config(configfiles) if configfiles else None
    except (ValueError, OSError) as error:  # a bad key (ConfigError), bad YAML, a missing file
        print(f"gzmorph config: error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(config_listing(config))
    return 0


def default_model() -> Path:
    """The workflow's best model under the current directory (a project folder); else an error saying what to do."""
    if not DEFAULT_MODEL.is_file():
        raise CheckpointError(f"no model given and no {DEFAULT_MODEL} under {Path.cwd()}; pass --model PATH")
    return DEFAULT_MODEL


def default_curves(model: Path | None) -> Path | None:
    """The workflow's merger calibration, when the model is the workflow's own (no --model) and the file exists."""
    return DEFAULT_CURVES if model is None and DEFAULT_CURVES.is_file() else None


def check_output(path: str | os.PathLike) -> None:
    """Refuse an output that cannot be written, before any work: unknown suffix, a folder, a missing folder."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a file name such as {path / 'catalogue.fits'}")
    output_format(path)
    if not path.parent.is_dir():
        raise DataError(f"{path}: the folder {path.parent} does not exist")


def predict_catalogue(
    model_path: str | os.PathLike,
    images: list[str],
    out: str | os.PathLike,
    tta: int,
    batch_size: int,
    threads: int,
    readable_names: bool = False,
    merger_calibration: str | os.PathLike | None = None,
) -> int:
    """Predict for ``images`` with the model at ``model_path`` and write the catalogue ``out``, with ``p_merger``
    when given the model's ``merger_calibration`` curves; returns its rows."""
    check_output(out)
    # Imported here so that --help and argument errors answer without loading PyTorch.
    from gzmorph import api
    from gzmorph.device import pick_device

    model = api.load_model(model_path, pick_device(threads))
    table = api.predict(model, images, tta, batch_size, workers=threads)
    if merger_calibration is not None:
        table = api.add_merger_probability(table, merger_calibration)
    return api.write_catalogue(table, out, readable_names)
