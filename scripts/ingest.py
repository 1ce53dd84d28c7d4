"""Check an image archive (and its classifications CSV) and write the table of images to preprocess.

    python scripts/ingest.py --images data/sample/training_images.tar.gz \
        --labels data/sample/training_classifications.csv --members results/data/train/members.parquet
"""

import argparse

from gzmorph.cli import parse_args
from gzmorph.ingest import ingest
from gzmorph.io import write_table

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--images", required=True, help=".tar.gz, .tar, .zip or directory of <GalaxyID>.jpg")
parser.add_argument("--labels", help="Kaggle classifications CSV; omit for an unlabelled set")
parser.add_argument("--members", required=True, help="output Parquet: GalaxyID, member [, 37 labels]")
parser.add_argument("--log", help="log file")
args = parse_args(parser, globals().get("snakemake"))

write_table(ingest(args.images, args.labels), args.members)
