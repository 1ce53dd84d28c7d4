"""The merger result as typed objects, written to and read from ``results/tables/merger_fraction.json``.

Light on purpose (no numpy): the HTML page and the terminal summary read it too. Estimator names live here only.
"""

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Estimator:
    label: str
    description: str
    quotable: bool  # adjusted for the target's merger fraction, so it may be config mergers.estimator
    binned: bool  # computed by gzmorph.mergers.estimators on binned predictions (bayes has its own model)
    colour: str | None  # in the known-answer figure; None: not drawn there


# Every estimator, once: in the order of the cross-check rows (the quoted one first, wherever it is here).
ESTIMATORS = {
    "pacc": Estimator(
        "PACC",
        "probabilistic adjusted count (Bella et al. 2010): mean calibrated P(merger), adjusted by its means on "
        "true mergers and others",
        quotable=True,
        binned=True,
        colour="C3",
    ),
    "acc": Estimator(
        "ACC (median sweep)",
        "adjusted classify and count, median over thresholds with TPR - FPR >= 0.25 (Forman 2008)",
        quotable=True,
        binned=True,
        colour="C2",
    ),
    "mean_vote": Estimator(
        "mean vote",
        "mean predicted Class8.6: a mean vote fraction, not a count of mergers (not adjusted)",
        quotable=False,
        binned=True,
        colour="C1",
    ),
    "cc": Estimator(
        "CC",
        "classify and count: share of target galaxies above the classification threshold (not adjusted)",
        quotable=False,
        binned=True,
        colour="C0",
    ),
    "bayes": Estimator(
        "Bayesian (Dirichlet-multinomial)",
        "posterior median of a Dirichlet-multinomial model on binned predictions (Ziegler & Czyz 2024)",
        quotable=False,
        binned=False,
        colour=None,
    ),
}
NAMES = {key: e.label for key, e in ESTIMATORS.items()}
DESCRIPTIONS = {key: e.description for key, e in ESTIMATORS.items()}
QUOTABLE = tuple(key for key, e in ESTIMATORS.items() if e.quotable)  # config mergers.estimator's choices
BINNED = tuple(key for key, e in ESTIMATORS.items() if e.binned)


@dataclass(frozen=True)
class Estimate:
    name: str
    fraction: float
    interval: tuple[float, float]  # central 68 % bootstrap (or posterior) interval
    failed_resamples: int = 0

    @classmethod
    def from_json(cls, d: dict) -> "Estimate":
        fraction, interval = _nan(d["fraction"]), tuple(_nan(v) for v in d["interval"])
        return cls(d["name"], fraction, interval, d["failed_resamples"])


def _nan(value: float | None) -> float:
    """An undefined number: NaN in Python, null in the JSON file (strict JSON has no NaN)."""
    return math.nan if value is None else value


def _strict(value):
    """``value`` with every NaN as None, so that the JSON file is standard JSON."""
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


@dataclass(frozen=True)
class Definition:
    """The quoted estimator with a true merger defined at ``threshold`` on volunteer Class8.6: its own quantity."""

    threshold: float
    estimate: Estimate
    labelled_fraction: float  # the labelled galaxies' own fraction at this threshold

    @classmethod
    def from_json(cls, d: dict) -> "Definition":
        return cls(d["threshold"], Estimate.from_json(d["estimate"]), d["labelled_fraction"])


@dataclass(frozen=True)
class MergerResult:
    estimator: str  # named in config before the data are seen; quoted whatever the diagnostic says
    fraction: Estimate
    cross_checks: tuple[Estimate, ...]
    definitions: tuple[Definition, ...]
    fold_estimates: tuple[float, ...]  # the quoted estimator per fold model: a consistency check, not an error term
    interval_sources: dict  # calibration / target -> the quoted interval with only those galaxies resampled
    iid: dict  # the labelled fraction of the same selection with its binomial interval
    counts: dict  # n_target, n_calibration_galaxies, n_calibration_rows, n_folds, n_calibration_true_mergers
    true_threshold: float
    confidence: float
    resamples: int
    classification: dict
    diagnostic: dict
    diagnostic_passes: bool | None  # None: not run
    rate: dict
    illustris: tuple[dict, ...]  # one per minimum mass ratio
    literature: tuple[dict, ...]
    corrections: tuple[dict, ...]
    scale: dict

    def to_json(self) -> dict:
        return _strict(asdict(self))

    @classmethod
    def from_json(cls, d: dict) -> "MergerResult":
        return cls(
            **{
                **d,
                "fraction": Estimate.from_json(d["fraction"]),
                "cross_checks": tuple(Estimate.from_json(e) for e in d["cross_checks"]),
                "definitions": tuple(Definition.from_json(e) for e in d["definitions"]),
                "fold_estimates": tuple(_nan(v) for v in d["fold_estimates"]),
                "interval_sources": {k: [_nan(v) for v in ends] for k, ends in d["interval_sources"].items()},
                **{key: tuple(d[key]) for key in ("illustris", "literature", "corrections")},
            }
        )

    @classmethod
    def read(cls, path: str | Path) -> "MergerResult":
        return cls.from_json(json.loads(Path(path).read_text()))
