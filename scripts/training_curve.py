"""Figure: the training and held-out RMSE of one architecture's fold models against images seen, with the learning
rate.

    python scripts/training_curve.py --model cnn --histories results/models/cnn/fold{0,1}/history.csv \
        --metrics results/models/cnn/fold0/metrics.json --baseline results/baseline/mean.json \
        --figure results/figures/models/cnn_training.png
"""

import json
import logging
from pathlib import Path

import pandas as pd

from gzmorph import binding
from gzmorph.figures import save_figure
from gzmorph.figures.training import training_curve_figure
from gzmorph.fold_predictions import fold_of

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("histories", "results/models/<model>/fold<k>/history.csv of every fold", many=True),
        binding.Files("metrics", "a fold's metrics.json (its ema_decay labels the curves)", optional=True),
        binding.Files("baseline", "mean-baseline JSON (its validation_rmse is drawn as a line)", optional=True),
    ),
    outputs=(binding.FIGURE,),
    wildcards=("model",),
)


def main(args) -> None:
    histories = {fold_of(path)[1]: pd.read_csv(path) for path in args.histories}
    empty = [path for path in args.histories if histories[fold_of(path)[1]].empty]
    if empty:
        raise ValueError(f"{empty}: no evaluation steps recorded")
    baseline = json.loads(Path(args.baseline).read_text())["validation_rmse"] if args.baseline else None
    ema_decay = json.loads(Path(args.metrics).read_text()).get("ema_decay", 0.0) if args.metrics else 0.0
    save_figure(training_curve_figure(dict(sorted(histories.items())), args.model, baseline, ema_decay), args.figure)
    logging.info("wrote %s (%d folds)", args.figure, len(histories))


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
