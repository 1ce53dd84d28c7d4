"""Every config key once: its type, default, bounds and description, as frozen pydantic models; and the slice of the
config each job receives.

``Config`` is the whole config: the three input paths, which config.yaml names, and a section per model below, whose
field defaults are the quick settings of the shipped sample. ``gzmorph.config.complete_config`` fills the defaults in
under the user's files and validates the result before any job runs (``gzmorph config`` prints it, described). A rule
passes its job only the slice it needs, as a plain dict cut by :data:`SLICES` (so Snakemake reruns exactly the jobs
whose slice changed: editing ``training.steps`` retrains both architectures, not the cross-validation), and the
script turns the dict into its settings object with the same entry (see ``gzmorph.binding``).
"""

import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_serializer, model_validator

from gzmorph.geometry import DIHEDRAL, Geometry
from gzmorph.mergers.settings import MergerSettings, TrueThreshold
from gzmorph.settings_base import Items, Settings

INPUT_PATHS = ("train_images", "train_labels", "target_images")
RESERVED_NAMES = ("best", "cv")  # folders of results/models/ that are not candidates

# Keys read by a config section and, alone, by a job slice: their type, bounds and description, once.
Tta = Annotated[
    int,
    Field(
        ge=1,
        le=len(DIHEDRAL),
        description=f"test-time augmentation: the mean over the first N of the {len(DIHEDRAL)} rotations by 90 deg x "
        "mirror flips (1 = none)",
    ),
]
Head = Annotated[
    Literal["sigmoid", "tree"],
    Field(
        description="output head of every model: tree (decision-tree sums obeyed; the better here) | sigmoid (37 "
        "independent)"
    ),  # fmt: skip
]
Folds = Annotated[
    int,
    Field(
        ge=2,
        description="Cross-fitting: the labelled galaxies outside the test subset are dealt into this many folds; fold "
        "model k trains on the other folds and predicts its own (out-of-fold) and the test subset. Every compared "
        "candidate trains fold 0; the chosen one trains the rest, and the published model is the ensemble of its fold "
        "models.",
    ),
]
# The keys of a custom CNN, set by its candidate and overridden by each cv.grid setting.
Widths = list[Annotated[int, Field(ge=1)]]
Channels = Annotated[
    Widths, Field(min_length=1, description="output channels of each block: conv, batch norm, ReLU, 2x2 max-pool")
]
KernelSize = Annotated[int, Field(ge=1, description="side of each block's convolution kernel")]
FullyConnected = Annotated[Widths, Field(description="widths of the hidden fully connected layers")]
Dropout = Annotated[float, Field(ge=0, lt=1, description="dropout before each fully connected layer")]


class Ingest(Settings):
    max_reject_fraction: float = Field(
        0.01, ge=0, le=1, description="stop if more than this fraction of the images fail to decode"
    )


class Preprocess(Settings):
    crop_px: int = Field(
        212, ge=8, le=424, description="side of the final (network) view, in pixels of the original 424x424 image"
    )
    size: int = Field(
        48,
        ge=8,
        description="side of the final view after resampling, pixels; shards keep a field ~sqrt(2) larger for "
        "rotations",
    )
    shard_size: int = Field(2048, ge=1, description="images per NPY shard")

    @property
    def geometry(self) -> Geometry:
        return Geometry(self.crop_px, self.size)


class Split(Settings):
    test_fraction: float = Field(
        0.15,
        gt=0,
        le=0.5,
        description="held out first, stratified on true mergers: the final RMSE table and the merger calibration",
    )
    test_seed: int = Field(2015, description="its own seed, so the folds' seed never moves a test galaxy")
    seed: int = Field(42, description="deals the rest into models.folds folds, stratified on true mergers")


class Predict(Settings):
    batch_size: int = Field(256, ge=1, description="images per forward pass")
    tta: Tta = len(DIHEDRAL)
    chunk_size: int = Field(
        512, ge=1, description="images per prediction job (scatter-gather; on a cluster, one job per chunk)"
    )


class Explore(Settings):
    seed: int = Field(0, description="which labelled galaxies the grid of random images shows")
    n_random_images: int = Field(25, ge=1, description="a 5x5 grid")
    histogram_bins: int = Field(
        20, ge=1, description="bins on [0, 1] for the label histograms (exploration and split figures)"
    )
    n_downsizing_examples: int = Field(
        4, ge=1, description="galaxies shown before and after downsizing (the first ones in the raw archive)"
    )


class Evaluate(Settings):
    extreme_columns: Items[Annotated[str, StringConstraints(pattern=r"^Class[0-9]+\.[0-9]+$")]] = Field(
        ("Class1.1", "Class1.3", "Class2.1", "Class8.1", "Class8.2", "Class11.2", "Class8.6"),
        min_length=1,
        description="the extremes figure: validation galaxies with the highest true and predicted values of smooth, "
        "star/artifact, edge-on disk, ring, lens/arc, 2 arms and merger",
    )
    n_extremes: int = Field(5, ge=1, description="galaxies shown per label and per ranking (true, predicted)")


class Plateau(Settings):
    factor: float = Field(0.5, gt=0, lt=1, description="the learning rate's factor at each cut")
    patience: int = Field(
        1, ge=0, description="evaluation steps without improvement of the training RMSE before the learning rate is cut"
    )
    min_lr: float = Field(1.0e-5, ge=0, description="the learning rate is not cut below this")


class Augment(Settings):
    shift_px: float = Field(0.0, ge=0, description="random shift up to this many pixels of the network view")
    zoom: float = Field(0.0, ge=0, description="random zoom within [1/(1+zoom), 1+zoom]")


class TrainSettings(Settings):
    """How one network is trained: the shared keys of the training section plus one model's run keys."""

    seed: int = Field(1, description="fixes initial weights, shuffling, augmentation and dropout")
    optimizer: Literal["adam", "adamw"] = "adamw"
    lr: float = Field(0.001, gt=0, description="the learning rate (where the schedule starts)")
    weight_decay: float = Field(0.0001, ge=0)
    batch_size: int = Field(32, ge=2, description="training images per optimizer step")
    eval_batch_size: int = Field(256, ge=1, description="images per forward pass when evaluating and predicting")
    evaluations_per_epoch: int = Field(
        1, ge=1, description="evaluation steps (a row of history.csv) per evaluated epoch"
    )
    evaluate_every: int = Field(
        1,
        ge=1,
        description="evaluate every this many epochs, and after the last (evaluation costs time: the curves only)",
    )
    bn_recalibration_images: int = Field(
        1024, ge=0, description="before each evaluation, batch-norm statistics from this many training images; 0: off"
    )
    plateau: Plateau = Field(
        default_factory=Plateau,
        description="ReduceLROnPlateau on the training RMSE (no held-out label steers a fold model), for scheduler: "
        "plateau",
    )
    augment: Augment = Field(
        default_factory=Augment, description="for runs with rotate: true, on top of the random rotation and mirror flip"
    )
    steps: int = Field(
        40,
        ge=1,
        description="optimizer steps, rounded up to whole epochs (the shipped sample's ~212 training images per fold: "
        "7 epochs of 6 steps)",
    )
    scheduler: Literal["none", "plateau", "cosine"] = Field(
        "plateau", description="none | plateau (ReduceLROnPlateau above) | cosine (from lr to 0 over the run's steps)"
    )
    rotate: bool = Field(
        True, description="random rotation and mirror flip (and augment's shift and zoom) of every training image"
    )
    ema_decay: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="evaluate and keep a moving average of the weights (per optimizer step) with this decay; 0: off",
    )
    cpu_bfloat16: bool | Literal["auto"] = Field(
        "auto",
        description="On the CPU, train in bfloat16 autocast on a channels_last model (GPUs always do). 1.6x the "
        "training images/s on a CPU with AVX512-BF16 or AMX (Intel Cooper Lake or Sapphire Rapids and later, AMD Zen 4 "
        "and later); 8-13x slower on others. auto: bfloat16 where the CPU flags show avx512_bf16 or amx_bf16 and a "
        "probe of a few training steps at the job's start finds it faster (the choice and its reason go to the log and "
        "metrics.json); true | false force it. Evaluation and prediction stay float32 on the CPU.",
    )


class ResNet18Candidate(Settings):
    architecture: Literal["resnet18"] = Field(
        "resnet18", description="ResNet18 with a 3x3 stem and no max-pool, from random weights"
    )
    stem_stride: int = Field(
        2, ge=1, le=4, description="stride of its 3x3 stem convolution; 1 keeps more detail at 4x the compute"
    )
    width: int = Field(
        64,
        ge=1,
        description="channels of its first stage, doubled at each of the other three (64: the standard ResNet18)",
    )


class CnnCandidate(Settings):
    architecture: Literal["cnn"] = Field(
        "cnn", description="the custom CNN; each cv.grid setting overrides some of its keys"
    )
    channels: Channels = [16, 32, 64]
    kernel_size: KernelSize = 3
    fc: FullyConnected = [128]
    dropout: Dropout = 0.3


class Finetune(Settings):
    head_steps: int = Field(0, ge=0, description="optimizer steps with the encoder frozen")
    encoder_lr: float = Field(
        1.0e-4, gt=0, description="the encoder's learning rate after them (the head keeps training.lr)"
    )


class TimmCandidate(Settings):
    architecture: Literal["timm"] = Field(
        "timm",
        description="any timm model, from random weights or finetuned from a local weights file or Hugging Face "
        "folder (nothing is downloaded; README, 'Other networks and pretrained encoders')",
    )
    timm_model: str = Field(description="a timm model name, e.g. convnext_atto (timm.list_models() names them)")
    pretrained: str | None = Field(
        None,
        description="a .safetensors or torch state_dict file, or a Hugging Face model folder; null: random weights",
    )
    input_size: Annotated[int, Field(ge=8)] | None = Field(
        None,
        description="the encoder's input side in px; null: the pretrained size with weights, else the view's",
    )
    finetune: Finetune | None = Field(
        None,
        description="with pretrained weights only: the head alone first, then everything (zoobot's recipe); null: "
        "one learning rate throughout",
    )


# A candidate's keys follow from its architecture; gzmorph.models.ARCHITECTURES builds the same ones
# (tests/test_settings.py).
Candidate = Annotated[ResNet18Candidate | CnnCandidate | TimmCandidate, Field(discriminator="architecture")]
CANDIDATE_KINDS = typing.get_args(typing.get_args(Candidate)[0])
CANDIDATE_ARCHITECTURES = tuple(
    typing.get_args(kind.model_fields["architecture"].annotation)[0] for kind in CANDIDATE_KINDS
)


def _not_reserved(name: str) -> str:
    if name in RESERVED_NAMES:
        raise ValueError(f"{name!r} names a folder of results/models/; choose another name")
    return name


CandidateName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$"), AfterValidator(_not_reserved)]


def _unique(names: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(names)) != len(names):
        raise ValueError(f"names a candidate twice: {list(names)}")
    return names


class ModelsSection(Settings):
    """Config section ``models``: read by the rules (compare), the split job (folds), the train and
    cross-validation jobs (``Models``) and the architecture choice (``ModelChoice``)."""

    head: Head = "tree"
    folds: Folds = 2
    prefer_on_tie: str = Field(
        "resnet18",
        description="The best model is the compared candidate with the lowest RMSE on fold 0's held-out galaxies, "
        "unless this one is tied with it (the 95% paired-bootstrap interval of their difference holds zero). "
        "ResNet18 ranked true mergers better in our tests.",
    )
    compare: Annotated[Items[str], AfterValidator(_unique)] = Field(
        ("resnet18", "cnn"),
        min_length=1,
        description="the candidates that train fold 0 and compete, all with the training section's recipe",
    )
    candidates: dict[CandidateName, Candidate] = Field(
        default_factory=lambda: {
            "resnet18": ResNet18Candidate(),
            "cnn": CnnCandidate(),
            "convnext_atto": TimmCandidate(timm_model="convnext_atto", finetune=Finetune()),
        },
        min_length=1,
        description="named networks: a built-in architecture (resnet18, cnn) or any timm model (docs/method.md); a "
        "timm model competes once its name is in compare",
    )


class CnnSetting(Settings):
    """A cv.grid setting: the custom-CNN keys it overrides, only those given."""

    channels: Channels = None
    kernel_size: KernelSize = None
    fc: FullyConnected = None
    dropout: Dropout = None

    @model_validator(mode="after")
    def _overrides_a_key(self):
        if not self.model_fields_set:
            raise ValueError(f"a setting overrides at least one key of {list(type(self).model_fields)}")
        return self

    @model_serializer(mode="wrap")
    def _given_keys(self, dump) -> dict:
        return {key: value for key, value in dump(self).items() if key in self.model_fields_set}


class CrossValidation(Settings):
    candidate: str = Field("cnn", description="the candidate (architecture cnn) whose keys each grid setting overrides")
    folds: int = Field(2, ge=2, description="k of the k-fold cross-validation")
    seed: int = 7
    steps: int = Field(12, ge=1, description="optimizer steps per fold and setting, rounded up to whole epochs")
    grid: Items[CnnSetting] = Field(
        (
            CnnSetting(channels=[16, 32, 64], fc=[128], dropout=0.3),
            CnnSetting(channels=[32, 64, 128], fc=[256], dropout=0.5),
        ),
        min_length=1,
        description="each setting overrides keys of the candidate",
    )


class Config(Settings):
    """The whole config: config.yaml names the input paths; every other key has its default here."""

    train_images: str = Field(description="labelled images (.tar.gz, .tar, .zip or a directory of <GalaxyID>.jpg)")
    train_labels: str = Field(description="the Kaggle classifications CSV (GalaxyID,Class1.1,...,Class11.6)")
    target_images: str = Field(description="unlabelled images to predict (.tar.gz, .tar, .zip or a directory)")
    ingest: Ingest = Field(default_factory=Ingest)
    preprocess: Preprocess = Field(default_factory=Preprocess)
    split: Split = Field(default_factory=Split, description="the labelled galaxies' roles")
    predict: Predict = Field(
        default_factory=Predict,
        description="the best model on the unlabelled set (results/data/test), in chunks that can run in parallel",
    )
    mergers: MergerSettings = Field(
        default_factory=MergerSettings,
        description="merger fraction and rate of the unlabelled set from predicted Class8.6 (package gzmorph.mergers)",
    )
    models: ModelsSection = Field(default_factory=ModelsSection)
    training: TrainSettings = Field(
        default_factory=TrainSettings,
        description="One recipe for every candidate: the best model is the best of them, so they compete on equal "
        "footing. Every fold model keeps its last weights (the moving average if on): no choice looks at a held-out "
        "label.",
    )
    cv: CrossValidation = Field(
        default_factory=CrossValidation,
        description="k-fold cross-validation of custom-CNN settings on every labelled galaxy outside the test subset",
    )
    explore: Explore = Field(default_factory=Explore)
    evaluate: Evaluate = Field(default_factory=Evaluate)


# Job slices: the part of the config one job reads, typed (their keys' defaults and bounds are the sections' above).
class SplitJob(Settings):
    split: Split
    folds: Folds


class MergerDefinition(Settings):
    true_threshold: TrueThreshold


class PredictViews(Settings):
    tta: Tta  # predict.tta alone: a fold model's predictions of its held-out fold and the test subset


class Models(Settings):
    """The model section cut to the candidates a job may build: the output head and their entries by name (each a
    spec without its head once dumped: gzmorph.models)."""

    head: Head
    candidates: dict[str, Candidate]


class ModelChoice(Settings):
    prefer_on_tie: str


class TrainJob(Settings):
    models: Models
    training: TrainSettings


class CrossValidationJob(Settings):
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
    """ValueError naming the new key if the config still has one of RENAMED_KEYS; called before validation, which
    would only call the old key unknown."""
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


@dataclass(frozen=True)
class Slice:
    """How a job's part of the config is cut from the whole (``cut``) and typed in the script (``typed``)."""

    cut: Callable[[dict, Mapping[str, str]], dict]
    typed: Callable[[Mapping], Any]


def _section(name: str) -> Callable[[dict, Mapping[str, str]], dict]:
    return lambda config, wildcards: config[name]


SLICES: dict[str, Slice] = {
    "ingest": Slice(_section("ingest"), Ingest.model_validate),
    "preprocess": Slice(_section("preprocess"), Preprocess.model_validate),
    "split": Slice(
        lambda config, wildcards: {"split": config["split"], "folds": config["models"]["folds"]},
        SplitJob.model_validate,
    ),
    "predict": Slice(_section("predict"), Predict.model_validate),
    "views": Slice(lambda config, wildcards: {"tta": config["predict"]["tta"]}, PredictViews.model_validate),
    "explore": Slice(_section("explore"), Explore.model_validate),
    "evaluate": Slice(_section("evaluate"), Evaluate.model_validate),
    "train": Slice(_train_job, TrainJob.model_validate),
    "cross_validation": Slice(_cross_validation_job, CrossValidationJob.model_validate),
    "model_choice": Slice(
        lambda config, wildcards: {"prefer_on_tie": config["models"]["prefer_on_tie"]}, ModelChoice.model_validate
    ),
    "merger_definition": Slice(
        lambda config, wildcards: {"true_threshold": config["mergers"]["true_threshold"]},
        MergerDefinition.model_validate,
    ),
    "mergers": Slice(_section("mergers"), MergerSettings.model_validate),
}
