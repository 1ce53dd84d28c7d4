"""Train one architecture ({model}: resnet18 or the cross-validated cnn) on the training subset with the recipe of
the training section (the same for both); keep the weights with the lowest validation RMSE.

Writes the kept model, the evaluation history, the kept model's validation predictions and its metrics. The last
state goes to checkpoint.pt beside the model after every epoch; a rerun with the same settings resumes from it.
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import checkpoint, cli
from gzmorph.catalogue import catalogue_frame
from gzmorph.device import pick_device
from gzmorph.inference import predict
from gzmorph.io import write_json, write_table
from gzmorph.models import count_parameters
from gzmorph.settings import ARCHITECTURES
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, VALIDATION, subset_ids
from gzmorph.training import FitResult, TrainingData, fit

log = logging.getLogger("train")

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.TRAIN_INDEX,
        cli.SPLIT,
        cli.Files("best_setting", "results/models/cv/best_setting.json (the cnn model only)", optional=True),
    ),
    outputs=(
        cli.Files("model_pt", "the kept model (lowest validation RMSE)"),
        cli.Files("history", "history CSV, one row per evaluation step"),
        cli.Files("validation_predictions", "validation predictions of the kept model (Parquet)"),
        cli.Files("metrics", "metrics JSON"),
    ),
    settings=("train",),
    wildcards=("model",),
)


def main(args) -> None:
    if args.model not in ARCHITECTURES:
        raise ValueError(f"unknown model {args.model!r}; choose one of {ARCHITECTURES}")
    shards = ShardSet.of_index(args.train_index)
    geometry = shards.geometry
    split = pd.read_parquet(args.split)
    train, valid = shards.subset(subset_ids(split, TRAIN)), shards.subset(subset_ids(split, VALIDATION))
    spec = model_spec(args, geometry.size)
    device = pick_device(args.threads)
    log.info("%s: %s on %s, %d training and %d validation images", args.model, spec, device, len(train), len(valid))
    data = TrainingData.from_shards(train, valid)
    result = fit(spec, args.train.training, data, geometry, device, Path(args.model_pt).parent / "checkpoint.pt")
    checkpoint.save(result.checkpoint, args.model_pt)
    write_table(result.history, args.history)
    predicted = predict(result.model, data.valid_images, geometry.size, device, 1, args.train.training.eval_batch_size)
    write_table(catalogue_frame(valid.ids, predicted), args.validation_predictions)
    write_json(metrics(args.model, spec, result, args.train.training, str(device)), args.metrics)
    log.info("%s: kept validation RMSE %.4f after %.0f s", args.model, result.validation_rmse, result.train_seconds)


def model_spec(args, size: int) -> dict:
    """The network to train: resnet18, or the cnn with the cross-validation's best setting."""
    models = args.train.models
    if args.model == "resnet18":
        return {"architecture": "resnet18", "head": models.head, **models.resnet18}
    if args.best_setting is None:
        raise ValueError("the cnn model needs --best-setting (results/models/cv/best_setting.json)")
    overrides = json.loads(Path(args.best_setting).read_text())["overrides"]
    return {"architecture": "cnn", "head": models.head, "size": size, **models.cnn, **overrides}


def metrics(model: str, spec: dict, result: FitResult, settings, device: str) -> dict:
    images_seen = int(result.history["images_seen"].iloc[-1])
    return {
        "model": model,
        "architecture": spec["architecture"],
        "head": spec.get("head", "sigmoid"),
        "model_spec": spec,
        "validation_rmse": result.validation_rmse,
        "best_epoch": int(result.checkpoint.epoch),
        "epochs": settings.epochs,
        "images_seen": images_seen,
        "train_seconds": result.train_seconds,
        "images_per_second": images_seen / result.train_seconds if result.train_seconds else None,
        "n_parameters": count_parameters(result.model),
        "device": device,
        "scheduler": settings.scheduler,
        "rotate": settings.rotate,
        "ema_decay": settings.ema_decay,
    }


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
