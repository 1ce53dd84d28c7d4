"""The expected wall time of a workflow run, before it starts (``gzmorph estimate``).

Two halves. The plan (:func:`plan_jobs`) is arithmetic on the config and the data size alone: the training jobs, each
fit's optimizer steps (``training.steps`` rounded up to whole epochs, as ``fit`` runs them), its evaluations and the
predictions after it. The rates (:func:`time_network`) come from this machine: a few training steps of each network
through the pieces training uses (rows gathered as ``DeviceImages`` holds them, ``to_device_batch`` with the job's
augmentation, ``train_step``, the moving average) in the precision its job would choose
(``gzmorph.precision.job_precision``, which probes under ``auto``), and float32 forward passes at the evaluation batch
size, as ``gzmorph.inference.predict`` runs them, on random images. The rest of the DAG and the merger report are
allowances measured in two whole runs (docs/performance.md), not timed here. ``benchmarks/bench_training.py`` times
its steps with the same pieces.
"""

import json
import logging
import math
import os
import statistics
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gzmorph.archives import list_images, read_labels
from gzmorph.augment import to_device_batch
from gzmorph.cnn_grid_search import setting_name
from gzmorph.geometry import field_size
from gzmorph.inference import predict
from gzmorph.labels import N_LABELS
from gzmorph.models import build_model, resolve_spec
from gzmorph.precision import PrecisionChoice, job_precision
from gzmorph.settings import SLICES, TrainSettings, compared_candidates
from gzmorph.training import (
    DeviceImages,
    TrainingData,
    batches_per_epoch,
    epochs_for,
    evaluated_epoch,
    make_ema,
    make_optimizer,
    to_training_device,
    train_step,
)

log = logging.getLogger(__name__)

WARMUP_STEPS = 2  # untimed steps before the timed ones: the first steps allocate and pick kernels
JOB_START_S = 4.0  # a job's Python and PyTorch imports (docs/performance.md, "At the full Kaggle size": ~4 s)
# The jobs other than train, cross_validate, predict_chunk and merger_report (ingest, preprocess, split, baseline,
# figures, tables, publish_best, the HTML page), measured as the whole run's wall time less those jobs' benchmarks on
# 2 cores: 36 s of the lab run (52705c8: 41.3 min, 4,651 images) and ~87 s of the shortened Kaggle-size run (b7e3893:
# 65 min, 141,553 images); the line through the two.
REST_OF_DAG_S = 34.3
REST_OF_DAG_S_PER_IMAGE = 3.7e-4
# The merger report is nearly all its known-answer diagnostic, coverage.repeats x coverage.resamples bootstraps of
# the labelled and target galaxies: 70 s in the lab run (3,454 + 1,197 galaxies, 400 x 500) and ~35 min at the
# Kaggle size (61,578 + 79,975, 400 x 500): 7.5e-8 s per galaxy and resample in both.
MERGER_REPORT_S_PER_GALAXY_RESAMPLE = 7.5e-8
RESULTS = Path("results")


@dataclass(frozen=True)
class DataSize:
    labelled: int
    unlabelled: int
    source: str  # where the counts come from, in words


@dataclass(frozen=True)
class SplitSizes:
    """The labelled galaxies' roles (gzmorph.split): the test subset, then the rest dealt into folds."""

    test: int
    folds: tuple[int, ...]  # galaxies per fold

    @property
    def in_folds(self) -> int:
        return sum(self.folds)


@dataclass(frozen=True)
class Fit:
    """One call of ``fit`` inside a job: ``steps`` optimizer steps of ``network`` on ``n_train`` images, each
    evaluation a batch-norm recalibration and a forward pass over the held-out images."""

    network: str  # the timed network: a candidate's name or a cross-validation setting's label
    n_train: int
    n_held_out: int
    steps: int  # as fit runs them: whole epochs
    evaluations: int
    recalibration_images: int  # per evaluation

    @property
    def evaluated_images(self) -> int:
        return self.evaluations * (self.recalibration_images + self.n_held_out)


@dataclass(frozen=True)
class PlannedJob:
    name: str
    network: str  # whose precision the job resolves and whose forward passes predict after training
    fits: tuple[Fit, ...]
    predicted_images: int  # forward passes after training: images x views (x fold models, for the ensemble)
    stage: str  # "cross-validation", "fold 0", "other folds", "prediction": the critical path's phases
    starts: int = 1  # job start-ups (the prediction: one job per chunk)

    @property
    def steps(self) -> int:
        return sum(fit.steps for fit in self.fits)


@dataclass(frozen=True)
class NetworkTiming:
    precision: PrecisionChoice
    precision_seconds: float  # what resolving it took: the probe's steps under auto
    step_seconds: float  # one optimizer step at the job's batch size, view and augmentation
    forward_seconds: float  # one image's float32 forward pass at the evaluation batch size


# ---- the data and the plan (no timing) ----


def data_size(config: dict, results: Path = RESULTS) -> DataSize:
    """The labelled and unlabelled image counts: from the preprocessed sets' summary.json where both exist for the
    config's images, else counted in the labels CSV and the unlabelled images' archive or folder (no decoding)."""
    return preprocessed_size(config, results) or raw_size(config)


def preprocessed_size(config: dict, results: Path = RESULTS) -> DataSize | None:
    counts = {}
    for imageset, key in (("train", "train_images"), ("target", "target_images")):
        path = results / "data" / imageset / "summary.json"
        if not path.is_file():
            return None
        summary = json.loads(path.read_text())
        if summary.get("images") != str(config[key]):  # made from other images
            return None
        counts[imageset] = int(summary["n_images"])
    return DataSize(counts["train"], counts["target"], f"{results}/data/{{train,target}}/summary.json")


def raw_size(config: dict) -> DataSize:
    labelled = len(read_labels(config["train_labels"]))
    unlabelled = len(list_images(config["target_images"]))
    return DataSize(labelled, unlabelled, f"rows of {config['train_labels']}, images in {config['target_images']}")


def fold_sizes(n: int, folds: int) -> tuple[int, ...]:
    """Sizes of ``folds`` parts of ``n`` differing by at most one (as the split deals them, and np.array_split)."""
    return tuple(n // folds + (1 if k < n % folds else 0) for k in range(folds))


def split_sizes(labelled: int, test_fraction: float, folds: int) -> SplitSizes:
    """The test subset (round(test_fraction x n), as gzmorph.split takes it per stratum) and the folds of the rest."""
    test = int(round(test_fraction * labelled))
    return SplitSizes(test, fold_sizes(labelled - test, folds))


def plan_fit(network: str, n_train: int, n_held_out: int, settings: TrainSettings) -> Fit:
    """A fit's steps and evaluations, as ``gzmorph.training.fit`` runs them."""
    epochs = epochs_for(settings.steps, n_train, settings.batch_size)
    n_batches = batches_per_epoch(n_train, settings.batch_size)
    per_epoch = len({round(n_batches * (k + 1) / settings.evaluations_per_epoch)
                     for k in range(settings.evaluations_per_epoch)})  # fmt: skip
    evaluated_epochs = sum(evaluated_epoch(epoch, epochs, settings.evaluate_every) for epoch in range(epochs))
    recalibration = min(settings.bn_recalibration_images, n_train)
    return Fit(network, n_train, n_held_out, epochs * n_batches, evaluated_epochs * per_epoch, recalibration)


def train_settings(config: dict, name: str) -> TrainSettings:
    return SLICES["train"].typed(SLICES["train"].cut(config, {"model": name})).training


def fold_job(config: dict, name: str, fold: int, split: SplitSizes, stage: str) -> PlannedJob:
    """Train fold model ``fold`` of candidate ``name``, then predict its held-out fold and the test subset with
    predict.tta views and with one (scripts/train.py)."""
    held_out = split.folds[fold]
    fit = plan_fit(name, split.in_folds - held_out, held_out, train_settings(config, name))
    views = sum({config["predict"]["tta"], 1})  # with predict.tta views and with one
    predicted = (held_out + split.test) * views
    return PlannedJob(f"train {name} fold {fold}", name, (fit,), predicted, stage)


def cross_validation_job(config: dict, split: SplitSizes) -> PlannedJob:
    """cv.folds x len(cv.grid) fits of cv.steps on the galaxies outside the test subset, without rotation
    (scripts/cross_validate.py). Its network is the first setting's: the job's precision is resolved once, on the
    candidate's own keys, and every setting's timing carries it."""
    job = SLICES["cross_validation"].typed(SLICES["cross_validation"].cut(config, {}))
    parts = fold_sizes(split.in_folds, job.cv.folds)
    fits = tuple(
        plan_fit(setting_name(setting.model_dump()), split.in_folds - held_out, held_out, job.training)
        for setting in job.cv.grid
        for held_out in parts
    )
    return PlannedJob("cross_validate", fits[0].network, fits, 0, "cross-validation")


def prediction_job(config: dict, size: DataSize, chosen: str) -> PlannedJob:
    """The unlabelled set through the ensemble of the chosen candidate's fold models with predict.tta views, one job
    per predict.chunk_size images."""
    predict_section, folds = config["predict"], config["models"]["folds"]
    chunks = math.ceil(size.unlabelled / predict_section["chunk_size"])
    passes = size.unlabelled * predict_section["tta"] * folds
    return PlannedJob("predict the unlabelled set", chosen, (), passes, "prediction", starts=chunks)


def plan_jobs(config: dict, size: DataSize, chosen: str) -> list[PlannedJob]:
    """Every timed job of a run in which ``chosen`` wins on fold 0: the cross-validation, fold 0 of every compared
    candidate, the other folds of ``chosen``, the prediction of the unlabelled set."""
    split = split_sizes(size.labelled, config["split"]["test_fraction"], config["models"]["folds"])
    fold0 = [fold_job(config, name, 0, split, "fold 0") for name in compared_candidates(config)]
    others = [fold_job(config, chosen, k, split, "other folds") for k in range(1, config["models"]["folds"])]
    return [cross_validation_job(config, split), *fold0, *others, prediction_job(config, size, chosen)]


def rest_of_dag_seconds(size: DataSize) -> float:
    return REST_OF_DAG_S + REST_OF_DAG_S_PER_IMAGE * (size.labelled + size.unlabelled)


def merger_report_seconds(config: dict, size: DataSize) -> float:
    coverage = config["mergers"]["coverage"]
    targets = coverage["target_size"] or size.unlabelled
    bootstraps = coverage["repeats"] * coverage["resamples"]
    return MERGER_REPORT_S_PER_GALAXY_RESAMPLE * (size.labelled + targets) * bootstraps


# ---- the rates on this machine ----


def step_times(step: Callable[[], object], steps: int, device: torch.device, warmup: int = WARMUP_STEPS) -> list:
    """Seconds of each of ``steps`` calls of ``step`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times


def random_training_images(n: int, size: int, seed: int = 0) -> TrainingData:
    """``n`` random uint8 fields for a ``size`` px view and random labels, as training holds them."""
    rng = np.random.default_rng(seed)
    side = field_size(size)
    images = rng.integers(0, 256, (n, side, side, 3), dtype=np.uint8)
    labels = rng.random((n, N_LABELS), dtype=np.float32)
    return TrainingData(images, labels, images[:0], labels[:0])


def training_model(spec: dict, settings: TrainSettings, device: torch.device, cpu_bfloat16: bool):
    """A fresh ``build_model(spec)`` as training holds it (device, layout) and its optimizer."""
    torch.manual_seed(0)
    model = to_training_device(build_model(spec), device, cpu_bfloat16).train()
    return model, make_optimizer(model, settings, spec.get("finetune"))


def pipeline_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    images: DeviceImages,
    settings: TrainSettings,
    size: int,
    device: torch.device,
    cpu_bfloat16: bool,
    rotate: bool,
    ema: nn.Module | None = None,
) -> Callable[[], None]:
    """One optimizer step as ``train_one_epoch`` runs it: a random batch gathered from ``images``, moved and
    augmented by ``to_device_batch`` (rotation, shift and zoom with ``rotate``), ``train_step``, the moving average."""
    rng = np.random.default_rng(0)
    generator = torch.Generator().manual_seed(0)
    n = len(images.train)
    batch = min(settings.batch_size, n)
    augment = settings.augment

    def step() -> None:
        rows = rng.choice(n, batch, replace=False)
        x = to_device_batch(images.take(rows), device, size, rotate, generator, augment.shift_px, augment.zoom)
        y = images.train_labels[torch.from_numpy(rows).to(device)]
        train_step(model, optimizer, x, y, device, cpu_bfloat16)
        if ema is not None:
            ema.update_parameters(model)

    return step


def seconds_per_step(
    spec: dict, settings: TrainSettings, size: int, device: torch.device, cpu_bfloat16: bool, steps: int
) -> float:
    """The median seconds of a training step of ``spec`` with the settings' batch, augmentation and moving average."""
    data = random_training_images(max(settings.batch_size, 2), size)
    model, optimizer = training_model(spec, settings, device, cpu_bfloat16)
    step = pipeline_step(model, optimizer, DeviceImages(data, device), settings, size, device, cpu_bfloat16,
                         settings.rotate, make_ema(model, settings))  # fmt: skip
    return statistics.median(step_times(step, steps, device))


def seconds_per_image(spec: dict, batch_size: int, size: int, device: torch.device, batches: int) -> float:
    """The median seconds of one image's float32 forward pass of ``spec`` in eval mode, in batches of
    ``batch_size`` (``gzmorph.inference.predict``, one view)."""
    fields = random_training_images(batch_size, size).train_images
    torch.manual_seed(0)
    model = build_model(spec).to(device).eval()
    times = step_times(lambda: predict(model, fields, size, device, 1, batch_size), batches, device, warmup=1)
    return statistics.median(times) / batch_size


def timed_precision(spec: dict, settings: TrainSettings, size: int, device: torch.device):
    """The job's precision (``job_precision``: the probe under auto) and the seconds it took."""
    start = time.perf_counter()
    choice = job_precision(spec, settings, size, device)
    return choice, time.perf_counter() - start


def time_network(
    spec: dict,
    settings: TrainSettings,
    size: int,
    device: torch.device,
    steps: int,
    precision: tuple[PrecisionChoice, float] | None = None,
) -> NetworkTiming:
    """A network's rates on this machine, in the precision ``precision`` (a choice and its seconds) or its own."""
    choice, choice_seconds = precision or timed_precision(spec, settings, size, device)
    step = seconds_per_step(spec, settings, size, device, choice.cpu_bfloat16, steps)
    forward = seconds_per_image(spec, settings.eval_batch_size, size, device, steps)
    return NetworkTiming(choice, choice_seconds, step, forward)


def time_networks(config: dict, device: torch.device, steps: int) -> dict[str, NetworkTiming]:
    """Every network the run trains, by the name the plan gives it: each compared candidate (its own keys) at the
    training recipe, each cross-validation setting at the cross-validation's (no rotation, its steps)."""
    size = config["preprocess"]["size"]
    models = config["models"]
    timings = {}
    for name in compared_candidates(config):
        log.info("timing %s", name)
        spec = resolve_spec(models["candidates"][name], models["head"], size)
        timings[name] = time_network(spec, train_settings(config, name), size, device, steps)
    job = SLICES["cross_validation"].typed(SLICES["cross_validation"].cut(config, {}))
    base = resolve_spec(models["candidates"][job.cv.candidate], models["head"], size)
    precision = timed_precision(base, job.training, size, device)
    for overrides in (setting.model_dump() for setting in job.cv.grid):
        log.info("timing the cross-validation setting %s", setting_name(overrides))
        spec = {**base, **overrides}
        timings[setting_name(overrides)] = time_network(spec, job.training, size, device, steps, precision)
    return timings


# ---- expected times ----


def training_seconds(job: PlannedJob, timings: dict[str, NetworkTiming]) -> float:
    """The job's optimizer steps."""
    return sum(fit.steps * timings[fit.network].step_seconds for fit in job.fits)


def forward_seconds(job: PlannedJob, timings: dict[str, NetworkTiming]) -> float:
    """The job's forward passes: its fits' evaluations and its predictions."""
    evaluations = sum(fit.evaluated_images * timings[fit.network].forward_seconds for fit in job.fits)
    return evaluations + job.predicted_images * timings[job.network].forward_seconds


def job_seconds(job: PlannedJob, timings: dict[str, NetworkTiming]) -> float:
    """Start-up, the precision probe (training jobs), the optimizer steps, the forward passes."""
    probe = timings[job.network].precision_seconds if job.fits else 0.0
    return job.starts * JOB_START_S + probe + training_seconds(job, timings) + forward_seconds(job, timings)


def serial_seconds(jobs: list[PlannedJob], timings: dict[str, NetworkTiming], other_seconds: float) -> float:
    """One job after another, each with all the cores (a small machine)."""
    return sum(job_seconds(job, timings) for job in jobs) + other_seconds


def critical_path_seconds(
    jobs: list[PlannedJob], timings: dict[str, NetworkTiming], cv_candidate: str, other_seconds: float
) -> float:
    """Every job that may run in parallel does, each on a machine like this one: the cross-validation beside the fold-0
    jobs (the cross-validated candidate's waits for it), then the other folds, then one prediction chunk; the rest
    of the DAG and the merger report added whole."""
    (cv,) = (job for job in jobs if job.stage == "cross-validation")
    (prediction,) = (job for job in jobs if job.stage == "prediction")
    cv_seconds = job_seconds(cv, timings)
    first = [job_seconds(job, timings) + (cv_seconds if job.network == cv_candidate else 0.0)
             for job in jobs if job.stage == "fold 0"]  # fmt: skip
    others = [job_seconds(job, timings) for job in jobs if job.stage == "other folds"]
    one_chunk = JOB_START_S + forward_seconds(prediction, timings) / prediction.starts
    return max([cv_seconds, *first]) + max(others, default=0.0) + one_chunk + other_seconds


@dataclass(frozen=True)
class Estimate:
    size: DataSize
    split: SplitSizes
    timings: dict[str, NetworkTiming]
    jobs: list[PlannedJob]  # with the slowest candidate chosen
    jobs_if_fastest: list[PlannedJob]
    slowest: str
    fastest: str
    merger_seconds: float
    rest_seconds: float
    device: str
    load_average: float | None


def estimate(config: dict, device: torch.device, steps: int, results: Path = RESULTS) -> Estimate:
    """Count the data, time every network, plan the run with each compared candidate chosen; keep the plans of the
    slowest and the fastest run."""
    size = data_size(config, results)
    split = split_sizes(size.labelled, config["split"]["test_fraction"], config["models"]["folds"])
    timings = time_networks(config, device, steps)
    plans = {name: plan_jobs(config, size, name) for name in compared_candidates(config)}
    merger, rest = merger_report_seconds(config, size), rest_of_dag_seconds(size)
    totals = {name: serial_seconds(jobs, timings, merger + rest) for name, jobs in plans.items()}
    slowest, fastest = max(totals, key=totals.get), min(totals, key=totals.get)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return Estimate(
        size,
        split,
        timings,
        plans[slowest],
        plans[fastest],
        slowest,
        fastest,
        merger,
        rest,
        device_words(device),
        load,
    )


def device_words(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU, {torch.get_num_threads()} threads"


# ---- the printed table ----


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def job_rows(result: Estimate) -> list[tuple[str, ...]]:
    rows = []
    for job in result.jobs:
        name = job.name + (" *" if job.stage == "other folds" else "")
        if job.fits:
            precision = result.timings[job.network].precision.precision
            per_step = f"{training_seconds(job, result.timings) / job.steps:.3f}"
            steps = f"{job.steps:,}"
        else:
            precision, per_step, steps = "float32", "", ""
        forward = minutes(forward_seconds(job, result.timings))
        rows.append((name, precision, steps, per_step, forward, minutes(job_seconds(job, result.timings))))
    rows.append(("merger report (known-answer diagnostic)", "", "", "", "", minutes(result.merger_seconds)))
    rows.append(("rest of the DAG (allowance)", "", "", "", "", minutes(result.rest_seconds)))
    return rows


def table(rows: list[tuple[str, ...]]) -> str:
    header = ("job", "precision", "steps", "s/step", "eval+predict min", "expected min")
    widths = [max(len(row[k]) for row in (header, *rows)) for k in range(len(header))]
    lines = []
    for row in (header, *rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def data_lines(result: Estimate, config: dict) -> list[str]:
    size, split, cv = result.size, result.split, config["cv"]
    held_out = split.folds[0]
    return [
        f"Data: {size.labelled:,} labelled and {size.unlabelled:,} unlabelled images",
        f"  ({size.source}).",
        f"  ~{split.test:,} in the test subset, {split.in_folds:,} in {len(split.folds)} folds: a fold model trains on"
        f" ~{split.in_folds - held_out:,} and holds out ~{held_out:,}.",
        f"  Cross-validation: {cv['folds']} folds x {len(cv['grid'])} settings of {cv['candidate']} on the"
        f" {split.in_folds:,}, no rotation.",
    ]


def rate_lines(result: Estimate, steps: int) -> list[str]:
    width = max(len(name) for name in result.timings)
    lines = [
        f"Rates here on random images (median of {steps} timed steps after {WARMUP_STEPS} warm-up; forward passes in"
        " float32 at the evaluation batch size):"
    ]
    for name, timing in result.timings.items():
        lines.append(
            f"  {name.ljust(width)}  {timing.precision.precision:8}  {timing.step_seconds:.3f} s a training step"
            f"  {1 / timing.forward_seconds:7,.0f} images/s forward"
        )
    return lines


def precision_lines(result: Estimate) -> list[str]:
    """Each training job's precision and why (the probe's rates under auto)."""
    trained = {job.name: job.network for job in result.jobs if job.fits and job.stage != "other folds"}
    lines = ["Precision of the training passes, as each job would resolve it now:"]
    for name, network in trained.items():
        choice = result.timings[network].precision
        lines.append(f"  {name}: {choice.precision} ({choice.reason})")
    return lines


def total_lines(result: Estimate, config: dict) -> list[str]:
    cv_candidate = config["cv"]["candidate"]
    other = result.merger_seconds + result.rest_seconds
    serial = serial_seconds(result.jobs, result.timings, other)
    serial_if_fastest = serial_seconds(result.jobs_if_fastest, result.timings, other)
    critical = critical_path_seconds(result.jobs, result.timings, cv_candidate, other)
    if_fastest = f" ({minutes(serial_if_fastest)} min if {result.fastest} is chosen)"
    if result.fastest == result.slowest:
        if_fastest = ""
    others = [job.name.split()[-1] for job in result.jobs if job.stage == "other folds"]
    return [
        f"* fold{'s' if len(others) > 1 else ''} {', '.join(others)} train the candidate chosen on fold 0, unknown"
        f" before the run: assumed the one that makes the slower run, {result.slowest}.",
        f"Expected whole run here ({result.device}; jobs one after another, each with all the cores):"
        f" {minutes(serial)} min{if_fastest}.",
        f"Expected critical path with a machine like this one per job (a cluster): {minutes(critical)} min"
        f" ({cv_candidate} fold 0 after the cross-validation, beside the other fold-0 jobs; then the other folds in"
        " parallel; one prediction chunk; the merger report and the rest of the DAG whole).",
    ]


def assumption_lines(result: Estimate, config: dict) -> list[str]:
    load = f" (load average {result.load_average:.1f} while timing)" if result.load_average is not None else ""
    text = (
        f"Assumptions: the rates measured now{load} hold through the run; other work on the machine during the run"
        " slows it. Each job resolves training.cpu_bfloat16 again at its start (auto probes) and may choose"
        f" otherwise on a busy machine. The {config['cv']['candidate']} fold models train the cross-validation's"
        f" chosen setting, timed here with the candidate's own keys. {JOB_START_S:.0f} s of start-up per job. The"
        " merger report and the rest of the DAG scale the times measured in two whole runs on 2 cores"
        " (docs/performance.md), not timed here. A resumed run costs less."
    )
    return textwrap.wrap(text, width=118, subsequent_indent="  ")


def render(result: Estimate, config: dict, configfiles: list[str], steps: int) -> str:
    """The printed estimate: data, rates, precision, one row per job, the totals, the assumptions."""
    title = f"Expected wall time of a run of {' + '.join(configfiles)} on this machine, before it starts."
    parts = [
        [title],
        data_lines(result, config),
        rate_lines(result, steps),
        precision_lines(result),
        [table(job_rows(result))],
        total_lines(result, config),
        assumption_lines(result, config),
    ]
    return "\n\n".join("\n".join(part) for part in parts)
