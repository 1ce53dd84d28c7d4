"""Random train/validation split of the labelled set, with a fixed seed (the split section of the config).

python scripts/split.py --train-index results/data/train/index.parquet --split-table results/data/split.parquet
"""

import logging

import pandas as pd

from gzmorph import cli
from gzmorph.io import write_table
from gzmorph.labels import ID_COLUMN
from gzmorph.split import VALIDATION, random_split

# The output is not called "split": that name is the split settings' (args.split).
INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.TRAIN_INDEX,),
    outputs=(cli.Files("split_table", "output Parquet: GalaxyID, subset (train or validation)"),),
    settings=("split",),
)


def main(args) -> None:
    ids = pd.read_parquet(args.train_index, columns=[ID_COLUMN])[ID_COLUMN].to_numpy()
    split = random_split(ids, args.split.validation_fraction, args.split.seed)
    write_table(split, args.split_table)
    n_validation = int((split["subset"] == VALIDATION).sum())
    logging.info("wrote %s: %d of %d galaxies for validation", args.split_table, n_validation, len(ids))


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
