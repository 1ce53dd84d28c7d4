"""Table (JSON): bytes needed to hold the labelled set in memory at full size and after downsizing.

The full-size shape is read from the first image of the raw archive (424x424x3 for Galaxy Zoo); the stored and
network-view shapes from the shard set (its shards and summary.json).

    python scripts/explore_memory.py --train-images data/sample/training_images.tar.gz \
        --train-index results/data/train/index.parquet --estimate results/tables/memory_estimate.json
"""

import io
import json
import logging

from PIL import Image

from gzmorph import binding
from gzmorph.archives import iter_images
from gzmorph.explore import memory_estimate
from gzmorph.io import write_json
from gzmorph.shards import ShardSet

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("train_images", "raw labelled images (.tar.gz, .tar, .zip or directory)"),
        binding.TRAIN_INDEX,
    ),
    outputs=(binding.Files("estimate", "output JSON"),),
)


def first_image_shape(archive: str) -> tuple[tuple[int, int, int], str]:
    """(height, width, bands) of the first image of ``archive``, and its member name."""
    images = iter_images(archive)
    _, member, data = next(images)
    images.close()
    with Image.open(io.BytesIO(data)) as first:
        return (first.height, first.width, len(first.getbands())), member


def main(args) -> None:
    shards = ShardSet.of_index(args.train_index)
    size = shards.geometry.size
    original_shape, member = first_image_shape(args.train_images)
    field_shape = tuple(int(s) for s in shards.image_shape)
    estimate = memory_estimate(len(shards), original_shape, field_shape, (size, size, field_shape[2]))
    estimate["original_shape_from"] = f"{args.train_images}:{member}"
    write_json(estimate, args.estimate)
    logging.info("wrote %s: %s", args.estimate, json.dumps(estimate["gib"]))


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
