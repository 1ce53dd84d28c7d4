"""The training loop: MSE loss, RMSE history at evaluation steps, resume from the last state, the kept last weights.

The run's length is ``settings.steps`` optimizer steps, rounded up to whole epochs (:func:`epochs_for`), so a larger
data set means fewer epochs, not a longer run. The kept model is the last evaluated one (the moving average of the
weights if the run keeps one): no choice looks at the held-out labels, which are read only for the history's
curves, so a fold model's held-out fold stays clean for calibration.

One call of :func:`fit` trains one network on uint8 fields held in memory (on the GPU when there is one: the whole
Kaggle training set is under 1 GB at the default 68-px field). It reads as its steps: start (or restore), train one
epoch with its evaluation steps, save the last state; then return the kept model. Each epoch draws its shuffling,
augmentation and dropout randomness from (seed, epoch) alone, so a run resumed from the state saved at the end of
an epoch continues exactly as the uninterrupted run would have.
"""

import logging
import math
import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from gzmorph import checkpoint
from gzmorph.augment import to_device_batch
from gzmorph.checkpoint import Checkpoint
from gzmorph.geometry import Geometry
from gzmorph.inference import autocast, predict, training_precision
from gzmorph.metrics import rmse
from gzmorph.models import build_model, start_at_mean, start_from_pretrained
from gzmorph.settings import TrainSettings
from gzmorph.shards import ShardSet

log = logging.getLogger(__name__)

HISTORY_COLUMNS = ("images_seen", "epoch", "train_rmse", "validation_rmse", "lr", "wall_seconds")


@dataclass(frozen=True)
class TrainingData:
    """The galaxies of one run: uint8 fields (N, F, F, 3) and float32 labels (N, 37), and what identifies them."""

    train_images: np.ndarray
    train_labels: np.ndarray
    valid_images: np.ndarray
    valid_labels: np.ndarray
    fingerprint: dict = field(default_factory=dict)  # changes when the galaxies change (the resume check)

    @classmethod
    def from_shards(cls, train: ShardSet, valid: ShardSet) -> "TrainingData":
        if train.labels is None or valid.labels is None:
            raise ValueError(f"{train.set_dir}: no label columns; training needs a labelled set")
        fingerprint = {"train": ids_fingerprint(train.ids), "validation": ids_fingerprint(valid.ids)}
        return cls(train.all_images(), train.labels, valid.all_images(), valid.labels, fingerprint)


def ids_fingerprint(ids: np.ndarray) -> dict:
    """Plain numbers that change when the set of GalaxyIDs changes."""
    mixed = np.asarray(ids, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return {"n": len(ids), "mix": int(np.bitwise_xor.reduce(mixed)) if len(ids) else 0}


@dataclass
class FitResult:
    model: nn.Module  # with the kept (last evaluated) weights, in eval mode
    checkpoint: Checkpoint  # the kept model (what model.pt holds)
    history: pd.DataFrame  # HISTORY_COLUMNS, one row per evaluation step
    validation_rmse: float  # of the kept model, on the held-out images (reported, never used for a choice)
    train_seconds: float  # wall time of all training and evaluation, summed over resumed runs


@dataclass
class Run:
    """Everything that changes while a network trains, and what is needed to save and restore it."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau | None
    fingerprint: dict
    ema: AveragedModel | None = None  # the moving average of the weights that is evaluated and kept, if any
    history: list[dict] = field(default_factory=list)
    epoch: int = 0
    images_seen: int = 0  # training images through the optimizer so far
    started: float = field(default_factory=time.perf_counter)
    seconds_before: float = 0.0  # wall time of earlier, resumed runs
    head_steps: int = 0  # optimizer steps that train the output layer alone (a pretrained encoder's finetuning)
    cpu_bfloat16: bool = False  # the job's resolved precision switch (gzmorph.precision)

    @property
    def wall_seconds(self) -> float:
        return self.seconds_before + time.perf_counter() - self.started


def fit(
    spec: dict,
    settings: TrainSettings,
    data: TrainingData,
    geometry: Geometry,
    device: torch.device,
    checkpoint_path: str | os.PathLike | None = None,
    stop_after_epochs: int | None = None,
    progress: bool | tqdm = True,
    cpu_bfloat16: bool | None = None,
) -> FitResult:
    """Train ``build_model(spec)`` for ``settings.steps`` optimizer steps (whole epochs), evaluating
    ``settings.evaluations_per_epoch`` times in every ``settings.evaluate_every``-th epoch and the last; keep the last
    evaluated weights. With ``checkpoint_path`` the
    last state is saved there after every epoch and a run whose saved state matches this model, data, geometry and
    settings (steps aside) resumes from it. ``stop_after_epochs`` ends this call after that many epochs in total (to
    simulate an interrupted run). ``progress``: one bar on stderr over the run's optimizer steps, or False, or a bar
    of the caller's to advance. ``cpu_bfloat16`` is the job's resolved precision switch
    (``gzmorph.precision.job_precision``); None takes ``settings.cpu_bfloat16``, which must then be true or false."""
    epochs = epochs_for(settings.steps, len(data.train_images), settings.batch_size)
    run = start(spec, settings, data, geometry, device, epochs, resolved_cpu_bfloat16(settings, cpu_bfloat16))
    if checkpoint_path is not None and Path(checkpoint_path).exists():
        restore(run, checkpoint_path, settings)
    images = DeviceImages(data, device)
    last = epochs if stop_after_epochs is None else min(epochs, stop_after_epochs)
    steps_per_epoch = batches_per_epoch(len(data.train_images), settings.batch_size)
    with step_bar(progress, epochs * steps_per_epoch, run.epoch * steps_per_epoch) as bar:
        for epoch in range(run.epoch, last):
            train_one_epoch(run, images, settings, geometry.size, device, epoch, epochs, bar)
            if checkpoint_path is not None:
                checkpoint.save(last_state(run, spec, geometry), checkpoint_path)
    return kept_model(run, spec, geometry)


def resolved_cpu_bfloat16(settings: TrainSettings, cpu_bfloat16: bool | None) -> bool:
    """``cpu_bfloat16`` if given, else the configured true or false."""
    if cpu_bfloat16 is not None:
        return cpu_bfloat16
    if not isinstance(settings.cpu_bfloat16, bool):
        raise ValueError(
            f"training.cpu_bfloat16 is {settings.cpu_bfloat16!r}: resolve it once per job with"
            " gzmorph.precision.job_precision and pass fit its cpu_bfloat16"
        )
    return settings.cpu_bfloat16


def step_bar(progress: bool | tqdm, total: int, done: int):
    """A context holding the bar that training advances: the caller's, or one of its own over ``total`` optimizer
    steps, ``done`` of them before (a resumed run), closed at the end."""
    if isinstance(progress, tqdm):
        return nullcontext(progress)
    return steps_progress("training", total, done, disable=not progress)


def steps_progress(desc: str, total: int, done: int = 0, disable: bool = False) -> tqdm:
    """A bar on stderr over ``total`` optimizer steps with the elapsed time and the time left."""
    # A redraw every few seconds keeps a job's log short; smoothing 0 takes the average rate since the start for the
    # time left, as evaluations come in lumps.
    return tqdm(total=total, initial=done, desc=desc, unit="step", mininterval=5.0, smoothing=0.0, disable=disable)


def evaluated_epoch(epoch: int, epochs: int, every: int) -> bool:
    """Whether epoch ``epoch`` (0-based) of ``epochs`` holds evaluation steps: every ``every``-th, and the last."""
    return (epoch + 1) % every == 0 or epoch + 1 == epochs


def batches_per_epoch(n_images: int, batch_size: int) -> int:
    """Optimizer steps in one epoch of ``n_images``: the last partial batch is dropped (batch norm needs more than
    one image)."""
    return max(n_images // min(batch_size, n_images), 1)


def epochs_for(steps: int, n_images: int, batch_size: int) -> int:
    """Whole epochs holding at least ``steps`` optimizer steps of ``batches_per_epoch`` each."""
    return max(math.ceil(steps / batches_per_epoch(n_images, batch_size)), 1)


def start(
    spec: dict,
    settings: TrainSettings,
    data: TrainingData,
    geometry: Geometry,
    device: torch.device,
    epochs: int,
    cpu_bfloat16: bool,
) -> Run:
    """A fresh network (from its pretrained weights, if any) that predicts the training-mean labels, its optimizer
    and scheduler; its passes in bfloat16 where ``cpu_bfloat16`` or on CUDA."""
    torch.manual_seed(settings.seed)
    model = build_model(spec)
    start_from_pretrained(model, spec)
    start_at_mean(model, np.mean(data.train_labels, axis=0))
    model = to_training_device(model, device, cpu_bfloat16)
    finetune = spec.get("finetune")
    optimizer = make_optimizer(model, settings, finetune)
    geometry_dict = {"crop_px": geometry.crop_px, "size": geometry.size}
    fingerprint = {
        "model_spec": spec,
        "settings": settings.model_dump(),
        "geometry": geometry_dict,
        "data": data.fingerprint,
        "precision": training_precision(device, cpu_bfloat16),  # not compared on resume (restore warns)
    }
    total_steps = epochs * batches_per_epoch(len(data.train_images), settings.batch_size)
    scheduler = make_scheduler(optimizer, settings, total_steps)
    head_steps = finetune["head_steps"] if finetune else 0
    ema = make_ema(model, settings)
    return Run(model, optimizer, scheduler, fingerprint, ema, head_steps=head_steps, cpu_bfloat16=cpu_bfloat16)


def to_training_device(model: nn.Module, device: torch.device, cpu_bfloat16: bool) -> nn.Module:
    """The model on ``device``, channels_last where its passes run in bfloat16 (the faster layout there)."""
    model = model.to(device)
    if training_precision(device, cpu_bfloat16) == "bfloat16":
        model = model.to(memory_format=torch.channels_last)
    return model


def restore(run: Run, path: str | os.PathLike, settings: TrainSettings) -> None:
    """Continue from the last state saved at ``path`` if it belongs to this run; otherwise start afresh."""
    saved = checkpoint.load(path)
    if not _same_run(saved.fingerprint, run.fingerprint):
        log.warning("%s: saved for another model, data or settings; starting afresh", path)
        return
    run.model.load_state_dict(saved.model_state)
    run.optimizer.load_state_dict(saved.optimizer_state)
    if run.scheduler is not None:
        run.scheduler.load_state_dict(saved.scheduler_state)
    if run.ema is not None:
        run.ema.load_state_dict(saved.ema_state)
    run.history, run.epoch, run.images_seen = saved.history, saved.epoch, saved.images_seen
    run.seconds_before = run.history[-1]["wall_seconds"] if run.history else 0.0
    log.info("%s: resuming after epoch %d", path, run.epoch)
    warn_of_other_precision(path, saved.fingerprint.get("precision"), run.fingerprint["precision"])


def _same_run(saved: dict, wanted: dict) -> bool:
    """Equal apart from the number of steps (so a finished run can be extended) and the precision (``auto`` may
    resolve differently on the machine that resumes it)."""

    def comparable(fingerprint: dict) -> dict:
        settings = {k: v for k, v in fingerprint.get("settings", {}).items() if k != "steps"}
        return {**{k: v for k, v in fingerprint.items() if k != "precision"}, "settings": settings}

    return comparable(saved) == comparable(wanted)


def warn_of_other_precision(path: str | os.PathLike, saved: str | None, now: str) -> None:
    """A warning where a resumed run continues in another precision than it was saved in (None: not recorded)."""
    if saved is not None and saved != now:
        log.warning(
            "%s: trained in %s so far, continuing in %s (training.cpu_bfloat16 resolved differently here); the "
            "numbers will differ from those of an uninterrupted run",
            path,
            saved,
            now,
        )


class DeviceImages:
    """The run's images where training reads them: on CUDA the uint8 sets move to the GPU once; on the CPU they stay
    numpy arrays."""

    def __init__(self, data: TrainingData, device: torch.device):
        on_gpu = device.type == "cuda"
        self.train = torch.from_numpy(data.train_images).to(device) if on_gpu else data.train_images
        self.valid = torch.from_numpy(data.valid_images).to(device) if on_gpu else data.valid_images
        self.train_labels = torch.from_numpy(np.asarray(data.train_labels, dtype=np.float32)).to(device)
        self.valid_labels = data.valid_labels

    def take(self, rows: np.ndarray) -> np.ndarray | torch.Tensor:
        if isinstance(self.train, torch.Tensor):
            return self.train[torch.from_numpy(rows).to(self.train.device)]
        return self.train[rows]


def train_one_epoch(
    run: Run,
    images: DeviceImages,
    settings: TrainSettings,
    size: int,
    device: torch.device,
    epoch: int,
    epochs: int,
    bar: tqdm,
) -> None:
    """One pass over the shuffled training images, a cosine schedule stepping after every batch; in an evaluated
    epoch (:func:`evaluated_epoch`), evaluate after the batches where an evaluation step falls. ``bar`` advances a step
    a batch and shows the last RMSEs."""
    n = len(images.train)
    batch_size = min(settings.batch_size, n)
    n_batches = batches_per_epoch(n, batch_size)
    steps = settings.evaluations_per_epoch
    evaluate_after = {round(n_batches * (k + 1) / steps) for k in range(steps)}
    if not evaluated_epoch(epoch, epochs, settings.evaluate_every):
        evaluate_after = set()
    seed = _epoch_seed(settings.seed, epoch)
    order = np.random.default_rng(seed).permutation(n)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # dropout
    run.model.train()
    squared, counted = torch.zeros((), device=device), 0
    for b in range(n_batches):
        rows = order[b * batch_size : (b + 1) * batch_size]
        if run.head_steps:
            follow_finetuning_schedule(run.model, epoch * n_batches + b, run.head_steps)
        x = to_device_batch(
            images.take(rows),
            device,
            size,
            settings.rotate,
            generator,
            settings.augment.shift_px,
            settings.augment.zoom,
        )
        y = images.train_labels[torch.from_numpy(rows).to(device)]
        loss = train_step(run.model, run.optimizer, x, y, device, run.cpu_bfloat16)
        if run.ema is not None:
            run.ema.update_parameters(run.model)
        squared, counted, run.images_seen = squared + loss * len(rows), counted + len(rows), run.images_seen + len(rows)
        if b + 1 in evaluate_after:
            row = evaluate(run, images, settings, size, device, epoch, math.sqrt(float(squared) / counted))
            postfix = {"train": f"{row['train_rmse']:.4f}", "valid": f"{row['validation_rmse']:.4f}"}
            bar.set_postfix(postfix, refresh=False)  # shown with the update below: no extra line in the log
            squared, counted = torch.zeros((), device=device), 0
        bar.update()
        if isinstance(run.scheduler, torch.optim.lr_scheduler.CosineAnnealingLR):
            run.scheduler.step()  # after the evaluation, so its row records the lr of the batches before it
    run.epoch = epoch + 1


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    device: torch.device,
    cpu_bfloat16: bool = False,
) -> torch.Tensor:
    """One optimizer step on the MSE loss of a batch already on the device; returns the loss (a device scalar)."""
    with autocast(device, cpu_bfloat16):
        predicted = model(x)
    loss = nn.functional.mse_loss(predicted.float(), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def evaluate(
    run: Run,
    images: DeviceImages,
    settings: TrainSettings,
    size: int,
    device: torch.device,
    epoch: int,
    train_rmse: float,
) -> dict:
    """One evaluation step: held-out RMSE (for the history only), a history row and the learning-rate schedule
    (a plateau schedule follows the training RMSE, so no held-out label steers the run)."""
    lr = run.optimizer.param_groups[0]["lr"]
    model = evaluated_model(run)
    recalibration_images = images.train[: settings.bn_recalibration_images]
    recalibrate_batch_norm(model, recalibration_images, size, device, settings.eval_batch_size)
    predicted = predict(model, images.valid, size, device, batch_size=settings.eval_batch_size)
    row = {
        "images_seen": run.images_seen,
        "epoch": epoch + 1,
        "train_rmse": train_rmse,
        "validation_rmse": rmse(images.valid_labels, predicted),
        "lr": lr,
        "wall_seconds": run.wall_seconds,
    }
    run.history.append(row)
    log.info(
        "epoch %d, %d images: train RMSE %.4f, validation RMSE %.4f, lr %.2g",
        epoch + 1,
        run.images_seen,
        train_rmse,
        row["validation_rmse"],
        lr,
    )
    if isinstance(run.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        run.scheduler.step(train_rmse)
    return row


def make_ema(model: nn.Module, settings: TrainSettings) -> AveragedModel | None:
    """An exponential moving average of ``model``'s weights, updated after every optimizer step (None if off).

    Only the weights are averaged; batch-norm statistics come from ``recalibrate_batch_norm`` before each use.
    """
    if settings.ema_decay == 0:
        return None
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(settings.ema_decay), use_buffers=False)


def evaluated_model(run: Run) -> nn.Module:
    """What is evaluated and kept: the moving average of the weights if the run keeps one, else the weights."""
    return run.model if run.ema is None else run.ema.module


@torch.no_grad()
def recalibrate_batch_norm(
    model: nn.Module, images: np.ndarray | torch.Tensor, size: int, device: torch.device, batch_size: int
) -> None:
    """Replace the batch-norm running statistics by their average over ``images`` (central views).

    Running statistics are a moving average over recent training batches of weights that kept changing, so early
    in training (or on a small data set) they lag the network and the evaluated model is much worse than the one
    being trained (seen here: validation RMSE 0.24 instead of 0.155 for ResNet18 after 40 steps).
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms or len(images) == 0:
        return
    was_training = model.training
    model.eval()
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
        m.train()
    for start_row in range(0, len(images), batch_size):
        with autocast(device):
            model(to_device_batch(images[start_row : start_row + batch_size], device, size, rotate=False))
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum
    model.train(was_training)


def last_state(run: Run, spec: dict, geometry: Geometry) -> Checkpoint:
    """What checkpoint.pt holds: the last weights with the optimizer, scheduler and moving-average state."""
    return Checkpoint(
        model_spec=spec,
        geometry=geometry,
        model_state=_cpu_copy(run.model.state_dict()),
        fingerprint=run.fingerprint,
        history=run.history,
        epoch=run.epoch,
        validation_rmse=run.history[-1]["validation_rmse"] if run.history else None,
        images_seen=run.images_seen,
        optimizer_state=run.optimizer.state_dict(),
        scheduler_state=None if run.scheduler is None else run.scheduler.state_dict(),
        ema_state=None if run.ema is None else _cpu_copy(run.ema.state_dict()),
    )


def kept_model(run: Run, spec: dict, geometry: Geometry) -> FitResult:
    """The last evaluated network (the moving average if the run keeps one, with the batch-norm statistics of that
    evaluation), in eval mode, and what model.pt holds."""
    if not run.history:
        raise RuntimeError("training ran no evaluation step: set training steps to at least 1")
    model = evaluated_model(run).eval()
    last = run.history[-1]
    kept = Checkpoint(
        model_spec=spec,
        geometry=geometry,
        model_state=_cpu_copy(model.state_dict()),
        fingerprint=run.fingerprint,
        history=run.history,
        epoch=run.epoch,
        validation_rmse=last["validation_rmse"],
        images_seen=last["images_seen"],
    )
    history = pd.DataFrame(run.history, columns=list(HISTORY_COLUMNS))
    return FitResult(model, kept, history, last["validation_rmse"], float(last["wall_seconds"]))


def _epoch_seed(seed: int, epoch: int) -> int:
    return (seed * 1_000_003 + epoch) % 2**63


def _cpu_copy(state: dict) -> dict:
    """A CPU copy of a model state_dict that later optimizer steps do not change."""
    return {k: v.detach().to("cpu", copy=True) for k, v in state.items()}


def make_optimizer(model: nn.Module, settings: TrainSettings, finetune: dict | None = None) -> torch.optim.Optimizer:
    """The optimizer at ``settings.lr``; when finetuning, the output layer's parameters keep it (the first group, whose
    lr the history records) and the rest of the network takes ``finetune["encoder_lr"]``."""
    optimizers = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    if settings.optimizer not in optimizers:
        raise ValueError(f"unknown optimizer {settings.optimizer!r}; choose one of {sorted(optimizers)}")
    groups: list[dict] = [{"params": list(model.parameters())}]
    if finetune:
        output = list(model.output_layer().parameters())
        encoder = [p for p in model.parameters() if all(p is not q for q in output)]
        groups = [{"params": output}, {"params": encoder, "lr": finetune["encoder_lr"]}]
    return optimizers[settings.optimizer](groups, lr=settings.lr, weight_decay=settings.weight_decay)


def follow_finetuning_schedule(model: nn.Module, step: int, head_steps: int) -> None:
    """Before optimizer step ``step``: the output layer alone for the first ``head_steps`` steps, then everything."""
    if step in (0, head_steps):  # logged where the schedule starts and where it changes
        log.info("optimizer step %d: %s", step, "the output layer alone" if step < head_steps else "every layer")
    freeze_all_but_output(model, step < head_steps)


def freeze_all_but_output(model: nn.Module, frozen: bool) -> None:
    """Freeze (or unfreeze) every parameter but the output layer's: the head trains alone while ``frozen``."""
    output = {id(p) for p in model.output_layer().parameters()}
    for parameter in model.parameters():
        if id(parameter) not in output:
            parameter.requires_grad_(not frozen)


def make_scheduler(optimizer: torch.optim.Optimizer, settings: TrainSettings, total_steps: int):
    if settings.scheduler == "none":
        return None
    if settings.scheduler == "plateau":
        plateau = settings.plateau
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=plateau.factor, patience=plateau.patience, min_lr=plateau.min_lr
        )
    if settings.scheduler == "cosine":  # from lr to 0 over the run's optimizer steps
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    raise ValueError(f"unknown scheduler {settings.scheduler!r}; choose none, plateau or cosine")
