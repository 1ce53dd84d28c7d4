"""Choose the architecture from the fold models of both (trained with the same recipe) and publish its ensemble as
results/models/best/: one model.pt holding all K fold models (its network predicts their mean), metrics.json with
the choice and the per-fold scores, and the out-of-fold predictions of every labelled galaxy outside the test subset;
and the merger calibration table of the chosen architecture.

The choice (gzmorph.model_choice) compares the two architectures' out-of-fold predictions (predict.tta views) of
every labelled galaxy outside the test subset with a paired bootstrap: the lower RMSE wins when the 95 % interval of
the difference excludes zero, otherwise ``models.prefer_on_tie``. The fold models' weights were fixed without these
labels, but choosing between two architectures on them is a mild selection: the chosen ensemble's out-of-fold RMSE
is slightly optimistic, and the test subset, untouched by the choice, gives the final scores.

    python scripts/publish_best.py --models results/models/{resnet18,cnn}/fold{0,1}/model.pt \
        --metrics results/models/{resnet18,cnn}/fold{0,1}/metrics.json \
        --predictions results/models/{resnet18,cnn}/fold{0,1}/predictions.parquet \
        --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --model-pt results/models/best/model.pt --best-metrics results/models/best/metrics.json \
        --oof-predictions results/models/best/oof_predictions.parquet \
        --calibration results/predictions/merger_calibration.parquet
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import checkpoint, cli
from gzmorph.checkpoint import EnsembleCheckpoint
from gzmorph.cross_fitting import (
    by_fold,
    calibration_table,
    out_of_fold,
    read_fold_predictions,
    training_overlap,
)
from gzmorph.evaluate import predictions_for
from gzmorph.io import write_json, write_table
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.metrics import rmse
from gzmorph.model_choice import choose, paired_difference
from gzmorph.settings import ARCHITECTURES
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, subset_ids

SELECTION_NOTE = (
    "The architecture is chosen on the out-of-fold RMSE of the galaxies outside the test subset: a mild selection, "
    "so the chosen ensemble's out_of_fold_rmse is slightly optimistic; the test subset gives the final scores."
)

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("models", "results/models/<architecture>/fold<k>/model.pt, every fold of both", many=True),
        cli.Files("metrics", "results/models/<architecture>/fold<k>/metrics.json of each", many=True),
        cli.Files("predictions", "results/models/<architecture>/fold<k>/predictions.parquet of each", many=True),
        cli.TRAIN_INDEX,
        cli.SPLIT,
    ),
    outputs=(
        cli.Files("model_pt", "the chosen architecture's ensemble of fold models (one checkpoint)"),
        cli.Files("best_metrics", "the choice, the out-of-fold scores and the per-fold held-out scores"),
        cli.Files("oof_predictions", "Parquet: GalaxyID, fold, the 37 columns (chosen architecture, predict.tta)"),
        cli.Files("calibration", "Parquet: GalaxyID, fold_model, role, predicted, true (the merger calibration)"),
    ),
    settings=("model_choice", "views"),
)


def main(args) -> None:
    models, metrics = by_fold(args.models, "models"), by_fold(args.metrics, "metrics")
    predictions = read_fold_predictions(args.predictions)
    if set(models) != set(metrics) or {m for m, _ in models} != set(ARCHITECTURES):
        raise ValueError(f"models and metrics must hold the same folds of {ARCHITECTURES}: {args.models}")
    split = pd.read_parquet(args.split)
    labelled = ShardSet.of_index(args.train_index)
    outside_test = labelled.subset(subset_ids(split, TRAIN))
    tta = args.views.tta
    oof = {m: out_of_fold(predictions, m, tta) for m in ARCHITECTURES}
    predicted = {m: predictions_for(outside_test.ids, oof[m], f"out-of-fold predictions of {m}") for m in oof}
    comparison = paired_difference(outside_test.labels, *(predicted[m] for m in ARCHITECTURES))
    choice = choose(ARCHITECTURES, comparison, args.model_choice.prefer_on_tie)
    chosen = choice["chosen"]
    folds = sorted(k for m, k in models if m == chosen)
    members = [checkpoint.load(models[chosen, k]) for k in folds]
    checkpoint.save_ensemble(EnsembleCheckpoint(members, {"architecture": chosen, "folds": len(folds)}), args.model_pt)
    write_table(oof[chosen], args.oof_predictions)
    truth = pd.read_parquet(args.train_index, columns=[ID_COLUMN, MERGER_COLUMN]).set_index(ID_COLUMN)[MERGER_COLUMN]
    calibration = calibration_table(predictions, chosen, tta, truth)
    overlap = training_overlap(calibration, split)
    if any(overlap.values()):
        raise ValueError(f"fold models calibrated on galaxies they trained on (count per fold model): {overlap}")
    write_table(calibration, args.calibration)
    scores = {m: rmse(outside_test.labels, predicted[m]) for m in ARCHITECTURES}
    per_fold = {m: [json.loads(Path(metrics[m, k]).read_text()) for k in folds] for m in ARCHITECTURES}
    write_json(best_metrics(choice, scores, per_fold, len(outside_test)), args.best_metrics)
    logging.info("best model: the %s ensemble of %d folds (%s); out-of-fold RMSE %s", chosen, len(folds),
                 choice["reason"], scores)  # fmt: skip


def best_metrics(choice: dict, scores: dict[str, float], per_fold: dict[str, list[dict]], n_galaxies: int) -> dict:
    """What best/metrics.json holds: the recipe of the chosen architecture (from its fold 0), the choice and why,
    each architecture's out-of-fold RMSE and each fold model's held-out RMSE and training time."""
    chosen = choice["chosen"]
    recipe = per_fold[chosen][0]
    keys = ("architecture", "head", "model_spec", "steps", "epochs", "scheduler", "rotate", "ema_decay", "device")
    return {
        "model": "best",
        **{k: recipe[k] for k in keys},
        "n_parameters": sum(m["n_parameters"] for m in per_fold[chosen]),
        "folds": len(per_fold[chosen]),
        "train_seconds": sum(m["train_seconds"] for m in per_fold[chosen]),
        "out_of_fold_rmse": scores[chosen],
        "n_out_of_fold_galaxies": n_galaxies,
        "compared": scores,
        "per_fold": {
            m: [{k: f[k] for k in ("fold", "held_out_rmse", "train_seconds")} for f in folds]
            for m, folds in per_fold.items()
        },  # fmt: skip
        "architecture_choice": choice,
        "selection_note": SELECTION_NOTE,
    }


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
