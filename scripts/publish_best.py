"""Copy the trained model with the lowest validation RMSE, and its validation predictions, to one well-known place
(results/models/best.pt), with a JSON naming the choice.

Each input list holds one file per model folder (results/models/<model>/); the lists are matched by folder.

    python scripts/publish_best.py --models results/models/{resnet18,cnn,best}/model.pt \
        --metrics results/models/{resnet18,cnn,best}/metrics.json \
        --validation-predictions results/models/{resnet18,cnn,best}/validation_predictions.parquet \
        --best results/models/best.pt --choice results/models/best.json \
        --best-validation-predictions results/models/best_validation_predictions.parquet
"""

import json
import logging
import shutil
from pathlib import Path

from gzmorph import cli
from gzmorph.io import atomic_path, write_json

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("models", "results/models/<model>/model.pt of each trained model", many=True),
        cli.Files("metrics", "results/models/<model>/metrics.json of each", many=True),
        cli.Files("validation_predictions", "results/models/<model>/validation_predictions.parquet of each", many=True),
    ),
    outputs=(
        cli.Files("best", "output: copy of the chosen model.pt"),
        cli.Files("choice", "output: JSON naming the chosen model and its metrics"),
        cli.Files("best_validation_predictions", "output: copy of the chosen model's validation predictions"),
    ),
)


def by_folder(paths: list[str], what: str) -> dict[str, str]:
    """``paths`` by the name of their model folder; refuses two files of the same folder."""
    named = {Path(p).parent.name: p for p in paths}
    if len(named) != len(paths):
        raise ValueError(f"{what}: two files of the same model folder among {paths}")
    return named


def copy_file(source: str, target: str) -> None:
    with atomic_path(target) as partial:
        shutil.copyfile(source, partial)


def main(args) -> None:
    models = by_folder(args.models, "models")
    metrics = by_folder(args.metrics, "metrics")
    predictions = by_folder(args.validation_predictions, "validation_predictions")
    if not models.keys() == metrics.keys() == predictions.keys():
        raise ValueError(f"model folders differ: {list(models)}, {list(metrics)}, {list(predictions)}")
    scores = {name: json.loads(Path(metrics[name]).read_text()) for name in models}
    chosen = min(scores, key=lambda name: scores[name]["validation_rmse"])
    copy_file(models[chosen], args.best)
    copy_file(predictions[chosen], args.best_validation_predictions)
    choice = {
        "source": models[chosen],
        **scores[chosen],
        "compared": {m["model"]: m["validation_rmse"] for m in scores.values()},
    }
    write_json(choice, args.choice)
    logging.info(
        "published %s (validation RMSE %.4f) as %s", models[chosen], scores[chosen]["validation_rmse"], args.best
    )


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
