"""Figure: one model's training and validation RMSE against images seen, with its learning rate.

    python scripts/training_curve.py --model cnn --history results/models/cnn/history.csv \
        --baseline results/baseline/mean.json --figure results/figures/models/cnn_training.png
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import cli
from gzmorph.figures import save_figure
from gzmorph.figures.training import training_curve_figure

INTERFACE = cli.Interface(
    __doc__,
    inputs=(
        cli.Files("history", "results/models/<model>/history.csv"),
        cli.Files("baseline", "mean-baseline JSON (its validation_rmse is drawn as a line)", optional=True),
    ),
    outputs=(cli.FIGURE,),
    wildcards=("model",),
)


def main(args) -> None:
    history = pd.read_csv(args.history)
    if history.empty:
        raise ValueError(f"{args.history}: no evaluation steps recorded")
    baseline = json.loads(Path(args.baseline).read_text())["validation_rmse"] if args.baseline else None
    save_figure(training_curve_figure(history, args.model, baseline), args.figure)
    logging.info("wrote %s (%d evaluation steps)", args.figure, len(history))


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
