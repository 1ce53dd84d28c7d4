"""Table: trainable parameters of each trained model next to the number of pixel values it learned from.

Each architecture is named by its folder (results/models/<architecture>/fold0/model.pt: every fold model of an
architecture has the same network); the pixel values are those one fold model trains on; the network view size
comes from the labelled shard set's summary.json.

    python scripts/count_parameters.py --models results/models/{resnet18,cnn}/fold0/model.pt \
        --train-summary results/data/train/summary.json --split results/data/split.parquet \
        --table results/tables/parameters.csv
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import binding, checkpoint
from gzmorph.fold_predictions import fold_of
from gzmorph.io import write_table
from gzmorph.models import build_model, count_parameters
from gzmorph.split import fold_ids

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("models", "results/models/<architecture>/fold0/model.pt of each architecture", many=True),
        binding.Files("train_summary", "summary.json of the labelled shard set (network view size)"),
        binding.SPLIT,
    ),
    outputs=(binding.Files("table", "output CSV"),),
)


def parameter_row(path: str, pixel_values: int) -> dict:
    """One table row: the model named by its folder, its architecture and trainable parameters."""
    spec = checkpoint.load(path).model_spec
    n = count_parameters(build_model(spec))
    return {
        "model": fold_of(path)[0],
        "architecture": spec["architecture"],
        "trainable_parameters": n,
        "training_pixel_values": pixel_values,
        "parameters_per_pixel_value": round(n / pixel_values, 4),
    }


def main(args) -> None:
    size = int(json.loads(Path(args.train_summary).read_text())["size"])
    n_train = len(fold_ids(pd.read_parquet(args.split), 0, held_out=False))
    pixel_values = n_train * size * size * 3
    table = pd.DataFrame([parameter_row(path, pixel_values) for path in args.models])
    write_table(table, args.table)
    logging.info("%d training images of %dx%dx3 values\n%s", n_train, size, size, table.to_string(index=False))


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
