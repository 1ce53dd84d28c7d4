"""Merger fraction of the unlabelled set by three estimators, with uncertainties, rates, figures and a report."""

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph import cli
from gzmorph.figures import save_figure
from gzmorph.figures.common import image_grid
from gzmorph.io import write_json, write_text
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
from gzmorph.shards import ShardSet

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("test_catalogue", "Parquet catalogue of the unlabelled set"),
        cli.Files("validation", "Parquet validation predictions (GalaxyID + 37 columns)"),
        cli.TRAIN_INDEX,
        cli.TEST_INDEX,
    ),
    outputs=(
        cli.Files("report", "Markdown report"),
        cli.Files("numbers", "JSON with every number of the report"),
        cli.Files("sweep_figure", "PNG"),
        cli.Files("rate_figure", "PNG"),
        cli.Files("calibration_figure", "PNG"),
        cli.Files("gallery_figure", "PNG"),
    ),
    settings=("mergers",),
)


def main(args) -> None:
    config = args.mergers

    test = pd.read_parquet(args.test_catalogue, columns=[ID_COLUMN, MERGER_COLUMN])
    valid = pd.read_parquet(args.validation, columns=[ID_COLUMN, MERGER_COLUMN])
    truth = pd.read_parquet(args.train_index, columns=[ID_COLUMN, MERGER_COLUMN]).set_index(ID_COLUMN)[MERGER_COLUMN]
    missing = ~valid[ID_COLUMN].isin(truth.index)
    if missing.any():
        raise ValueError(f"{args.validation}: {int(missing.sum())} GalaxyIDs have no labels in {args.train_index}")
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
    band = bootstrap_sweep(
        test_votes, sweep, boot["resamples"], boot["confidence"], np.random.default_rng(boot["seed"])
    )
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
    save_figure(
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
        ),
        args.sweep_figure,
    )

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
    save_figure(rate_figure(rows), args.rate_figure)

    save_figure(
        calibration_figure(
            valid_true,
            valid_pred,
            settings.true_threshold,
            result["calibrated_threshold"],
            sweep,
            threshold_sweep(valid_true, sweep),
            threshold_sweep(valid_pred, sweep),
        ),
        args.calibration_figure,
    )

    top = test.nlargest(config["gallery_size"], MERGER_COLUMN)
    shard_set = ShardSet(Path(args.test_index).parent).subset(top[ID_COLUMN].to_numpy(np.uint64))
    save_figure(
        image_grid(
            shard_set.images(np.arange(len(shard_set))),
            [f"{gid}\n{MERGER_COLUMN} = {v:.2f}" for gid, v in zip(top[ID_COLUMN], top[MERGER_COLUMN], strict=True)],
            f"The {len(top)} most confident merger candidates of the unlabelled set "
            "(stored field, predicted vote fraction)",
        ),
        args.gallery_figure,
    )

    report_dir = Path(args.report).parent
    sources = {
        "predictions for the unlabelled set": args.test_catalogue,
        "validation predictions": args.validation,
        "true validation votes": args.train_index,
        "settings and literature values": "config.yaml (section mergers)",
    }
    relative = {title: os.path.relpath(path, report_dir) for title, path in figures.items()}
    write_text(render(result, literature, observability, sources, relative), args.report)
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


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
