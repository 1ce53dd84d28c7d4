"""Mean-label baseline: predict the training-set mean of every label for every galaxy; RMSE on each subset
(train, validation, test).

    python scripts/baseline.py --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --baseline results/baseline/mean.json
"""

import logging

import pandas as pd

from gzmorph import cli
from gzmorph.baseline import mean_baseline
from gzmorph.io import write_json
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS
from gzmorph.split import TEST, TRAIN, VALIDATION

INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.TRAIN_INDEX, cli.SPLIT),
    outputs=(cli.Files("baseline", "output JSON: RMSE on each subset and the mean labels"),),
)


def main(args) -> None:
    table = pd.read_parquet(args.train_index, columns=[ID_COLUMN, *LABEL_COLUMNS]).merge(
        pd.read_parquet(args.split), on=ID_COLUMN, validate="one_to_one"
    )
    labels = {s: table.loc[table["subset"] == s, list(LABEL_COLUMNS)].to_numpy() for s in (TRAIN, VALIDATION, TEST)}
    result = mean_baseline(labels[TRAIN], labels[VALIDATION], labels[TEST])
    logging.info("mean baseline RMSE: train %.5f, validation %.5f, test %.5f", result["train_rmse"],
                 result["validation_rmse"], result["test_rmse"])  # fmt: skip
    write_json(result, args.baseline)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
