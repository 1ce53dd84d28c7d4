"""Tables and figure of the final evaluation on the held-out labelled test subset, from the fold models' predictions:
RMSE of the best (the published ensemble: the mean of the chosen candidate's fold models) and of each
candidate's fold-0 model (those compared to choose), with and without test-time augmentation and with its
bootstrap interval; the chosen candidate's single fold model (RMSE averaged over its folds); per label; the merger
vote's RMSE and ROC AUC; the TTA effect of the best; and whether the spread of the fold models tracks the error."""

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from gzmorph import binding
from gzmorph.evaluate import per_label_rmse, predictions_for, spread_error_bins, test_scores, tta_effect
from gzmorph.figures import save_figure
from gzmorph.figures.evaluate import spread_error_figure
from gzmorph.fold_predictions import ensemble_test, read_fold_predictions, single_fold_test
from gzmorph.io import write_json, write_table
from gzmorph.shards import ShardSet
from gzmorph.split import TEST, TRAIN, subset_ids

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("predictions", "results/models/<candidate>/fold<k>/predictions.parquet, each trained", many=True),
        binding.CHOICE,
        binding.TRAIN_INDEX,
        binding.SPLIT,
    ),
    outputs=(
        binding.Files("scores", "CSV: one row per model and number of views"),
        binding.Files("per_label", "CSV: RMSE per label, every ensemble and number of views"),
        binding.Files("tta_effect", "JSON: the best model's RMSE without and with TTA"),
        binding.FIGURE,
    ),
    settings=("merger_definition", "predict"),
)


def main(args) -> None:
    labelled = ShardSet.of_index(args.train_index)
    split = pd.read_parquet(args.split)
    test = labelled.subset(subset_ids(split, TEST))
    true, train_mean = test.labels.astype(np.float64), labelled.subset(subset_ids(split, TRAIN)).labels.mean(axis=0)
    fold_predictions = read_fold_predictions(args.predictions)
    chosen = json.loads(Path(args.choice).read_text())["candidate"]
    tta, threshold = args.predict.tta, args.merger_definition.true_threshold
    predicted = {}
    for views in sorted({tta, 1}):
        source = f"test predictions of the {chosen} fold models ({views} views)"
        predicted["best", views] = predictions_for(test.ids, ensemble_test(fold_predictions, chosen, views), source)
    for model in dict.fromkeys(fold_predictions["model"]):  # every compared candidate, in the order given
        for views in sorted({tta, 1}):
            fold0 = single_fold_test(fold_predictions, model, views)[0]
            predicted[f"{model}_fold0", views] = predictions_for(test.ids, fold0, f"{model} fold 0 ({views} views)")
    single = single_fold_scores(true, fold_predictions, chosen, test.ids, tta, train_mean, threshold)
    scores = pd.concat([test_scores(true, predicted, train_mean, threshold), single], ignore_index=True)
    write_table(scores, args.scores)
    write_table(per_label_rmse(true, predicted, train_mean), args.per_label, float_format="%.5f")
    write_json(tta_effect(scores, tta), args.tta_effect)
    members = single_fold_test(fold_predictions, chosen, tta)
    member_predictions = np.stack([predictions_for(test.ids, frame, f"fold {k}") for k, frame in members.items()])
    bins = spread_error_bins(true, predicted["best", tta], member_predictions.std(axis=0))
    spread_name = f"standard deviation over the {len(members)} fold models of {chosen} ({tta} TTA views each)"
    save_figure(spread_error_figure(bins, spread_name, len(test)), args.figure)
    logging.info("test subset (%d galaxies):\n%s", len(test), scores.to_string(index=False))


def single_fold_scores(true, fold_predictions, model, ids, views, train_mean, threshold) -> pd.DataFrame:
    """One row: the scores of ``model``'s fold models one by one on the test subset, averaged over the folds (the
    bootstrap interval's ends too), named <model>_single_fold."""
    folds = single_fold_test(fold_predictions, model, views)
    each = {(model, k): predictions_for(ids, frame, f"{model} fold {k}") for k, frame in folds.items()}
    rows = test_scores(true, each, train_mean, threshold)
    averaged = rows.drop(columns=["model"]).mean(numeric_only=True)
    row = {"model": f"{model}_single_fold", **averaged.to_dict()}
    row["tta_views"], row["n_galaxies"], row["n_true_mergers"] = views, len(ids), int(rows["n_true_mergers"].iloc[0])
    return pd.DataFrame([row])


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))
