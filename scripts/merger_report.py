"""Merger fraction and rate of the unlabelled set: numbers (JSON), figures and the Markdown report.

Calibration galaxies are labelled galaxies with a prediction: ``--calibration`` (GalaxyID + Class8.6 predicted by
the adopted model) joined with their volunteer values from ``--train-index``. Other models enter the model
systematic through ``--variants NAME:CALIBRATION.parquet:TARGET.parquet``.
"""

import argparse
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.io import write_json
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.mergers import GalleryImages, MergerSettings, analyse, draw_figures, highest_predicted, render_markdown
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--test-catalogue", required=True, help="Parquet predictions of the unlabelled (target) set")
parser.add_argument("--calibration", required=True, help="Parquet predictions (GalaxyID + Class8.6), held-out labels")
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled set (volunteer votes, images)")
parser.add_argument("--test-index", required=True, help="index.parquet of the unlabelled shard set (gallery images)")
parser.add_argument("--variants", nargs="*", default=[], help="NAME:CALIBRATION.parquet:TARGET.parquet per model")
parser.add_argument("--network-view", nargs=2, type=int, help="crop_px size_px of the network input (scale table)")
parser.add_argument("--report", required=True, help="output Markdown report")
parser.add_argument("--numbers", required=True, help="output JSON with every number of the report")
parser.add_argument("--calibration-figure", required=True)
parser.add_argument("--gallery-figure", required=True)
parser.add_argument("--sweep-figure", required=True)
parser.add_argument("--rate-figure", required=True)
parser.add_argument("--coverage-figure", help="known-answer test figure (not written when omitted)")
parser.add_argument("--settings", required=True, help="the mergers section of the config, as JSON")
parser.add_argument("--log")


def merger_votes(path: str) -> pd.Series:
    return pd.read_parquet(path, columns=[ID_COLUMN, MERGER_COLUMN]).set_index(ID_COLUMN)[MERGER_COLUMN]


def calibration_pairs(predictions: pd.Series, truth: pd.Series, path: str) -> tuple[np.ndarray, np.ndarray]:
    missing = ~predictions.index.isin(truth.index)
    if missing.any():
        raise SystemExit(f"{path}: {int(missing.sum())} GalaxyIDs have no volunteer votes")
    return predictions.to_numpy(np.float64), truth.loc[predictions.index].to_numpy(np.float64)


def variant_predictions(spec: str, calibration_ids: pd.Index, target_ids: pd.Index) -> tuple[str, tuple]:
    name, calibration_path, target_path = spec.split(":")
    calibration, target = merger_votes(calibration_path), merger_votes(target_path)
    return name, (calibration.loc[calibration_ids].to_numpy(np.float64), target.loc[target_ids].to_numpy(np.float64))


def gallery(shards: ShardSet, ids: np.ndarray, predicted: np.ndarray, n: int, truth=None) -> GalleryImages:
    top = highest_predicted(predicted, n)
    chosen = shards.subset(ids[top].astype(np.uint64))
    return GalleryImages(
        chosen.images(np.arange(len(top))), ids[top], predicted[top], None if truth is None else truth[top]
    )


def main(args: argparse.Namespace) -> None:
    settings = MergerSettings.from_config(json.loads(args.settings))
    target = merger_votes(args.test_catalogue)
    truth = merger_votes(args.train_index)
    calibration = merger_votes(args.calibration)
    calib_pred, calib_true = calibration_pairs(calibration, truth, args.calibration)
    variants = dict(variant_predictions(v, calibration.index, target.index) for v in args.variants)
    target_pred = target.to_numpy(np.float64)
    view = tuple(args.network_view) if args.network_view else None
    result = analyse(target_pred, calib_pred, calib_true, settings, variants, view)
    write_json(result, args.numbers)

    n = settings.gallery_size
    galleries = (
        gallery(ShardSet(Path(args.test_index).parent), target.index.to_numpy(), target_pred, n),
        gallery(ShardSet(Path(args.train_index).parent), calibration.index.to_numpy(), calib_pred, n, calib_true),
    )
    figures = draw_figures(result, target_pred, calib_pred, calib_true, settings, *galleries)
    paths = {
        "calibration": args.calibration_figure,
        "gallery": args.gallery_figure,
        "threshold_sweep": args.sweep_figure,
        "rate_comparison": args.rate_figure,
        "coverage": args.coverage_figure,
    }
    report_dir = Path(args.report).parent
    relative = {}
    for name, figure in figures.items():
        if paths[name]:
            Path(paths[name]).parent.mkdir(parents=True, exist_ok=True)
            figure.savefig(paths[name], dpi=120)
            relative[name.replace("_", " ")] = os.path.relpath(paths[name], report_dir)
    sources = {
        "target predictions": args.test_catalogue,
        "calibration predictions": args.calibration,
        "volunteer votes": args.train_index,
        "settings": "config.yaml (section mergers)",
    }
    report_dir.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(render_markdown(result, relative, sources))
    b = result["adopted_fraction"]
    logging.info(
        "adopted %s merger fraction %.4f, total 68%% interval %s", b["estimator"], b["fraction"], b["interval_68"]
    )


main(parse_args(parser, globals().get("snakemake")))
