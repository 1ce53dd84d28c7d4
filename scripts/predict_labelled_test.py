"""Predict the held-out labelled test subset with one model ({model}), with and without test-time augmentation.

The test subset is carved before training and seen by nothing that trains or selects a model, so these
predictions give the final RMSE table and calibrate the merger fraction.
"""

import pandas as pd

from gzmorph import cli
from gzmorph.catalogue import catalogue_frame, write_catalogue
from gzmorph.device import pick_device
from gzmorph.inference import check_shard_geometry, predict_with_spread
from gzmorph.models import load_model
from gzmorph.shards import ShardSet
from gzmorph.split import TEST, subset_ids

INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.Files("model_pt", "the model's checkpoint"), cli.TRAIN_INDEX, cli.SPLIT),
    outputs=(
        cli.Files("predictions", "Parquet: predictions averaged over predict.tta views, with their spread"),
        cli.Files("single_view", "Parquet: predictions of the plain view alone"),
    ),
    settings=("predict",),
    wildcards=("model",),
)


def main(args) -> None:
    shard_set = ShardSet.of_index(args.train_index).subset(subset_ids(pd.read_parquet(args.split), TEST))
    device = pick_device(args.threads)
    model, saved = load_model(args.model_pt, device)
    check_shard_geometry(shard_set, saved.geometry)
    images, size, batch_size = shard_set.all_images(), saved.geometry.size, args.predict.batch_size
    for tta, path in ((args.predict.tta, args.predictions), (1, args.single_view)):
        mean, spread = predict_with_spread(model, images, size, device, tta, batch_size)
        write_catalogue([catalogue_frame(shard_set.ids, mean, spread)], path)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
