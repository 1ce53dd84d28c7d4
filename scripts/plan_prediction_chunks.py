"""Plan the scatter step: how many prediction chunks of ``chunk_size`` images cover the preprocessed set."""

import argparse
import logging
import math

import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.io import write_json
from gzmorph.labels import ID_COLUMN

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--test-index", required=True, help="index.parquet of the shard set to predict")
parser.add_argument("--plan", required=True, help="output JSON: n_images, chunk_size, n_chunks")
parser.add_argument("--chunk-size", type=int, required=True, help="images per chunk")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

n_images = len(pd.read_parquet(args.test_index, columns=[ID_COLUMN]))
plan = {"n_images": n_images, "chunk_size": args.chunk_size, "n_chunks": math.ceil(n_images / args.chunk_size)}
write_json(plan, args.plan)
logging.info("%d images -> %d chunks of up to %d", n_images, plan["n_chunks"], args.chunk_size)
