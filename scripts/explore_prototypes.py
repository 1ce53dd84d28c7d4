"""Figure: the prototype of each label, i.e. the labelled galaxy with the highest value of that label."""

import argparse
import logging
from pathlib import Path

import numpy as np
from gzmorph.plots import prototypes_figure

from gzmorph.cli import parse_args
from gzmorph.explore import prototypes
from gzmorph.geometry import center_crop
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--size", type=int, required=True, help="side of the network view in pixels")
parser.add_argument("--crop-px", type=int, required=True, help="side of the network view in original pixels")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

shards = ShardSet(Path(args.train_index).parent)
positions = prototypes(shards.labels)
values = shards.labels[positions, np.arange(len(positions))]
view = f"network view: central {args.size}x{args.size} px (= central {args.crop_px}x{args.crop_px} original px)"
figure = prototypes_figure(center_crop(shards.images(positions), args.size), shards.ids[positions], values, view)
figure.savefig(args.figure, dpi=120)
logging.info("wrote %s (%d galaxies searched)", args.figure, len(shards))
