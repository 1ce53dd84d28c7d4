"""Figure: one model's training and validation RMSE against images seen, with its learning rate.

    python scripts/training_curve.py --model cnn --history results/models/cnn/history.csv \
        --metrics results/models/cnn/metrics.json --baseline results/baseline/mean.json \
        --figure results/figures/models/cnn_training.png
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
        cli.Files("metrics", "results/models/<model>/metrics.json (its ema_decay labels the curve)", optional=True),
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
    ema_decay = json.loads(Path(args.metrics).read_text()).get("ema_decay", 0.0) if args.metrics else 0.0
    save_figure(training_curve_figure(history, args.model, baseline, ema_decay), args.figure)
    logging.info("wrote %s (%d evaluation steps)", args.figure, len(history))


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))
