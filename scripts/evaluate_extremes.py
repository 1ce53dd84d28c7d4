"""Figure: for chosen labels (the evaluate section of the config), the galaxies outside the test subset with the
highest true and the highest out-of-fold predicted values, shown as the network sees them (the geometry of the
labelled shard set).

    python scripts/evaluate_extremes.py --predictions results/models/best/oof_predictions.parquet \
        --choice results/models/best/metrics.json --train-index results/data/train/index.parquet \
        --split results/data/split.parquet --figure results/figures/evaluate/extremes.png
"""

import logging

import numpy as np
import pandas as pd

from gzmorph import binding
from gzmorph.evaluate import chosen_model_name, predictions_for, top_positions
from gzmorph.figures import save_figure
from gzmorph.figures.evaluate import extremes_figure
from gzmorph.geometry import center_crop
from gzmorph.labels import COLUMN_INDEX
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, subset_ids

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.OOF_PREDICTIONS,
        binding.CHOICE,
        binding.TRAIN_INDEX,
        binding.SPLIT,
    ),
    outputs=(binding.FIGURE,),
    settings=("evaluate",),
)


def ranked(held_out: ShardSet, predicted: np.ndarray, values: np.ndarray, j: int, n: int, size: int) -> dict:
    """The ``n`` galaxies with the highest ``values[:, j]``: their network views, ids, true and predicted values."""
    positions = top_positions(values[:, j], n)
    return {
        "images": center_crop(held_out.images(positions), size),
        "ids": held_out.ids[positions],
        "true": held_out.labels[positions, j],
        "predicted": predicted[positions, j],
    }


def main(args) -> None:
    names = list(args.evaluate.extreme_columns)
    unknown = [c for c in names if c not in COLUMN_INDEX]
    if unknown:
        raise ValueError(f"unknown label columns {unknown}")
    labelled = ShardSet.of_index(args.train_index)
    held_out = labelled.subset(subset_ids(pd.read_parquet(args.split), TRAIN))
    predicted = predictions_for(held_out.ids, pd.read_parquet(args.predictions), args.predictions)
    n, size = args.evaluate.n_extremes, labelled.geometry.size
    columns = [COLUMN_INDEX[c] for c in names]
    figure = extremes_figure(
        names,
        [ranked(held_out, predicted, held_out.labels, j, n, size) for j in columns],
        [ranked(held_out, predicted, predicted, j, n, size) for j in columns],
        chosen_model_name(args.choice),
    )
    save_figure(figure, args.figure)
    logging.info("wrote %s (%d out-of-fold galaxies, labels %s)", args.figure, len(held_out), names)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
