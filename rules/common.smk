# Shared helpers: model names, raw inputs per image set, config slices, input functions and the list of targets.
import json

from gzmorph.settings import ARCHITECTURES, MODEL_NAMES, SLICES

IMAGE_SETS = {"train": config["train_images"], "test": config["test_images"]}
FOLDS = range(config["models"]["folds"])


wildcard_constraints:
    imageset="train|test",
    model="|".join(MODEL_NAMES),
    fold=r"\d+",


def one(pattern, **wildcards):
    """The one path of ``pattern`` (a rule's output) with these wildcards filled in and the others kept, e.g.
    one(rules.train.output.metrics, fold=0) is results/models/{model}/fold0/metrics.json.
    """
    (path,) = expand(pattern, allow_missing=True, **wildcards)
    return path


def fold_files(key, models=ARCHITECTURES):
    """Output ``key`` of the train rule for every fold model of ``models``."""
    return expand(rules.train.output[key], model=models, fold=FOLDS)


def config_slice(name):
    """The part of the config a job needs (gzmorph.settings.SLICES), as a params function: a job reruns when its
    slice changes, and only then."""
    return lambda wildcards: SLICES[name].cut(config, wildcards)


def raw_images(wildcards):
    return IMAGE_SETS[wildcards.imageset]


def raw_labels(wildcards):
    return {"labels": config["train_labels"]} if wildcards.imageset == "train" else {}


def all_targets():
    """Every figure, table, model and report of a full run; the rest of the DAG follows from these."""
    return [
        "results/baseline/mean.json",
        "results/figures/explore/random_images.png",
        "results/figures/explore/label_histograms.png",
        "results/figures/explore/prototypes.png",
        "results/figures/explore/correlation_matrix.png",
        "results/figures/explore/downsizing.png",
        "results/tables/memory_estimate.json",
        "results/figures/split/label_histograms_split.png",
        "results/figures/models/cv_scores.png",
        *expand("results/figures/models/{model}_training.png", model=ARCHITECTURES),
        "results/tables/parameters.csv",
        "results/models/best/model.pt",
        "results/models/best/oof_predictions.parquet",
        "results/predictions/merger_calibration.parquet",
        "results/figures/evaluate/validation_curves.png",
        "results/figures/evaluate/true_vs_predicted.png",
        "results/figures/evaluate/extremes.png",
        "results/predictions/test_catalogue.parquet",
        "results/predictions/test_catalogue.csv",
        "results/tables/test_rmse.csv",
        "results/tables/tta_effect.json",
        "results/figures/evaluate/spread_vs_error.png",
        "results/report/merger_fraction.md",
        "results/predictions/p_merger.parquet",
        "results/report/index.html",
    ]


# Prediction chunks (rules/predict.smk): known once the plan_prediction_chunks checkpoint has run.
def prediction_chunks(wildcards):
    """Every chunk file the plan asks for; known once plan_prediction_chunks has run."""
    plan = checkpoints.plan_prediction_chunks.get().output.plan
    with open(plan) as f:
        n_chunks = json.load(f)["n_chunks"]
    return expand(
        rules.predict_chunk.output.predictions,
        chunk=[f"{chunk:05d}" for chunk in range(n_chunks)],
    )


# Inputs of the train jobs in rules/models.smk: the cnn takes the cross-validation's best setting.
def train_inputs(wildcards):
    inputs = dict(TRAIN_DATA)
    if wildcards.model == "cnn":
        inputs["best_setting"] = rules.cross_validate.output.best_setting
    return inputs
