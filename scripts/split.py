"""Random train/validation split of the labelled set, with a fixed seed.

    python scripts/split.py --index results/data/train/index.parquet --split results/data/split.parquet \
        --validation-fraction 0.2 --seed 42
"""

import argparse

import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.io import write_table
from gzmorph.labels import ID_COLUMN
from gzmorph.split import random_split

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--index", required=True, help="index Parquet of the labelled set")
parser.add_argument("--split", required=True, help="output Parquet: GalaxyID, subset")
parser.add_argument("--validation-fraction", type=float, default=0.2)
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--log", help="log file")
args = parse_args(parser, globals().get("snakemake"))

ids = pd.read_parquet(args.index, columns=[ID_COLUMN])[ID_COLUMN].to_numpy()
write_table(random_split(ids, args.validation_fraction, args.seed), args.split)
