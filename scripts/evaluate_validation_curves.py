"""Figure: validation RMSE against training images seen for each model, with the mean-label baseline.

Each model is named by the folder of its history (results/models/<model>/history.csv).

    python scripts/evaluate_validation_curves.py --histories results/models/{resnet18,cnn,best}/history.csv \
        --baseline results/baseline/mean.json --figure results/figures/evaluate/validation_curves.png
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import cli
from gzmorph.figures import save_figure
from gzmorph.figures.evaluate import validation_curves_figure

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("histories", "results/models/<model>/history.csv of each model", many=True),
        cli.BASELINE,
    ),
    outputs=(cli.FIGURE,),
)


def read_histories(paths: list[str]) -> dict[str, pd.DataFrame]:
    """Each history by the name of its model folder; refuses a history without evaluation steps."""
    histories = {}
    for path in paths:
        history = pd.read_csv(path)
        if not {"images_seen", "validation_rmse"} <= set(history.columns) or history.empty:
            raise ValueError(f"{path}: needs rows with images_seen and validation_rmse columns")
        histories[Path(path).parent.name] = history
    if len(histories) != len(paths):
        raise ValueError(f"two histories of the same model folder among {paths}")
    return histories


def main(args) -> None:
    histories = read_histories(args.histories)
    baseline = json.loads(Path(args.baseline).read_text())["validation_rmse"]
    save_figure(validation_curves_figure(histories, baseline), args.figure)
    logging.info(
        "wrote %s; best validation RMSE: %s; baseline %.4f",
        args.figure,
        {name: round(float(h["validation_rmse"].min()), 4) for name, h in histories.items()},
        baseline,
    )


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
