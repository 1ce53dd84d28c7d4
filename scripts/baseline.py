"""Mean-label baseline: predict the mean of every label over fold model 0's training galaxies (the folds other than
0) for every galaxy; RMSE on those (train), on the held-out fold 0 (validation: the line the held-out curves are
drawn against) and on the test subset.

    python scripts/baseline.py --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --baseline results/baseline/mean.json
"""

import logging

import pandas as pd

from gzmorph import binding
from gzmorph.baseline import mean_baseline
from gzmorph.io import write_json
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS
from gzmorph.split import TEST, fold_ids, subset_ids

INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.TRAIN_INDEX, binding.SPLIT),
    outputs=(binding.Files("baseline", "output JSON: RMSE on each subset and the mean labels"),),
)


def main(args) -> None:
    table = pd.read_parquet(args.train_index, columns=[ID_COLUMN, *LABEL_COLUMNS]).set_index(ID_COLUMN)
    split = pd.read_parquet(args.split)
    chosen = (fold_ids(split, 0, held_out=False), fold_ids(split, 0, held_out=True), subset_ids(split, TEST))
    result = mean_baseline(*(table.loc[ids, list(LABEL_COLUMNS)].to_numpy() for ids in chosen))
    logging.info("mean baseline RMSE: train %.5f, validation %.5f, test %.5f", result["train_rmse"],
                 result["validation_rmse"], result["test_rmse"])  # fmt: skip
    write_json(result, args.baseline)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
