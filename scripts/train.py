"""Train one model (resnet18, cnn or best) on the training subset; keep the weights with the lowest validation RMSE.

Writes the kept checkpoint, the evaluation history, the kept model's validation predictions and its metrics. The
last state goes to --checkpoint after every epoch; a rerun with the same settings resumes from it.
"""

import argparse
import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.device import pick_device
from gzmorph.io import write_json
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS
from gzmorph.models import count_parameters
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, VALIDATION, subset_ids
from gzmorph.training import (
    data_fingerprint,
    fit,
    load_all_images,
    predict,
    save_atomic,
    settings_from_config,
)

log = logging.getLogger("train")
MODELS = ("resnet18", "cnn", "best")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--train-index", required=True, help="results/data/train/index.parquet (shards beside it)")
    p.add_argument("--train-summary", required=True, help="results/data/train/summary.json (geometry)")
    p.add_argument("--split", required=True, help="results/data/split.parquet")
    p.add_argument("--best-setting", help="results/models/cv/best_setting.json (for cnn)")
    p.add_argument("--candidates", nargs="*", default=[], help="metrics.json of resnet18 and cnn (for best)")
    p.add_argument("--model", required=True, choices=MODELS)
    p.add_argument("--checkpoint", required=True, help="last-state checkpoint, for resuming")
    p.add_argument("--models", required=True, help="config 'models' section as JSON")
    p.add_argument("--training", required=True, help="config 'training' section as JSON")
    p.add_argument("--model-pt", required=True, help="output: kept checkpoint (lowest validation RMSE)")
    p.add_argument("--history", required=True, help="output: history CSV")
    p.add_argument("--valid-predictions", required=True, help="output: validation predictions Parquet")
    p.add_argument("--metrics", required=True, help="output: metrics JSON")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--log")
    return p


def cnn_spec(models: dict, best_setting: str | None, size: int) -> dict:
    if best_setting is None:
        raise SystemExit("the cnn model needs --best-setting (results/models/cv/best_setting.json)")
    overrides = json.loads(Path(best_setting).read_text())["overrides"]
    return {"architecture": "cnn", "head": models["head"], "size": size, **models["cnn"], **overrides}


def model_spec(args: argparse.Namespace, models: dict, size: int) -> dict:
    """The network to train: resnet18, the cross-validated cnn, or for best the better of the two."""
    if args.model == "resnet18":
        return {"architecture": "resnet18", "head": models["head"], **models["resnet18"]}
    if args.model == "cnn":
        return cnn_spec(models, args.best_setting, size)
    if len(args.candidates) < 2:
        raise SystemExit("the best model needs --candidates: the metrics.json of resnet18 and cnn")
    scores = [json.loads(Path(path).read_text()) for path in args.candidates]
    winner = min(scores, key=lambda m: m["validation_rmse"])
    log.info(
        "best model: %s (validation RMSE %s)",
        winner["model"],
        ", ".join(f"{m['model']} {m['validation_rmse']:.4f}" for m in scores),
    )
    return winner["model_spec"]


def main() -> None:
    args = parse_args(build_parser(), globals().get("snakemake"))
    models, training = json.loads(args.models), json.loads(args.training)
    set_dir = Path(args.train_index).parent
    summary = json.loads(Path(args.train_summary).read_text())
    geometry = {"crop_px": int(summary["crop_px"]), "size": int(summary["size"]), "field": int(summary["field"])}
    spec = model_spec(args, models, geometry["size"])
    settings = settings_from_config(training, training[args.model], spec["architecture"])

    shards = ShardSet(set_dir)
    split = pd.read_parquet(args.split)
    train = shards.subset(subset_ids(split, TRAIN))
    valid = shards.subset(subset_ids(split, VALIDATION))
    if train.labels is None:
        raise SystemExit(f"{args.train_index}: no label columns; train needs a labelled set")
    device = pick_device(args.threads)
    log.info("%s: %s on %s, %d training and %d validation images", args.model, spec, device, len(train), len(valid))
    valid_images = load_all_images(valid)
    result = fit(
        spec,
        settings,
        load_all_images(train),
        train.labels,
        valid_images,
        valid.labels,
        geometry,
        device,
        checkpoint_path=args.checkpoint,
        data=data_fingerprint(train.ids, valid.ids),
    )

    save_atomic(result.checkpoint, args.model_pt)
    result.history.to_csv(args.history, index=False)
    predicted = predict(result.model, valid_images, geometry["size"], device, settings.eval_batch_size)
    table = pd.DataFrame(predicted, columns=list(LABEL_COLUMNS))
    table.insert(0, ID_COLUMN, valid.ids)
    table.to_parquet(args.valid_predictions, index=False)
    images_seen = int(result.history["images_seen"].iloc[-1])
    metrics = {
        "model": args.model,
        "architecture": spec["architecture"],
        "head": spec.get("head", "sigmoid"),
        "model_spec": spec,
        "validation_rmse": result.validation_rmse,
        "best_epoch": int(result.checkpoint["epoch"]),
        "epochs": settings.epochs,
        "images_seen": images_seen,
        "train_seconds": result.train_seconds,
        "images_per_second": images_seen / result.train_seconds if result.train_seconds else None,
        "n_parameters": count_parameters(result.model),
        "device": str(device),
        "scheduler": settings.scheduler,
        "rotate": settings.rotate,
    }
    write_json(metrics, args.metrics)
    log.info("%s: kept validation RMSE %.4f after %.0f s", args.model, result.validation_rmse, result.train_seconds)


if __name__ == "__main__":
    main()
