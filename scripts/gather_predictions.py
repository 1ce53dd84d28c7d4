"""Gather the prediction chunks into one catalogue: Parquet and CSV in the Kaggle submission format."""

import argparse
import json
import logging

import numpy as np
import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.inference import write_catalogue
from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--chunks", nargs="*", default=[], help="chunk Parquet files, in chunk order")
parser.add_argument("--plan", required=True, help="the chunk plan JSON (n_images)")
parser.add_argument("--parquet", required=True, help="output catalogue, Parquet")
parser.add_argument("--csv", required=True, help="output catalogue, CSV (Kaggle submission format)")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))


def chunk_frames():
    for path in args.chunks:
        frame = pd.read_parquet(path)
        if tuple(frame.columns) != KAGGLE_HEADER:
            raise SystemExit(f"{path}: columns are not GalaxyID,Class1.1,...,Class11.6")
        yield frame


ids = np.concatenate([pd.read_parquet(p, columns=[ID_COLUMN])[ID_COLUMN].to_numpy() for p in args.chunks] or [[]])
expected = json.loads(open(args.plan).read())["n_images"]
if len(ids) != expected:
    raise SystemExit(f"{args.plan}: {expected} images planned, the chunks hold {len(ids)}")
if len(np.unique(ids)) != len(ids):
    raise SystemExit(f"chunks {args.chunks}: some GalaxyIDs appear in more than one row")
write_catalogue(chunk_frames(), args.parquet)
write_catalogue(chunk_frames(), args.csv)
logging.info("gathered %d chunks, %d galaxies", len(args.chunks), len(ids))
