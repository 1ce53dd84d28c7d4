"""The labelled galaxies' roles: a held-out test subset (stratified on true mergers, its own seed), then the random
train/validation split of the rest (the split section of the config).

python scripts/split.py --train-index results/data/train/index.parquet --split-table results/data/split.parquet
"""

import logging

import pandas as pd

from gzmorph import cli
from gzmorph.io import write_table
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN
from gzmorph.split import TEST, labelled_split

# The output is not called "split": that name is the split settings' (args.split).
INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.TRAIN_INDEX,),
    outputs=(cli.Files("split_table", "output Parquet: GalaxyID, subset (train, validation or test)"),),
    settings=("split", "merger_definition"),
)


def main(args) -> None:
    table = pd.read_parquet(args.train_index, columns=[ID_COLUMN, MERGER_COLUMN])
    is_merger = table[MERGER_COLUMN].to_numpy() >= args.merger_definition.true_threshold
    s = args.split
    split = labelled_split(
        table[ID_COLUMN].to_numpy(), is_merger, s.test_fraction, s.test_seed, s.validation_fraction, s.seed
    )
    write_table(split, args.split_table)
    counts = split["subset"].value_counts()
    n_test_mergers = int(is_merger[split["subset"].to_numpy() == TEST].sum())
    logging.info("wrote %s: %s; %d true mergers in the test subset", args.split_table, counts.to_dict(), n_test_mergers)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
