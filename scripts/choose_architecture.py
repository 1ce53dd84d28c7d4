"""Choose the candidate of the published model on fold 0, which every compared candidate trains with the same recipe:
their fold-0 models' predictions (predict.tta views) of fold 0's held-out galaxies are compared with a paired
bootstrap (gzmorph.model_choice). The lowest RMSE wins unless ``models.prefer_on_tie`` is tied with it (the 95 %
interval of their difference holds zero). Only the chosen candidate trains folds 1..K-1, so the hour goes to the
published ensemble instead of the others' other folds; the comparison rests on one fold's galaxies (~1/K of those
outside the test subset). Choosing on these labels is a mild selection: fold 0's out-of-fold predictions of the
chosen candidate are slightly optimistic, and the test subset, untouched by the choice, gives the final scores.

    python scripts/choose_architecture.py --predictions results/models/{resnet18,cnn}/fold0/predictions.parquet \
        --train-index results/data/train/index.parquet --split results/data/split.parquet \
        --choice results/models/architecture_choice.json
"""

import logging

import pandas as pd

from gzmorph import binding
from gzmorph.evaluate import predictions_for
from gzmorph.fold_predictions import out_of_fold, read_fold_predictions
from gzmorph.io import write_json
from gzmorph.model_choice import choose
from gzmorph.shards import ShardSet
from gzmorph.split import fold_ids

COMPARED_FOLD = 0

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files(
            "predictions", "results/models/<candidate>/fold0/predictions.parquet of each candidate", many=True
        ),
        binding.TRAIN_INDEX,
        binding.SPLIT,
    ),
    outputs=(binding.Files("choice", "JSON: the chosen candidate, why, and every fold-0 model's held-out RMSE"),),
    settings=("model_choice", "views"),
)


def main(args) -> None:
    predictions = read_fold_predictions(args.predictions)
    candidates = list(dict.fromkeys(predictions["model"]))
    if set(predictions["fold_model"]) != {COMPARED_FOLD} or len(candidates) != len(args.predictions):
        raise ValueError(f"expected fold {COMPARED_FOLD} of each candidate, one file each: {args.predictions}")
    held_out = ShardSet.of_index(args.train_index).subset(fold_ids(pd.read_parquet(args.split), COMPARED_FOLD, True))
    tta = args.views.tta
    predicted = {
        m: predictions_for(held_out.ids, out_of_fold(predictions, m, tta), f"fold-{COMPARED_FOLD} predictions of {m}")
        for m in candidates
    }  # fmt: skip
    choice = choose(held_out.labels, predicted, args.model_choice.prefer_on_tie)
    write_json({**choice, "fold": COMPARED_FOLD, "n_galaxies": len(held_out), "views": tta}, args.choice)
    logging.info("chosen: %s (%s); fold-%d held-out RMSE over %d galaxies: %s", choice["chosen"], choice["reason"],
                 COMPARED_FOLD, len(held_out), choice["held_out_rmse"])  # fmt: skip


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
