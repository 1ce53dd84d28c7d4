"""Figure: out-of-fold predicted against true vote fractions of every labelled galaxy outside the test subset, for
all 37 labels, each with its RMSE (each galaxy predicted by the fold model that never trained on it).
(The per-label table of every model is on the held-out test subset: scripts/evaluate_test.py.)

    python scripts/evaluate_true_vs_predicted.py --predictions results/models/best/oof_predictions.parquet \
        --choice results/models/best/metrics.json --train-index results/data/train/index.parquet \
        --split results/data/split.parquet --figure results/figures/evaluate/true_vs_predicted.png
"""

import logging

import pandas as pd

from gzmorph import binding
from gzmorph.evaluate import chosen_model_name, predictions_for
from gzmorph.figures import save_figure
from gzmorph.figures.evaluate import true_vs_predicted_figure
from gzmorph.labels import LABEL_COLUMNS, display_name
from gzmorph.metrics import rmse, rmse_per_label
from gzmorph.shards import ShardSet
from gzmorph.split import TRAIN, subset_ids

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.OOF_PREDICTIONS,
        binding.CHOICE,
        binding.TRAIN_INDEX,
        binding.SPLIT,
    ),
    outputs=(binding.FIGURE,),
)


def main(args) -> None:
    labelled = ShardSet.of_index(args.train_index)
    split = pd.read_parquet(args.split)
    held_out = labelled.subset(subset_ids(split, TRAIN))
    true = held_out.labels.astype("float64")
    predicted = predictions_for(held_out.ids, pd.read_parquet(args.predictions), args.predictions)
    per_label = rmse_per_label(true, predicted)
    model = chosen_model_name(args.choice)
    save_figure(true_vs_predicted_figure(true, predicted, per_label, model), args.figure)
    worst = LABEL_COLUMNS[int(per_label.argmax())]
    logging.info("wrote %s; out-of-fold RMSE %.4f over %d galaxies; worst label %s", args.figure,
                 rmse(true, predicted), len(true), display_name(worst))  # fmt: skip


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
