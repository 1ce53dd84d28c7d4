"""The precision a training job's passes run in, bfloat16 autocast or float32: ``training.cpu_bfloat16``, resolved once
per job.

On CUDA the passes are always bfloat16. On the CPU ``true`` and ``false`` decide; ``auto`` takes bfloat16 only where
the CPU runs it natively (``avx512_bf16`` or ``amx_bf16`` among its flags) and a short probe of the job's own model
finds it faster. Without those instructions PyTorch emulates bfloat16 and a training step is 8-13x slower, with no
warning; PyTorch's capability "AVX512" does not tell, as AVX512 exists without BF16. A job resolves the setting with
:func:`job_precision` before training and passes the plain switch on (``gzmorph.training.fit``'s ``cpu_bfloat16``).
"""

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from gzmorph.labels import N_LABELS
from gzmorph.models import build_model
from gzmorph.settings import TrainSettings
from gzmorph.training import to_training_device, train_step

log = logging.getLogger(__name__)

CPUINFO = Path("/proc/cpuinfo")
NATIVE_FLAGS = ("avx512_bf16", "amx_bf16")  # CPU flags of native bfloat16 arithmetic
PROBE_WARMUP_STEPS = 1
PROBE_TIMED_STEPS = 3


@dataclass(frozen=True)
class PrecisionChoice:
    precision: str  # "bfloat16" | "float32": the dtype of the training passes
    reason: str  # why, in words: the job's log, its metrics.json, the report's recipe line
    rates: dict | None = None  # the probe's training images/s per precision, where one ran

    @property
    def cpu_bfloat16(self) -> bool:
        """The resolved switch that training takes."""
        return self.precision == "bfloat16"


def job_precision(spec: dict, settings: TrainSettings, size: int, device: torch.device) -> PrecisionChoice:
    """The precision of a training job's passes, probing ``build_model(spec)`` at the job's batch size and view
    ``size`` where ``settings.cpu_bfloat16`` is auto and the CPU has native bfloat16; logged."""
    choice = choose_precision(
        settings.cpu_bfloat16, device, lambda: probe_rates(spec, settings.batch_size, size, device)
    )
    log.info("training passes in %s (%s)", choice.precision, choice.reason)
    return choice


def choose_precision(
    configured: bool | str,
    device: torch.device,
    probe: Callable[[], dict[str, float]],
    cpuinfo: Path = CPUINFO,
) -> PrecisionChoice:
    """The rule: bfloat16 on CUDA; on the CPU ``configured`` true or false, or for auto bfloat16 where the CPU flags
    show native bfloat16 and ``probe`` (training images/s per precision, run only then) finds it faster."""
    if torch.device(device).type == "cuda":
        return PrecisionChoice("bfloat16", "always on CUDA")
    if isinstance(configured, bool):
        return PrecisionChoice("bfloat16" if configured else "float32", f"cpu_bfloat16: {str(configured).lower()}")
    if configured != "auto":
        raise ValueError(f"training.cpu_bfloat16 must be true, false or auto, got {configured!r}")
    flags = native_bfloat16_flags(cpuinfo)
    if not flags:
        return PrecisionChoice("float32", "auto: no native bfloat16 on this CPU")
    rates = probe()
    faster = rates["bfloat16"] > rates["float32"]
    reason = (
        f"auto: CPU flags show {', '.join(flags)}; probe: bfloat16 {rates['bfloat16']:.0f} images/s against"
        f" float32 {rates['float32']:.0f} images/s"
    )
    return PrecisionChoice("bfloat16" if faster else "float32", reason, rates)


def native_bfloat16_flags(cpuinfo: Path = CPUINFO) -> tuple[str, ...]:
    """Those of NATIVE_FLAGS that the CPU's flags (the first ``flags`` line of ``cpuinfo``) hold."""
    try:
        text = cpuinfo.read_text()
    except OSError:  # no /proc/cpuinfo (macOS, Windows): only PyTorch's word for AMX tells
        return ("amx",) if "AMX" in torch.backends.cpu.get_cpu_capability() else ()
    flags_line = next((line for line in text.splitlines() if line.split(":")[0].strip() == "flags"), "")
    flags = set(flags_line.partition(":")[2].split())
    return tuple(flag for flag in NATIVE_FLAGS if flag in flags)


def probe_rates(spec: dict, batch_size: int, size: int, device: torch.device) -> dict[str, float]:
    """Training images/s of ``build_model(spec)`` in float32 and in bfloat16 on a random batch: the fastest of
    PROBE_TIMED_STEPS steps after PROBE_WARMUP_STEPS, the two precisions taking turns so that load from other work
    hits both alike. Torch's random state is restored afterwards: the training that follows is the same whatever
    the probe finds."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = build_model(spec)
        x = torch.rand(batch_size, 3, size, size, device=device)
        y = torch.rand(batch_size, N_LABELS, device=device)
        steps = {name: _timed_step(model, x, y, device, name == "bfloat16") for name in ("float32", "bfloat16")}
        seconds: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(PROBE_WARMUP_STEPS + PROBE_TIMED_STEPS):
            for name, step in steps.items():
                seconds[name].append(step())
    return {name: round(batch_size / min(times[PROBE_WARMUP_STEPS:]), 1) for name, times in seconds.items()}


def _timed_step(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, device: torch.device, cpu_bfloat16: bool
) -> Callable:
    """A function running one training step of a copy of ``model`` (as training holds it) and returning its
    seconds."""
    trained = to_training_device(copy.deepcopy(model), device, cpu_bfloat16).train()
    # plain AdamW, not the job's optimizer: parameter groups change no step's cost
    optimizer = torch.optim.AdamW(trained.parameters())

    def step() -> float:
        start = time.perf_counter()
        train_step(trained, optimizer, x, y, device, cpu_bfloat16)
        return time.perf_counter() - start

    return step
