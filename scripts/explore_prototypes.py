"""Figure: the prototype of each label, i.e. the labelled galaxy with the highest value of that label, shown as the
network sees it (the geometry comes from the shard set's summary.json).

    python scripts/explore_prototypes.py --train-index results/data/train/index.parquet \
        --figure results/figures/explore/prototypes.png
"""

import logging

import numpy as np

from gzmorph import binding
from gzmorph.explore import prototypes
from gzmorph.figures import save_figure
from gzmorph.figures.explore import prototypes_figure
from gzmorph.geometry import center_crop
from gzmorph.shards import ShardSet

INTERFACE = binding.Interface(__doc__, inputs=(binding.TRAIN_INDEX,), outputs=(binding.FIGURE,))


def main(args) -> None:
    shards = ShardSet.of_index(args.train_index)
    geometry = shards.geometry
    positions = prototypes(shards.labels)
    values = shards.labels[positions, np.arange(len(positions))]
    images = center_crop(shards.images(positions), geometry.size)
    save_figure(prototypes_figure(images, shards.ids[positions], values, geometry.view_text), args.figure)
    logging.info("wrote %s (%d galaxies searched)", args.figure, len(shards))


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
