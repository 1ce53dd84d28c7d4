"""Figure: held-out RMSE against training images seen for every fold model of each architecture, with the mean-label
baseline.

Each history is named by its folder (results/models/<architecture>/fold<k>/history.csv).

    python scripts/evaluate_validation_curves.py --histories results/models/{resnet18,cnn}/fold{0,1}/history.csv \
        --baseline results/baseline/mean.json --figure results/figures/evaluate/validation_curves.png
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import binding
from gzmorph.figures import save_figure
from gzmorph.figures.evaluate import validation_curves_figure
from gzmorph.fold_predictions import by_fold

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("histories", "results/models/<architecture>/fold<k>/history.csv of each fold model", many=True),
        binding.BASELINE,
    ),
    outputs=(binding.FIGURE,),
)


def read_histories(paths: list[str]) -> dict[str, list[pd.DataFrame]]:
    """Each architecture's fold histories in fold order; refuses a history without evaluation steps."""
    histories: dict[str, list[pd.DataFrame]] = {}
    for (model, _), path in sorted(by_fold(paths, "histories").items()):
        history = pd.read_csv(path)
        if not {"images_seen", "validation_rmse"} <= set(history.columns) or history.empty:
            raise ValueError(f"{path}: needs rows with images_seen and validation_rmse columns")
        histories.setdefault(model, []).append(history)
    return histories


def main(args) -> None:
    histories = read_histories(args.histories)
    baseline = json.loads(Path(args.baseline).read_text())["validation_rmse"]
    save_figure(validation_curves_figure(histories, baseline), args.figure)
    logging.info(
        "wrote %s; last held-out RMSE per fold: %s; baseline %.4f",
        args.figure,
        {name: [round(float(h["validation_rmse"].iloc[-1]), 4) for h in folds] for name, folds in histories.items()},
        baseline,
    )


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
