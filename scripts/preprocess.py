"""Decode, crop and resample every image of an ingested set into uint8 NPY shards plus a Parquet index.

    python scripts/preprocess.py --members results/data/train/members.parquet \
        --images data/sample/training_images.tar.gz --index results/data/train/index.parquet \
        --rejects results/data/train/rejects.csv --summary results/data/train/summary.json \
        --crop-px 212 --size 48 --shard-size 2048 --threads 2
"""

import argparse
from pathlib import Path

import pandas as pd

from gzmorph.cli import parse_args
from gzmorph.geometry import Geometry
from gzmorph.io import write_json, write_table
from gzmorph.preprocess import preprocess

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--members", required=True, help="ingest table (Parquet)")
parser.add_argument("--images", required=True, help="the archive or directory the members come from")
parser.add_argument("--index", required=True, help="output index Parquet; shards go to <its folder>/shards/")
parser.add_argument("--rejects", required=True, help="output CSV of images that failed to decode, with reasons")
parser.add_argument("--summary", required=True, help="output JSON: sizes, reduction factor, throughput")
parser.add_argument("--crop-px", type=int, default=212, help="side of the final view in original pixels")
parser.add_argument("--size", type=int, default=48, help="side of the final view in output pixels")
parser.add_argument("--shard-size", type=int, default=2048, help="images per shard")
parser.add_argument("--max-reject-fraction", type=float, default=0.01)
parser.add_argument("--threads", type=int, default=1, help="decoding processes")
parser.add_argument("--log", help="log file")
args = parse_args(parser, globals().get("snakemake"))

index, rejects, summary = preprocess(
    pd.read_parquet(args.members),
    args.images,
    str(Path(args.index).parent),
    Geometry(args.crop_px, args.size),
    args.shard_size,
    args.threads,
    args.max_reject_fraction,
)
write_table(rejects, args.rejects)
write_json(summary, args.summary)
write_table(index, args.index)
