"""Predict the 37 Galaxy Zoo vote fractions for every <GalaxyID>.jpg in a folder or archive; no labels needed.

    python scripts/predict.py --model results/models/best.pt --images PATH --out catalogue.csv

PATH is a directory, .zip, .tar or .tar.gz of <GalaxyID>.jpg. The output suffix picks the format: .csv is the
Kaggle submission format (GalaxyID,Class1.1,...,Class11.6), .parquet a Parquet table with the same columns.
"""

import argparse

from gzmorph.cli import parse_args
from gzmorph.device import pick_device
from gzmorph.inference import checkpoint_geometry, output_format, predict_images, write_catalogue
from gzmorph.models import load_model

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--model", required=True, help="checkpoint, e.g. results/models/best.pt")
parser.add_argument("--images", required=True, help="directory, .zip, .tar or .tar.gz of <GalaxyID>.jpg")
parser.add_argument("--out", required=True, help="catalogue to write: .csv (Kaggle format) or .parquet")
parser.add_argument("--tta", type=int, default=1, help="average over the first N of 8 rotations/flips (1 = none)")
parser.add_argument("--batch-size", type=int, default=256, help="images per forward pass")
parser.add_argument("--threads", type=int, default=4, help="JPEG decoding processes, and CPU threads without a GPU")
parser.add_argument("--log", help="also log to this file")
args = parse_args(parser, globals().get("snakemake"))

output_format(args.out)  # fail before loading anything
device = pick_device(args.threads)
model, checkpoint = load_model(args.model, device)
geometry = checkpoint_geometry(checkpoint, args.model)
catalogue = predict_images(model, args.images, geometry, device, args.tta, args.batch_size, args.threads)
write_catalogue(catalogue, args.out)
