"""Train fold model {fold} of one candidate ({model}: a name of models.candidates; the cross-validated candidate
takes the cross-validation's best setting) on every fold but its own, with the recipe of the training section (the
same for every candidate); keep the last weights. A timm candidate with pretrained weights starts from them.

No choice uses a label of the held-out fold or of the test subset: the run's length is fixed in steps, the kept
weights are the last ones (the moving average if on), and the held-out RMSE in history.csv only draws the curves.
So the held-out fold and the test subset can calibrate this model. Afterwards it predicts both (roles out_of_fold
and test), with predict.tta views and with one view (for the TTA table). The last state goes to checkpoint.pt beside
the model after every epoch; a rerun with the same settings resumes from it.

    python scripts/train.py --model resnet18 --fold 0 --train-index results/data/train/index.parquet \
        --split results/data/split.parquet --model-pt results/models/resnet18/fold0/model.pt \
        --history results/models/resnet18/fold0/history.csv --metrics results/models/resnet18/fold0/metrics.json \
        --predictions results/models/resnet18/fold0/predictions.parquet
"""

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph import binding, checkpoint
from gzmorph.catalogue import catalogue_frame
from gzmorph.device import pick_device
from gzmorph.fold_predictions import OUT_OF_FOLD
from gzmorph.inference import predict
from gzmorph.io import write_json, write_table
from gzmorph.models import count_parameters, resolve_spec
from gzmorph.precision import PrecisionChoice, job_precision
from gzmorph.shards import ShardSet
from gzmorph.split import TEST, fold_ids, n_folds, subset_ids
from gzmorph.training import FitResult, TrainingData, batches_per_epoch, epochs_for, fit

log = logging.getLogger("train")

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.TRAIN_INDEX,
        binding.SPLIT,
        binding.Files("best_setting", "results/models/cv/best_setting.json (the cv.candidate only)", optional=True),
    ),
    outputs=(
        binding.Files("model_pt", "the kept model (last weights)"),
        binding.Files("history", "history CSV, one row per evaluation step (held-out RMSE as validation_rmse)"),
        binding.Files("metrics", "metrics JSON"),
        binding.Files("predictions", "Parquet: GalaxyID, role (out_of_fold, test), views, the 37 columns"),
    ),
    settings=("train", "views"),
    wildcards=("model", "fold"),
)


def main(args) -> None:
    shards = ShardSet.of_index(args.train_index)
    geometry = shards.geometry
    split = pd.read_parquet(args.split)
    fold = int(args.fold)
    if not 0 <= fold < n_folds(split):
        raise ValueError(f"{args.split}: fold {fold} does not exist (folds 0 to {n_folds(split) - 1})")
    train, held_out = (shards.subset(fold_ids(split, fold, held_out=h)) for h in (False, True))
    test = shards.subset(subset_ids(split, TEST))
    spec = resolve_spec(candidate(args), args.train.models.head, geometry.size)
    device = pick_device(args.threads)
    log.info("%s fold %d: %s on %s, %d training, %d held-out and %d test images", args.model, fold, spec, device,
             len(train), len(held_out), len(test))  # fmt: skip
    data = TrainingData.from_shards(train, held_out)
    settings = args.train.training
    precision = job_precision(spec, settings, geometry.size, device)
    checkpoint_path = Path(args.model_pt).parent / "checkpoint.pt"
    result = fit(spec, settings, data, geometry, device, checkpoint_path, cpu_bfloat16=precision.cpu_bfloat16)
    checkpoint.save(result.checkpoint, args.model_pt)
    write_table(result.history, args.history)
    subsets = {OUT_OF_FOLD: held_out, TEST: test}
    write_table(fold_predictions(result, subsets, args.views.tta, device, settings.eval_batch_size), args.predictions)
    write_json(metrics(args.model, fold, spec, result, settings, len(train), str(device), precision), args.metrics)
    log.info("%s fold %d: held-out RMSE %.4f after %.0f s", args.model, fold, result.validation_rmse,
             result.train_seconds)  # fmt: skip


def fold_predictions(result: FitResult, subsets: dict[str, ShardSet], tta: int, device, batch_size: int):
    """GalaxyID, role, views and the 37 columns: every subset predicted with ``tta`` views and with one."""
    frames = []
    for role, shard_set in subsets.items():
        images = shard_set.all_images()
        for views in sorted({tta, 1}, reverse=True):
            predicted = predict(result.model, images, shard_set.geometry.size, device, views, batch_size)
            frame = catalogue_frame(shard_set.ids, predicted)
            frame.insert(1, "role", role)
            frame.insert(2, "views", np.int64(views))
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def candidate(args) -> dict:
    """The candidate to train, with the cross-validation's best setting if ``--best-setting`` is given."""
    models = args.train.models
    if args.model not in models.candidates:
        raise ValueError(f"unknown model {args.model!r}; the config's candidates are {list(models.candidates)}")
    overrides = json.loads(Path(args.best_setting).read_text())["overrides"] if args.best_setting else {}
    return {**models.candidates[args.model].model_dump(), **overrides}


def metrics(
    model: str,
    fold: int,
    spec: dict,
    result: FitResult,
    settings,
    n_train: int,
    device: str,
    precision: PrecisionChoice,
) -> dict:
    images_seen = int(result.history["images_seen"].iloc[-1])
    epochs = epochs_for(settings.steps, n_train, settings.batch_size)
    return {
        "model": model,
        "fold": fold,
        "architecture": spec["architecture"],
        "head": spec.get("head", "sigmoid"),
        "model_spec": spec,
        "held_out_rmse": result.validation_rmse,
        "steps": epochs * batches_per_epoch(n_train, settings.batch_size),  # run: whole epochs
        "steps_configured": settings.steps,
        "epochs": epochs,
        "n_train": n_train,
        "images_seen": images_seen,
        "train_seconds": result.train_seconds,
        "images_per_second": images_seen / result.train_seconds if result.train_seconds else None,
        "n_parameters": count_parameters(result.model),
        "device": device,
        "scheduler": settings.scheduler,
        "rotate": settings.rotate,
        "augment": settings.augment.model_dump(),
        "ema_decay": settings.ema_decay,
        "precision": precision.precision,
        "precision_reason": precision.reason,
        "precision_probe": precision.rates,  # training images/s per precision, where auto probed
        "pretrained": spec.get("pretrained"),  # the weights file and its SHA-256, or None
    }


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
