"""Figure and table: each label's distribution in the train and validation subsets, and a two-sample KS test.

    python scripts/split_figure.py --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --figure results/figures/split/label_histograms_split.png --ks-table results/tables/split_ks.csv
"""

import logging

import numpy as np
import pandas as pd

from gzmorph import cli
from gzmorph.explore import ks_table
from gzmorph.figures import save_figure
from gzmorph.figures.explore import split_histograms_figure
from gzmorph.io import write_table
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS
from gzmorph.split import TRAIN, VALIDATION

INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.TRAIN_INDEX, cli.SPLIT),
    outputs=(cli.FIGURE, cli.Files("ks_table", "output CSV of per-label KS statistics")),
    settings=("explore",),
)


def main(args) -> None:
    labels = pd.read_parquet(args.train_index, columns=[ID_COLUMN, *LABEL_COLUMNS])
    split = pd.read_parquet(args.split)
    subset = labels[ID_COLUMN].map(split.set_index(ID_COLUMN)["subset"])
    if subset.isna().any():
        raise ValueError(f"{args.split}: {int(subset.isna().sum())} labelled galaxies have no subset")
    train = labels.loc[subset == TRAIN, list(LABEL_COLUMNS)].to_numpy(dtype=np.float64)
    validation = labels.loc[subset == VALIDATION, list(LABEL_COLUMNS)].to_numpy(dtype=np.float64)
    ks = ks_table(train, validation)
    write_table(ks, args.ks_table, float_format="%.4g")
    save_figure(split_histograms_figure(train, validation, ks, args.explore.histogram_bins), args.figure)
    logging.info(
        "wrote %s, %s; largest KS D %.3f (%s), smallest p %.3g",
        args.figure,
        args.ks_table,
        ks["ks_statistic"].max(),
        ks.loc[ks["ks_statistic"].idxmax(), "column"],
        ks["p_value"].min(),
    )


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
