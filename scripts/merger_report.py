"""Merger fraction of the unlabelled set by three estimators, with uncertainties, rates, figures and a report."""

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
from gzmorph.merger_figures import calibration_figure, rate_figure, threshold_sweep_figure
from gzmorph.merger_report import render
from gzmorph.mergers import (
    ESTIMATORS,
    MergerSettings,
    analyse,
    bootstrap_sweep,
    literature_range,
    literature_rate,
    threshold_sweep,
)
from gzmorph.plots import image_grid
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--test-catalogue", required=True, help="Parquet catalogue of the unlabelled set")
parser.add_argument("--validation", required=True, help="Parquet validation predictions (GalaxyID + 37 columns)")
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled set (the true votes)")
parser.add_argument("--test-index", required=True, help="index.parquet of the unlabelled shard set (gallery images)")
parser.add_argument("--report", required=True, help="output Markdown report")
parser.add_argument("--numbers", required=True, help="output JSON with every number of the report")
parser.add_argument("--sweep-figure", required=True)
parser.add_argument("--rate-figure", required=True)
parser.add_argument("--calibration-figure", required=True)
parser.add_argument("--gallery-figure", required=True)
parser.add_argument("--settings", required=True, help="the mergers section of the config, as JSON")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))
config = json.loads(args.settings)

test = pd.read_parquet(args.test_catalogue, columns=[ID_COLUMN, MERGER_COLUMN])
valid = pd.read_parquet(args.validation, columns=[ID_COLUMN, MERGER_COLUMN])
truth = pd.read_parquet(args.train_index, columns=[ID_COLUMN, MERGER_COLUMN]).set_index(ID_COLUMN)[MERGER_COLUMN]
missing = ~valid[ID_COLUMN].isin(truth.index)
if missing.any():
    raise SystemExit(f"{args.validation}: {int(missing.sum())} GalaxyIDs have no labels in {args.train_index}")
test_votes = test[MERGER_COLUMN].to_numpy(np.float64)
valid_pred = valid[MERGER_COLUMN].to_numpy(np.float64)
valid_true = truth.loc[valid[ID_COLUMN].to_numpy()].to_numpy(np.float64)

settings = MergerSettings(config["threshold"], config["true_threshold"], tuple(config["systematic_thresholds"]))
observability = config["observability"]
timescales = {kind: entry["gyr"] for kind, entry in observability.items()}
boot = config["bootstrap"]
result = analyse(
    test_votes,
    valid_pred,
    valid_true,
    settings,
    boot["resamples"],
    boot["confidence"],
    boot["seed"],
    config["adopted"],
    timescales,
    config["min_calibration_mergers"],
)
write_json({**result, "literature": config["literature"]}, args.numbers)

literature = config["literature"]
sweep = np.linspace(**config["sweep"])
band = bootstrap_sweep(test_votes, sweep, boot["resamples"], boot["confidence"], np.random.default_rng(boot["seed"]))
fraction_bands = [
    (f"{e['name']}{' x C' if e.get('correction') else ''}: {e['quantity'].replace('_', ' ')}", literature_range(e))
    for e in literature
    if e["quantity"] != "merger_rate" and e.get("value") is not None
]
figures = {
    "Threshold sweep": args.sweep_figure,
    "Merger rate comparison": args.rate_figure,
    "Validation calibration": args.calibration_figure,
    "Most confident merger candidates": args.gallery_figure,
}
for path in figures.values():
    Path(path).parent.mkdir(parents=True, exist_ok=True)
threshold_sweep_figure(
    sweep,
    threshold_sweep(test_votes, sweep),
    band,
    threshold_sweep(valid_true, sweep),
    threshold_sweep(valid_pred, sweep),
    settings.threshold,
    result["calibrated_threshold"],
    fraction_bands,
    len(test_votes),
    boot["confidence"],
).savefig(args.sweep_figure, dpi=120)

rows = []
for name in ESTIMATORS:
    for kind in observability:
        adopted = " (adopted)" if name == result["adopted"] else ""
        rows.append((f"{name}{adopted}, T_obs {kind}", result["rates_gyr"][name][kind]["central"], "ours"))
for entry in literature:
    span = literature_rate(entry, timescales)
    if span is not None:
        via = "" if entry["quantity"] == "merger_rate" else f", T_obs {entry['timescale']}"
        rows.append((f"{entry['name']}{via}", span, "literature"))
rate_figure(rows).savefig(args.rate_figure, dpi=120)

calibration_figure(
    valid_true,
    valid_pred,
    settings.true_threshold,
    result["calibrated_threshold"],
    sweep,
    threshold_sweep(valid_true, sweep),
    threshold_sweep(valid_pred, sweep),
).savefig(args.calibration_figure, dpi=120)

top = test.nlargest(config["gallery_size"], MERGER_COLUMN)
shard_set = ShardSet(Path(args.test_index).parent).subset(top[ID_COLUMN].to_numpy(np.uint64))
image_grid(
    shard_set.images(np.arange(len(shard_set))),
    [f"{gid}\n{MERGER_COLUMN} = {v:.2f}" for gid, v in zip(top[ID_COLUMN], top[MERGER_COLUMN], strict=True)],
    f"The {len(top)} most confident merger candidates of the unlabelled set (stored field, predicted vote fraction)",
).savefig(args.gallery_figure, dpi=120)

report_dir = Path(args.report).parent
sources = {
    "predictions for the unlabelled set": args.test_catalogue,
    "validation predictions": args.validation,
    "true validation votes": args.train_index,
    "settings and literature values": "config.yaml (section mergers)",
}
relative = {title: os.path.relpath(path, report_dir) for title, path in figures.items()}
report_dir.mkdir(parents=True, exist_ok=True)
Path(args.report).write_text(render(result, literature, observability, sources, relative))
adopted = result["adopted_fraction"]
logging.info(
    "adopted %s merger fraction %.4f (+%.4f/-%.4f stat, %.4f sys definition, %.4f sys estimators) of %d galaxies",
    result["adopted"],
    adopted["fraction"],
    adopted["stat_high"],
    adopted["stat_low"],
    adopted["sys_definition"],
    adopted["sys_estimators"],
    result["n_test"],
)
