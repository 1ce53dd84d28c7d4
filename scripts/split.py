"""The labelled galaxies' roles: a held-out test subset (stratified on true mergers, its own seed), then the rest dealt
into models.folds cross-fitting folds (stratified on true mergers too; the split section of the config).

python scripts/split.py --train-index results/data/train/index.parquet --split-table results/data/split.parquet
"""

import logging

import pandas as pd

from gzmorph import binding
from gzmorph.io import write_table
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.split import labelled_split

# The output is not called "split": that name is the split settings' (args.split).
INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.TRAIN_INDEX,),
    outputs=(binding.Files("split_table", "output Parquet: GalaxyID, subset (train or test), fold (-1 for test)"),),
    settings=("split", "merger_definition"),
)


def main(args) -> None:
    table = pd.read_parquet(args.train_index, columns=[ID_COLUMN, MERGER_COLUMN])
    is_merger = table[MERGER_COLUMN].to_numpy() >= args.merger_definition.true_threshold
    s, folds = args.split.split, args.split.folds
    split = labelled_split(table[ID_COLUMN].to_numpy(), is_merger, s.test_fraction, s.test_seed, folds, s.seed)
    write_table(split, args.split_table)
    counts = split["fold"].value_counts().sort_index()
    mergers = pd.Series(is_merger).groupby(split["fold"].to_numpy()).sum()
    logging.info("wrote %s: galaxies per fold (-1: test) %s, true mergers %s", args.split_table, counts.to_dict(),
                 mergers.to_dict())  # fmt: skip


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
