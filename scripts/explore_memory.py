"""Table (JSON): bytes needed to hold the labelled set in memory at full size and after downsizing.

The full-size shape is read from the first image of the raw archive (424x424x3 for Galaxy Zoo)."""

import argparse
import io
import json
import logging
from pathlib import Path

from PIL import Image

from gzmorph.archives import iter_images
from gzmorph.cli import parse_args
from gzmorph.explore import memory_estimate
from gzmorph.io import write_json
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-images", required=True, help="raw labelled images (.tar.gz, .tar, .zip or directory)")
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--estimate", required=True, help="output JSON")
parser.add_argument("--size", type=int, required=True, help="side of the network view in pixels")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

shards = ShardSet(Path(args.train_index).parent)
images = iter_images(args.train_images)
_, member, data = next(images)
images.close()
with Image.open(io.BytesIO(data)) as first:
    original_shape = (first.height, first.width, len(first.getbands()))
field_shape = tuple(int(s) for s in shards.image_shape)
estimate = memory_estimate(len(shards), original_shape, field_shape, (args.size, args.size, field_shape[2]))
estimate["original_shape_from"] = f"{args.train_images}:{member}"
write_json(estimate, args.estimate)
logging.info("wrote %s: %s", args.estimate, json.dumps(estimate["gib"]))
