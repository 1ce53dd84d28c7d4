"""Figure: a grid of random labelled galaxies as the network sees them (the central view of each stored field)."""

import argparse
import logging
from pathlib import Path

import numpy as np

from gzmorph.cli import parse_args
from gzmorph.geometry import center_crop
from gzmorph.plots import random_images_figure
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--n-images", type=int, required=True, help="number of galaxies (25 fills a 5x5 grid)")
parser.add_argument("--seed", type=int, required=True, help="seed of the random choice")
parser.add_argument("--size", type=int, required=True, help="side of the network view in pixels")
parser.add_argument("--crop-px", type=int, required=True, help="side of the network view in original pixels")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

shards = ShardSet(Path(args.train_index).parent)
rng = np.random.default_rng(args.seed)
positions = np.sort(rng.choice(len(shards), size=min(args.n_images, len(shards)), replace=False))
view = f"network view: central {args.size}x{args.size} px (= central {args.crop_px}x{args.crop_px} original px)"
figure = random_images_figure(center_crop(shards.images(positions), args.size), shards.ids[positions], view)
figure.savefig(args.figure, dpi=120)
logging.info("wrote %s (%d of %d galaxies, seed %d)", args.figure, len(positions), len(shards), args.seed)
