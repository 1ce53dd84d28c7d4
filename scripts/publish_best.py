"""Publish the chosen candidate's ensemble of fold models as results/models/best/: one model.pt holding all K fold
models (its network predicts their mean), metrics.json with the choice (scripts/choose_architecture.py, on fold 0),
the out-of-fold RMSE over every labelled galaxy outside the test subset and the per-fold scores, and the out-of-fold
predictions of those galaxies; and the merger calibration table, each fold model on the galaxies it never trained on.

    python scripts/publish_best.py --choice results/models/architecture_choice.json \
        --models results/models/resnet18/fold{0,1,2}/model.pt \
        --metrics results/models/resnet18/fold{0,1,2}/metrics.json \
        --predictions results/models/resnet18/fold{0,1,2}/predictions.parquet \
        --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --model-pt results/models/best/model.pt --best-metrics results/models/best/metrics.json \
        --oof-predictions results/models/best/oof_predictions.parquet \
        --calibration results/predictions/merger_calibration.parquet
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import binding, checkpoint
from gzmorph.checkpoint import EnsembleCheckpoint
from gzmorph.evaluate import predictions_for
from gzmorph.fold_predictions import (
    by_fold,
    calibration_table,
    out_of_fold,
    read_fold_predictions,
    training_overlap,
)
from gzmorph.io import write_json, write_table
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.metrics import rmse
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, subset_ids

SELECTION_NOTE = (
    "The candidate is chosen on the held-out galaxies of fold 0, which every compared candidate trains: a mild "
    "selection, so the chosen ensemble's out_of_fold_rmse is slightly optimistic; the test subset gives the final "
    "scores."
)

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("choice", "results/models/architecture_choice.json (scripts/choose_architecture.py)"),
        binding.Files("models", "results/models/<chosen>/fold<k>/model.pt, every fold", many=True),
        binding.Files("metrics", "results/models/<chosen>/fold<k>/metrics.json of each", many=True),
        binding.Files("predictions", "results/models/<chosen>/fold<k>/predictions.parquet of each", many=True),
        binding.TRAIN_INDEX,
        binding.SPLIT,
    ),
    outputs=(
        binding.Files("model_pt", "the chosen candidate's ensemble of fold models (one checkpoint)"),
        binding.Files("best_metrics", "the choice, the out-of-fold scores and the per-fold held-out scores"),
        binding.Files("oof_predictions", "Parquet: GalaxyID, fold, the 37 columns (chosen candidate, predict.tta)"),
        binding.Files("calibration", "Parquet: GalaxyID, fold_model, role, predicted, true (the merger calibration)"),
    ),
    settings=("views",),
)


def main(args) -> None:
    choice = json.loads(Path(args.choice).read_text())
    chosen = choice["chosen"]
    models, metrics = by_fold(args.models, "models"), by_fold(args.metrics, "metrics")
    if set(models) != set(metrics) or {m for m, _ in models} != {chosen}:
        raise ValueError(f"models and metrics must hold the same folds of the chosen {chosen}: {args.models}")
    predictions = read_fold_predictions(args.predictions)
    split = pd.read_parquet(args.split)
    outside_test = ShardSet.of_index(args.train_index).subset(subset_ids(split, TRAIN))
    tta = args.views.tta
    oof = out_of_fold(predictions, chosen, tta)
    score = rmse(outside_test.labels, predictions_for(outside_test.ids, oof, f"out-of-fold predictions of {chosen}"))
    folds = sorted(k for _, k in models)
    members = [checkpoint.load(models[chosen, k]) for k in folds]
    checkpoint.save_ensemble(EnsembleCheckpoint(members, {"architecture": chosen, "folds": len(folds)}), args.model_pt)
    write_table(oof, args.oof_predictions)
    truth = pd.read_parquet(args.train_index, columns=[ID_COLUMN, MERGER_COLUMN]).set_index(ID_COLUMN)[MERGER_COLUMN]
    calibration = calibration_table(predictions, chosen, tta, truth)
    overlap = training_overlap(calibration, split)
    if any(overlap.values()):
        raise ValueError(f"fold models calibrated on galaxies they trained on (count per fold model): {overlap}")
    write_table(calibration, args.calibration)
    per_fold = [json.loads(Path(metrics[chosen, k]).read_text()) for k in folds]
    write_json(best_metrics(choice, score, per_fold, len(outside_test)), args.best_metrics)
    logging.info("best model: the %s ensemble of %d folds (%s); out-of-fold RMSE %.4f over %d galaxies", chosen,
                 len(folds), choice["reason"], score, len(outside_test))  # fmt: skip


def best_metrics(choice: dict, score: float, per_fold: list[dict], n_galaxies: int) -> dict:
    """What best/metrics.json holds: the chosen candidate and its recipe (from its fold 0), its out-of-fold RMSE,
    each fold model's held-out RMSE and training time, and the choice: why, and every candidate's fold-0 held-out
    RMSE (``compared``, by the test table's row names <candidate>_fold0)."""
    recipe = per_fold[0]
    keys = (
        "architecture",
        "head",
        "model_spec",
        "steps",
        "epochs",
        "scheduler",
        "rotate",
        "augment",
        "ema_decay",
        "precision",
        "precision_reason",
        "device",
        "pretrained",
    )
    return {
        "model": "best",
        "candidate": choice["chosen"],
        **{k: recipe[k] for k in keys},
        "n_parameters": sum(m["n_parameters"] for m in per_fold),
        "folds": len(per_fold),
        "train_seconds": sum(m["train_seconds"] for m in per_fold),
        "out_of_fold_rmse": score,
        "n_out_of_fold_galaxies": n_galaxies,
        "compared": {f"{m}_fold{choice['fold']}": value for m, value in choice["held_out_rmse"].items()},
        "per_fold": [{k: f[k] for k in ("fold", "held_out_rmse", "train_seconds")} for f in per_fold],
        "architecture_choice": choice,
        "selection_note": SELECTION_NOTE,
    }


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
