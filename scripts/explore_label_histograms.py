"""Figure: the normalized histogram of each of the 37 labels over the labelled set.

    python scripts/explore_label_histograms.py --train-index results/data/train/index.parquet \
        --figure results/figures/explore/label_histograms.png
"""

import logging

import pandas as pd

from gzmorph import binding
from gzmorph.figures import save_figure
from gzmorph.figures.explore import label_histograms_figure
from gzmorph.labels import LABEL_COLUMNS

INTERFACE = binding.Interface(__doc__, inputs=(binding.TRAIN_INDEX,), outputs=(binding.FIGURE,), settings=("explore",))


def main(args) -> None:
    labels = pd.read_parquet(args.train_index, columns=list(LABEL_COLUMNS)).to_numpy()
    figure = label_histograms_figure(labels, args.explore.histogram_bins, f"{len(labels)} labelled galaxies")
    save_figure(figure, args.figure)
    logging.info("wrote %s (%d galaxies)", args.figure, len(labels))


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
