"""Decode, crop and resample every image of an ingested set into uint8 NPY shards plus a Parquet index, with the
images that failed to decode and a summary (geometry, sizes, throughput) beside them.

    python scripts/preprocess.py --imageset train --members results/data/train/members.parquet \
        --images data/sample/training_images.tar.gz --index results/data/train/index.parquet \
        --shards results/data/train/shards --rejects results/data/train/rejects.csv \
        --summary results/data/train/summary.json --threads 2

Geometry, shard size and the tolerated fraction of rejects come from the preprocess and ingest sections of
config.yaml (and any ``--configfile`` overlays).
"""

from pathlib import Path

import pandas as pd

from gzmorph import binding
from gzmorph.io import write_json, write_table
from gzmorph.preprocess import preprocess
from gzmorph.shards import SHARD_DIR

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("members", "ingest table (Parquet)"),
        binding.Files("images", "the archive or directory the members come from"),
    ),
    outputs=(
        binding.Files("index", "output index Parquet"),
        binding.Files("shards", f"output folder of NPY shards; must be {SHARD_DIR}/ beside the index"),
        binding.Files("rejects", "output CSV of images that failed to decode, with reasons"),
        binding.Files("summary", "output JSON: geometry, sizes, reduction factor, throughput"),
    ),
    settings=("preprocess", "ingest"),
    wildcards=("imageset",),
)


def main(args) -> None:
    set_dir = Path(args.index).parent
    if Path(args.shards) != set_dir / SHARD_DIR:
        raise ValueError(f"shards go to {set_dir / SHARD_DIR} (beside the index), not {args.shards}")
    index, rejects, summary = preprocess(
        pd.read_parquet(args.members),
        args.images,
        str(set_dir),
        args.preprocess.geometry,
        args.preprocess.shard_size,
        args.threads,
        args.ingest.max_reject_fraction,
    )
    write_table(rejects, args.rejects)
    write_json(summary, args.summary)
    write_table(index, args.index)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
