# Shared helpers: model names, raw inputs per image set, config slices, input functions and the list of targets.
import json

from gzmorph.report.sections import report_files, report_outputs
from gzmorph.settings import SLICES, compared_candidates

IMAGE_SETS = {"train": config["train_images"], "target": config["target_images"]}
FOLDS = range(config["models"]["folds"])
try:
    CANDIDATES = compared_candidates(config)  # models.compare: each trains fold 0
except ValueError as error:
    raise WorkflowError(str(error)) from None


wildcard_constraints:
    imageset="train|target",
    model="|".join([*CANDIDATES, "best"]),
    fold=r"\d+",


def one(pattern, **wildcards):
    """The one path of ``pattern`` (a rule's output) with these wildcards filled in and the others kept, e.g.
    one(rules.train.output.metrics, fold=0) is results/models/{model}/fold0/metrics.json.
    """
    (path,) = expand(pattern, allow_missing=True, **wildcards)
    return path


# Fold models (rules/models.smk): fold 0 of every compared candidate is trained and compared; the other folds only of
# the chosen one, known once the choose_architecture checkpoint has run.
def chosen_architecture():
    """The candidate chosen on fold 0 (results/models/architecture_choice.json)."""
    with open(checkpoints.choose_architecture.get().output.choice) as f:
        return json.load(f)["chosen"]


def folds_of(model):
    """The folds trained of ``model``: all of the chosen candidate, fold 0 of the others."""
    return FOLDS if model == chosen_architecture() else [0]


def chosen_fold_files(key):
    """Input function: output ``key`` of the train rule for every fold model of the chosen candidate."""
    return lambda wildcards: expand(
        rules.train.output[key], model=chosen_architecture(), fold=FOLDS
    )


def trained_fold_files(key):
    """Input function: output ``key`` of the train rule for every fold model trained (see folds_of)."""
    return lambda wildcards: [
        path
        for model in CANDIDATES
        for path in expand(rules.train.output[key], model=model, fold=folds_of(model))
    ]


def config_slice(name):
    """The part of the config a job needs (gzmorph.settings.SLICES), as a params function: a job reruns when its
    slice changes, and only then."""
    return lambda wildcards: SLICES[name].cut(config, wildcards)


def raw_images(wildcards):
    return IMAGE_SETS[wildcards.imageset]


def raw_labels(wildcards):
    return {"labels": config["train_labels"]} if wildcards.imageset == "train" else {}


def workflow_report_outputs():
    """Every output marked report() of the rules defined so far, its wildcards filled in (gzmorph.report.sections)."""
    return report_outputs(
        workflow.rules, {"model": CANDIDATES, "imageset": list(IMAGE_SETS)}
    )


def all_targets():
    """Every output marked report() (what the HTML page and `snakemake --report` show), the deliverables no report
    shows (the models, the predictions) and the HTML page; the rest of the DAG follows from these. Called once every
    rule is defined."""
    return [
        *report_files(workflow_report_outputs()),
        rules.publish_best.output.model_pt,
        rules.publish_best.output.oof_predictions,
        rules.publish_best.output.calibration,
        rules.gather_predictions.output.parquet,
        rules.merger_report.output.p_merger,
        rules.html_report.output.html,
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


# Inputs of the train jobs in rules/models.smk: the cross-validated candidate takes the cross-validation's best setting.
def train_inputs(wildcards):
    inputs = dict(TRAIN_DATA)
    if wildcards.model == config["cv"]["candidate"]:
        inputs["best_setting"] = rules.cross_validate.output.best_setting
    return inputs
