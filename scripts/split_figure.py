"""Figure and table: each label's distribution in fold 0 (held out by fold model 0) against the other folds (what
fold model 0 trains on), and a two-sample KS test; every fold is dealt the same way, so fold 0 stands for all.

    python scripts/split_figure.py --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --figure results/figures/split/label_histograms_split.png --ks-table results/tables/split_ks.csv
"""

import logging

import numpy as np
import pandas as pd

from gzmorph import binding
from gzmorph.explore import ks_table
from gzmorph.figures import save_figure
from gzmorph.figures.explore import split_histograms_figure
from gzmorph.io import write_table
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS
from gzmorph.split import fold_ids

INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.TRAIN_INDEX, binding.SPLIT),
    outputs=(binding.FIGURE, binding.Files("ks_table", "output CSV of per-label KS statistics")),
    settings=("explore",),
)


def main(args) -> None:
    labels = pd.read_parquet(args.train_index, columns=[ID_COLUMN, *LABEL_COLUMNS])
    split = pd.read_parquet(args.split)
    labels = labels.set_index(ID_COLUMN)[list(LABEL_COLUMNS)]
    missing = np.setdiff1d(split[ID_COLUMN].to_numpy(np.uint64), labels.index.to_numpy(np.uint64))
    if len(missing):
        raise ValueError(f"{args.split}: {len(missing)} galaxies have no labels, e.g. {missing[:5].tolist()}")
    train = labels.loc[fold_ids(split, 0, held_out=False)].to_numpy(dtype=np.float64)
    held_out = labels.loc[fold_ids(split, 0, held_out=True)].to_numpy(dtype=np.float64)
    ks = ks_table(train, held_out)
    write_table(ks, args.ks_table, float_format="%.4g")
    names = ("folds 1+ (fold model 0 trains)", "fold 0 (held out)")
    save_figure(split_histograms_figure(train, held_out, ks, args.explore.histogram_bins, names), args.figure)
    logging.info(
        "wrote %s, %s; largest KS D %.3f (%s), smallest p %.3g",
        args.figure,
        args.ks_table,
        ks["ks_statistic"].max(),
        ks.loc[ks["ks_statistic"].idxmax(), "column"],
        ks["p_value"].min(),
    )


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
