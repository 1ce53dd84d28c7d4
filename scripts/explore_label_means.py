"""Figure: the mean of each of the 37 vote fractions over the labelled set.

    python scripts/explore_label_means.py --train-index results/data/train/index.parquet \
        --figure results/figures/explore/label_means.png
"""

import logging

import pandas as pd

from gzmorph import cli
from gzmorph.figures import plt, save_figure
from gzmorph.labels import LABEL_COLUMNS

INTERFACE = cli.Interface(__doc__, inputs=(cli.TRAIN_INDEX,), outputs=(cli.FIGURE,))


def main(args) -> None:
    means = pd.read_parquet(args.train_index, columns=list(LABEL_COLUMNS)).mean()
    figure, ax = plt.subplots(figsize=(10, 3))
    ax.bar(range(len(means)), means.to_numpy())
    ax.set_xticks(range(len(means)), means.index, rotation=90, fontsize=6)
    ax.set_ylabel("mean vote fraction")
    save_figure(figure, args.figure)
    logging.info("wrote %s", args.figure)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
