"""Figure: a grid of random labelled galaxies as the network sees them (the central view of each stored field)."""

import logging

import numpy as np

from gzmorph import binding
from gzmorph.figures import save_figure
from gzmorph.figures.explore import random_images_figure
from gzmorph.geometry import center_crop
from gzmorph.shards import ShardSet

INTERFACE = binding.Interface(__doc__, inputs=(binding.TRAIN_INDEX,), outputs=(binding.FIGURE,), settings=("explore",))


def main(args) -> None:
    shards = ShardSet.of_index(args.train_index)
    rng = np.random.default_rng(args.explore.seed)
    positions = np.sort(rng.choice(len(shards), size=min(args.explore.n_random_images, len(shards)), replace=False))
    geometry = shards.geometry
    images = center_crop(shards.images(positions), geometry.size)
    save_figure(random_images_figure(images, shards.ids[positions], geometry.view_text), args.figure)
    logging.info("wrote %s (%d of %d galaxies, seed %d)", args.figure, len(positions), len(shards), args.explore.seed)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
