"""Figure: a few galaxies before downsizing (the original JPEG) and after (the stored field and the network view).

The originals are the first galaxies of the raw archive that are in the labelled set; reading stops there."""

import argparse
import io
import logging
from itertools import islice
from pathlib import Path

import numpy as np
from gzmorph.plots import downsizing_figure
from PIL import Image

from gzmorph.archives import iter_images
from gzmorph.cli import parse_args
from gzmorph.geometry import Geometry, center_crop
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--train-images", required=True, help="raw labelled images (.tar.gz, .tar, .zip or directory)")
parser.add_argument("--train-index", required=True, help="index.parquet of the labelled shard set")
parser.add_argument("--figure", required=True, help="output PNG")
parser.add_argument("--n-examples", type=int, required=True, help="number of galaxies shown")
parser.add_argument("--size", type=int, required=True, help="side of the network view in pixels")
parser.add_argument("--crop-px", type=int, required=True, help="side of the network view in original pixels")
parser.add_argument("--log")
args = parse_args(parser, globals().get("snakemake"))

shards = ShardSet(Path(args.train_index).parent)
images = iter_images(args.train_images, wanted=set(shards.ids.tolist()))
found = list(islice(images, args.n_examples))
images.close()  # stop reading the archive
if not found:
    raise SystemExit(f"{args.train_images}: none of its images is in {args.train_index}")
ids = np.array([gid for gid, _, _ in found], dtype=np.uint64)
originals = [np.asarray(Image.open(io.BytesIO(data)).convert("RGB")) for _, _, data in found]
fields = shards.subset(ids).images(np.arange(len(ids)))
geometry = Geometry(args.crop_px, args.size)
figure = downsizing_figure(
    originals, fields, center_crop(fields, args.size), ids.tolist(), geometry.field_px, args.crop_px
)
figure.savefig(args.figure, dpi=120)
logging.info("wrote %s (GalaxyIDs %s)", args.figure, ids.tolist())
