"""Train one model ({model}: resnet18, cnn or best) on the training subset; keep the weights with the lowest
validation RMSE.

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
from gzmorph.evaluate import predictions_for
from gzmorph.inference import predict
from gzmorph.io import write_json, write_table
from gzmorph.model_choice import choose, paired_difference
from gzmorph.models import count_parameters
from gzmorph.settings import MODEL_NAMES
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
        cli.Files("candidates", "metrics.json of resnet18 and cnn (the best model only)", many=True, optional=True),
        cli.Files(
            "candidate_predictions", "their validation_predictions.parquet, same order", many=True, optional=True
        ),
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
    if args.model not in MODEL_NAMES:
        raise ValueError(f"unknown model {args.model!r}; choose one of {MODEL_NAMES}")
    shards = ShardSet.of_index(args.train_index)
    geometry = shards.geometry
    split = pd.read_parquet(args.split)
    train, valid = shards.subset(subset_ids(split, TRAIN)), shards.subset(subset_ids(split, VALIDATION))
    spec, choice = model_spec(args, geometry.size, valid)
    device = pick_device(args.threads)
    log.info("%s: %s on %s, %d training and %d validation images", args.model, spec, device, len(train), len(valid))
    data = TrainingData.from_shards(train, valid)
    result = fit(spec, args.train.training, data, geometry, device, Path(args.model_pt).parent / "checkpoint.pt")
    checkpoint.save(result.checkpoint, args.model_pt)
    write_table(result.history, args.history)
    predicted = predict(result.model, data.valid_images, geometry.size, device, 1, args.train.training.eval_batch_size)
    write_table(catalogue_frame(valid.ids, predicted), args.validation_predictions)
    scores = metrics(args.model, spec, result, args.train.training, str(device))
    write_json({**scores, "architecture_choice": choice} if choice else scores, args.metrics)
    log.info("%s: kept validation RMSE %.4f after %.0f s", args.model, result.validation_rmse, result.train_seconds)


def model_spec(args, size: int, valid: ShardSet) -> tuple[dict, dict | None]:
    """The network to train: resnet18, the cross-validated cnn, or for best the architecture chosen by
    gzmorph.model_choice from the other two (with the comparison behind the choice)."""
    models = args.train.models
    if args.model == "resnet18":
        return {"architecture": "resnet18", "head": models.head, **models.resnet18}, None
    if args.model == "cnn":
        if args.best_setting is None:
            raise ValueError("the cnn model needs --best-setting (results/models/cv/best_setting.json)")
        overrides = json.loads(Path(args.best_setting).read_text())["overrides"]
        return {"architecture": "cnn", "head": models.head, "size": size, **models.cnn, **overrides}, None
    if not args.candidates or len(args.candidates) != 2 or len(args.candidate_predictions or []) != 2:
        raise ValueError("the best model needs --candidates and --candidate-predictions of resnet18 and cnn")
    scores = [json.loads(Path(path).read_text()) for path in args.candidates]
    predicted = [predictions_for(valid.ids, pd.read_parquet(p), p) for p in args.candidate_predictions]
    names = tuple(m["model"] for m in scores)
    choice = choose(names, paired_difference(valid.labels, *predicted), models.prefer_on_tie)
    log.info("best model: %s (%s)", choice["chosen"], choice["reason"])
    return next(m["model_spec"] for m in scores if m["model"] == choice["chosen"]), choice


def metrics(model: str, spec: dict, result: FitResult, settings, device: str) -> dict:
    images_seen = int(result.history["images_seen"].iloc[-1])
    return {
        "model": model,
        "architecture": spec["architecture"],
        "head": spec.get("head", "sigmoid"),
        "model_spec": spec,
        "validation_rmse": result.validation_rmse,
        "best_epoch": int(result.checkpoint.epoch),
        "epochs": settings.epochs_for(spec["architecture"]),
        "images_seen": images_seen,
        "train_seconds": result.train_seconds,
        "images_per_second": images_seen / result.train_seconds if result.train_seconds else None,
        "n_parameters": count_parameters(result.model),
        "device": device,
        "scheduler": settings.scheduler,
        "rotate": settings.rotate,
    }


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
