"""Choose the best model from the two architectures, trained with the same recipe, and publish it as
results/models/best/: the chosen model.pt and validation predictions, copied, and its metrics.json with the choice.

The choice (gzmorph.model_choice) compares the two on the validation galaxies with a paired bootstrap: the lower
validation RMSE wins when the 95 % interval of the difference excludes zero, otherwise ``models.prefer_on_tie``.
Each input list holds one file per model folder (results/models/<architecture>/); the lists are matched by folder.

    python scripts/publish_best.py --models results/models/{resnet18,cnn}/model.pt \
        --metrics results/models/{resnet18,cnn}/metrics.json \
        --validation-predictions results/models/{resnet18,cnn}/validation_predictions.parquet \
        --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --model-pt results/models/best/model.pt --best-metrics results/models/best/metrics.json \
        --best-validation-predictions results/models/best/validation_predictions.parquet
"""

import json
import logging
import shutil
from pathlib import Path

import pandas as pd

from gzmorph import cli
from gzmorph.evaluate import predictions_for
from gzmorph.io import atomic_path, write_json
from gzmorph.model_choice import choose, paired_difference
from gzmorph.settings import ARCHITECTURES
from gzmorph.shards import ShardSet
from gzmorph.split import VALIDATION, subset_ids

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("models", "results/models/<architecture>/model.pt of resnet18 and cnn", many=True),
        cli.Files("metrics", "results/models/<architecture>/metrics.json of each", many=True),
        cli.Files("validation_predictions", "validation_predictions.parquet of each", many=True),
        cli.TRAIN_INDEX,
        cli.SPLIT,
    ),
    outputs=(
        cli.Files("model_pt", "copy of the chosen model.pt"),
        cli.Files("best_metrics", "the chosen model's metrics, with the choice under architecture_choice"),
        cli.Files("best_validation_predictions", "copy of the chosen model's validation predictions"),
    ),
    settings=("model_choice",),
)


def by_folder(paths: list[str], what: str) -> dict[str, str]:
    """``paths`` by the name of their model folder, which must be the architectures, each once."""
    named = {Path(p).parent.name: p for p in paths}
    if len(named) != len(paths) or set(named) != set(ARCHITECTURES):
        raise ValueError(f"{what}: expected one file in each of the folders {ARCHITECTURES}, got {paths}")
    return named


def copy_file(source: str, target: str) -> None:
    with atomic_path(target) as partial:
        shutil.copyfile(source, partial)


def main(args) -> None:
    models = by_folder(args.models, "models")
    metrics = by_folder(args.metrics, "metrics")
    predictions = by_folder(args.validation_predictions, "validation_predictions")
    shards = ShardSet.of_index(args.train_index)
    valid = shards.subset(subset_ids(pd.read_parquet(args.split), VALIDATION))
    first, second = ARCHITECTURES
    predicted = [predictions_for(valid.ids, pd.read_parquet(predictions[m]), predictions[m]) for m in ARCHITECTURES]
    choice = choose((first, second), paired_difference(valid.labels, *predicted), args.model_choice.prefer_on_tie)
    chosen = choice["chosen"]
    scores = {m: json.loads(Path(metrics[m]).read_text()) for m in ARCHITECTURES}
    copy_file(models[chosen], args.model_pt)
    copy_file(predictions[chosen], args.best_validation_predictions)
    compared = {m: scores[m]["validation_rmse"] for m in ARCHITECTURES}
    write_json(
        {**scores[chosen], "model": "best", "architecture_choice": choice, "compared": compared}, args.best_metrics
    )
    logging.info("best model: %s (%s), validation RMSE %s", chosen, choice["reason"], compared)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
