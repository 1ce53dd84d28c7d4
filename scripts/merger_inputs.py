"""ADAPTER until the cross-fitted fold models arrive (delete at that merge): the merger rule's two input tables
from today's single best model, as K = 1 fold model.

``calibration_table``: the contract's long format (GalaxyID, fold_model, role, predicted, true) with one row per
labelled test-subset galaxy: fold_model 0, role "test", the best model's predicted Class8.6 and the volunteer value.
``target_catalogue``: GalaxyID, the catalogue's Class8.6 and the same values as Class8.6_fold0.
"""

import numpy as np
import pandas as pd

from gzmorph import cli
from gzmorph.io import write_table
from gzmorph.labels import ID_COLUMN, MERGER_COLUMN

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("calibration", "Parquet predictions of the held-out labelled test subset by the best model"),
        cli.Files("test_catalogue", "Parquet predictions of the unlabelled (target) set by the best model"),
        cli.TRAIN_INDEX,
    ),
    outputs=(
        cli.Files("calibration_table", "merger_calibration.parquet in the cross-fitting contract's long format"),
        cli.Files("target_catalogue", "GalaxyID, Class8.6 and Class8.6_fold0 of the target set"),
    ),
)


def main(args) -> None:
    predicted = pd.read_parquet(args.calibration, columns=[ID_COLUMN, MERGER_COLUMN])
    truth = pd.read_parquet(args.train_index, columns=[ID_COLUMN, MERGER_COLUMN]).set_index(ID_COLUMN)[MERGER_COLUMN]
    missing = ~predicted[ID_COLUMN].isin(truth.index)
    if missing.any():
        raise ValueError(f"{args.calibration}: {int(missing.sum())} GalaxyIDs have no volunteer votes")
    table = pd.DataFrame(
        {
            ID_COLUMN: predicted[ID_COLUMN].to_numpy(np.uint64),
            "fold_model": 0,
            "role": "test",
            "predicted": predicted[MERGER_COLUMN].to_numpy(np.float64),
            "true": truth.loc[predicted[ID_COLUMN]].to_numpy(np.float64),
        }
    )
    write_table(table, args.calibration_table)
    target = pd.read_parquet(args.test_catalogue, columns=[ID_COLUMN, MERGER_COLUMN])
    write_table(target.assign(**{f"{MERGER_COLUMN}_fold0": target[MERGER_COLUMN]}), args.target_catalogue)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
