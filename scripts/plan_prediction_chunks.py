"""Plan the scatter step: how many prediction chunks of ``predict.chunk_size`` images cover the preprocessed set."""

import logging
import math

import pandas as pd

from gzmorph import binding
from gzmorph.io import write_json
from gzmorph.labels import ID_COLUMN

INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.TARGET_INDEX,),
    outputs=(binding.Files("plan", "JSON: n_images, chunk_size, n_chunks"),),
    settings=("predict",),
)


def main(args) -> None:
    n_images = len(pd.read_parquet(args.target_index, columns=[ID_COLUMN]))
    chunk_size = args.predict.chunk_size
    plan = {"n_images": n_images, "chunk_size": chunk_size, "n_chunks": math.ceil(n_images / chunk_size)}
    write_json(plan, args.plan)
    logging.info("%d images -> %d chunks of up to %d", n_images, plan["n_chunks"], chunk_size)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
