"""Predict the validation set with and without test-time augmentation; report how much TTA changes the RMSE."""

import logging

import pandas as pd

from gzmorph import cli
from gzmorph.catalogue import catalogue_frame, write_catalogue
from gzmorph.device import pick_device
from gzmorph.inference import check_shard_geometry, predict
from gzmorph.io import write_json
from gzmorph.metrics import rmse
from gzmorph.models import load_model
from gzmorph.shards import ShardSet
from gzmorph.split import VALIDATION, subset_ids

INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.MODEL, cli.TRAIN_INDEX, cli.SPLIT),
    outputs=(
        cli.Files("predictions", "Parquet: validation predictions with predict.tta transforms"),
        cli.Files("effect", "JSON: validation RMSE without and with TTA"),
    ),
    settings=("predict",),
)


def main(args) -> None:
    shard_set = ShardSet.of_index(args.train_index).subset(subset_ids(pd.read_parquet(args.split), VALIDATION))
    device = pick_device(args.threads)
    model, saved = load_model(args.model, device)
    check_shard_geometry(shard_set, saved.geometry)
    images, tta = shard_set.all_images(), args.predict.tta
    predicted = {t: predict(model, images, saved.geometry.size, device, t, args.predict.batch_size) for t in {1, tta}}
    rmses = {t: rmse(shard_set.labels, p) for t, p in predicted.items()}
    for t, value in sorted(rmses.items()):
        logging.info("validation RMSE with tta=%d: %.5f", t, value)
    write_catalogue([catalogue_frame(shard_set.ids, predicted[tta])], args.predictions)
    effect = {
        "n_galaxies": len(shard_set),
        "tta": tta,
        "rmse_without_tta": rmses[1],
        "rmse_with_tta": rmses[tta],
        "change": rmses[tta] - rmses[1],
        "relative_change": (rmses[tta] - rmses[1]) / rmses[1],
    }
    write_json(effect, args.effect)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
