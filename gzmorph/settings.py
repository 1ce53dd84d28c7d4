"""Typed settings: one frozen dataclass per config section, and the slice of the config each job receives.

The config is validated against gzmorph/config.schema.yaml before any job runs; here it becomes typed objects. A
rule passes its job only the slice it needs, as a plain dict cut by :data:`SLICES` (so Snakemake reruns exactly the
jobs whose slice changed: editing ``training.steps`` retrains both architectures, not the cross-validation), and the
script turns the dict into its settings object with the same entry (see ``gzmorph.binding``).
"""

import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass
from typing import Any, Literal

from gzmorph.geometry import Geometry
from gzmorph.mergers.settings import MergerSettings

RESERVED_NAMES = ("best", "cv")  # folders of results/models/ that are not candidates


def from_dict(cls: type, data: Mapping[str, Any]):
    """A dataclass from a mapping with its fields (those with a default may be left out); nested dataclasses,
    tuples, mappings, optional values and floats are built on the way from the field types."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    unknown, missing = sorted(set(data) - names), sorted(required - set(data))
    if unknown or missing:
        raise ValueError(f"{cls.__name__}: unknown keys {unknown}, missing keys {missing}")
    return cls(**{name: _convert(hints[name], data[name]) for name in names if name in data})


def _convert(hint, value):
    """``value`` (as YAML gives it) as the type ``hint``: the one conversion of every settings class."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if is_dataclass(hint):
        return from_dict(hint, value)
    if origin in (typing.Union, types.UnionType):
        return None if value is None else _convert(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        items = value if isinstance(value, list | tuple) else [value]  # a single value of a list
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in items)
        return tuple(_convert(a, v) for a, v in zip(args, items, strict=True)) if args else tuple(items)
    if origin in (dict, Mapping):
        return {key: _convert(args[1], v) for key, v in value.items()}
    if hint in (dict, Mapping):
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@dataclass(frozen=True)
class Ingest:
    max_reject_fraction: float


@dataclass(frozen=True)
class Preprocess:
    crop_px: int
    size: int
    shard_size: int

    @property
    def geometry(self) -> Geometry:
        return Geometry(self.crop_px, self.size)


@dataclass(frozen=True)
class Split:
    test_fraction: float
    test_seed: int
    seed: int  # deals the galaxies outside the test subset into the folds


@dataclass(frozen=True)
class SplitJob:
    split: Split
    folds: int  # models.folds: cross-fitting folds (each fold model trains on the others)


@dataclass(frozen=True)
class MergerDefinition:
    true_threshold: float  # a labelled galaxy is a true merger when its volunteer Class8.6 is at least this


@dataclass(frozen=True)
class Predict:
    batch_size: int
    tta: int
    chunk_size: int


# The defaults of config.yaml's predict section, for `gzmorph predict` and gzmorph.predict, which read no config file
# (tests/test_command.py checks that they agree).
DEFAULT_TTA = 8
DEFAULT_BATCH_SIZE = 256


@dataclass(frozen=True)
class PredictViews:
    tta: int  # predict.tta alone: a fold model's predictions of its held-out fold and the test subset


@dataclass(frozen=True)
class Explore:
    seed: int
    n_random_images: int
    histogram_bins: int
    n_downsizing_examples: int


@dataclass(frozen=True)
class Evaluate:
    extreme_columns: tuple[str, ...]
    n_extremes: int


@dataclass(frozen=True)
class Plateau:
    factor: float
    patience: int
    min_lr: float


@dataclass(frozen=True)
class Augment:
    shift_px: float  # with rotate: random shift up to this many output pixels
    zoom: float  # with rotate: random zoom within [1/(1+zoom), 1+zoom]


@dataclass(frozen=True)
class TrainSettings:
    """How one network is trained: the shared keys of the training section plus one model's run keys."""

    seed: int
    optimizer: str  # "adam" | "adamw"
    lr: float
    weight_decay: float
    batch_size: int
    eval_batch_size: int
    evaluations_per_epoch: int
    evaluate_every: int  # epochs between evaluated epochs (the last epoch is always evaluated)
    bn_recalibration_images: int  # training images whose statistics refresh batch norm before evaluation; 0: off
    plateau: Plateau
    augment: Augment
    steps: int  # optimizer steps, rounded up to whole epochs of the training images (training.epochs_for)
    scheduler: str  # "none" | "plateau" | "cosine"
    rotate: bool  # random rotation, mirror flip (and augment's shift and zoom) of every training image
    ema_decay: float  # evaluate and keep an exponential moving average of the weights with this decay; 0: off
    # on the CPU, training passes in bfloat16 autocast on a channels_last model (as on CUDA): true, false, or "auto"
    # (where the CPU runs bfloat16 natively and it is faster: gzmorph.precision, resolved once per job)
    cpu_bfloat16: bool | Literal["auto"]


@dataclass(frozen=True)
class CrossValidation:
    candidate: str  # the candidate (of architecture cnn) whose keys each grid setting overrides
    folds: int
    seed: int
    steps: int  # optimizer steps per fold and setting, rounded up to whole epochs
    grid: tuple[dict, ...]  # each setting overrides keys of the candidate


@dataclass(frozen=True)
class Models:
    """The model section cut to the candidates a job may build: the output head and their entries by name (each a
    spec without its head: gzmorph.models)."""

    head: str
    candidates: dict[str, dict]


@dataclass(frozen=True)
class ModelChoice:
    prefer_on_tie: str  # the candidate chosen among those tied with the best on fold 0


@dataclass(frozen=True)
class TrainJob:
    models: Models
    training: TrainSettings


@dataclass(frozen=True)
class CrossValidationJob:
    models: Models
    training: TrainSettings  # steps come from cv.steps, without scheduler or augmentation
    cv: CrossValidation


def compared_candidates(config: dict) -> list[str]:
    """The candidates that train fold 0 and compete (models.compare), checked against the rest of the model section:
    ValueError naming the key if one names a candidate that is not there, or of the wrong kind, or weights that are
    not there (before any job runs; gzmorph.encoders checks what is in them)."""
    models, cv = config["models"], config["cv"]
    declared = ", ".join(models["candidates"])
    named = {f"models.compare[{i}]": name for i, name in enumerate(models["compare"])}
    named.update({"models.prefer_on_tie": models["prefer_on_tie"], "cv.candidate": cv["candidate"]})
    for key, name in named.items():
        if name not in models["candidates"]:
            raise ValueError(f"config {key}: {name!r} is not a candidate (models.candidates declares {declared})")
    if models["prefer_on_tie"] not in models["compare"]:
        raise ValueError(f"config models.prefer_on_tie: {models['prefer_on_tie']!r} is not in models.compare")
    if models["candidates"][cv["candidate"]]["architecture"] != "cnn":
        raise ValueError(f"config cv.candidate: {cv['candidate']!r} is not of architecture cnn")
    for name in models["compare"]:
        weights = models["candidates"][name].get("pretrained")
        if weights is not None and not os.path.exists(weights):
            raise ValueError(f"config models.candidates.{name}.pretrained: {weights}: no such file or folder")
    return list(models["compare"])


# Top-level keys of earlier versions, with what replaced them.
RENAMED_KEYS = {"test_images": "target_images (the unlabelled images to predict)"}


def check_renamed_keys(config: Mapping) -> None:
    """ValueError naming the new key if the config still has one of RENAMED_KEYS; called before the schema check,
    which would only call the old key unknown."""
    for old, new in RENAMED_KEYS.items():
        if old in config:
            raise ValueError(f"config {old}: renamed to {new}")


def _models(config: dict, names: tuple[str, ...]) -> dict:
    return {"head": config["models"]["head"], "candidates": {n: config["models"]["candidates"][n] for n in names}}


def _train_job(config: dict, wildcards: Mapping[str, str]) -> dict:
    return {"models": _models(config, (wildcards["model"],)), "training": config["training"]}


def _cross_validation_job(config: dict, wildcards: Mapping[str, str]) -> dict:
    cv = config["cv"]
    return {
        "models": _models(config, (cv["candidate"],)),
        "training": {**config["training"], "steps": cv["steps"], "scheduler": "none", "rotate": False},
        "cv": cv,
    }


# Each section of config.yaml and the settings class it becomes: tests/test_settings.py walks them with the schema and
# config.yaml, nested, so that a key in one but not the others fails. ``models`` is dict-based (one mapping per
# candidate, cut by the train and cross_validation slices), so the test names its keys explicitly.
INPUT_PATHS = ("train_images", "train_labels", "target_images")
SECTIONS: dict[str, type] = {
    "ingest": Ingest,
    "preprocess": Preprocess,
    "split": Split,
    "predict": Predict,
    "mergers": MergerSettings,
    "training": TrainSettings,
    "cv": CrossValidation,
    "explore": Explore,
    "evaluate": Evaluate,
}


@dataclass(frozen=True)
class Slice:
    """How a job's part of the config is cut from the whole (``cut``) and typed in the script (``typed``)."""

    cut: Callable[[dict, Mapping[str, str]], dict]
    typed: Callable[[Mapping], Any]


def _section(name: str) -> Callable[[dict, Mapping[str, str]], dict]:
    return lambda config, wildcards: config[name]


SLICES: dict[str, Slice] = {
    "ingest": Slice(_section("ingest"), lambda d: from_dict(Ingest, d)),
    "preprocess": Slice(_section("preprocess"), lambda d: from_dict(Preprocess, d)),
    "split": Slice(
        lambda config, wildcards: {"split": config["split"], "folds": config["models"]["folds"]},
        lambda d: from_dict(SplitJob, d),
    ),
    "predict": Slice(_section("predict"), lambda d: from_dict(Predict, d)),
    "views": Slice(lambda config, wildcards: {"tta": config["predict"]["tta"]}, lambda d: from_dict(PredictViews, d)),
    "explore": Slice(_section("explore"), lambda d: from_dict(Explore, d)),
    "evaluate": Slice(_section("evaluate"), lambda d: from_dict(Evaluate, d)),
    "train": Slice(
        _train_job,
        lambda d: TrainJob(from_dict(Models, d["models"]), from_dict(TrainSettings, d["training"])),
    ),
    "cross_validation": Slice(
        _cross_validation_job,
        lambda d: CrossValidationJob(
            from_dict(Models, d["models"]), from_dict(TrainSettings, d["training"]), from_dict(CrossValidation, d["cv"])
        ),
    ),
    "model_choice": Slice(
        lambda config, wildcards: {"prefer_on_tie": config["models"]["prefer_on_tie"]},
        lambda d: from_dict(ModelChoice, d),
    ),
    "merger_definition": Slice(
        lambda config, wildcards: {"true_threshold": config["mergers"]["true_threshold"]},
        lambda d: from_dict(MergerDefinition, d),
    ),
    "mergers": Slice(_section("mergers"), lambda d: from_dict(MergerSettings, d)),
}
