"""Gather the prediction chunks into one catalogue: Parquet (with the per-galaxy spread of every prediction) and CSV
in the Kaggle submission format."""

import json
import logging

import numpy as np
import pandas as pd

from gzmorph import binding
from gzmorph.catalogue import write_catalogue
from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("chunks", "chunk Parquet files, in chunk order", many=True),
        binding.Files("plan", "the chunk plan"),
    ),
    outputs=(
        binding.Files("parquet", "catalogue, Parquet"),
        binding.Files("csv", "catalogue, CSV (Kaggle submission format)"),
    ),
)


def main(args) -> None:
    ids = np.concatenate([pd.read_parquet(p, columns=[ID_COLUMN])[ID_COLUMN].to_numpy() for p in args.chunks])
    expected = json.loads(open(args.plan).read())["n_images"]
    if len(ids) != expected:
        raise ValueError(f"{args.plan}: {expected} images planned, the chunks hold {len(ids)}")
    if len(np.unique(ids)) != len(ids):
        raise ValueError(f"chunks {args.chunks}: some GalaxyIDs appear in more than one row")
    write_catalogue(chunk_frames(args.chunks), args.parquet)
    write_catalogue(chunk_frames(args.chunks), args.csv)
    logging.info("gathered %d chunks, %d galaxies", len(args.chunks), len(ids))


def chunk_frames(paths: list[str]):
    for path in paths:
        frame = pd.read_parquet(path)
        if tuple(frame.columns[: len(KAGGLE_HEADER)]) != KAGGLE_HEADER:
            raise ValueError(f"{path}: columns do not start with GalaxyID,Class1.1,...,Class11.6")
        yield frame


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
