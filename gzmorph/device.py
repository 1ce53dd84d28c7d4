"""Where a script computes, and the job context that every rule's log records.

On a SLURM GPU node the job is given its GPU through CUDA_VISIBLE_DEVICES, which CUDA honours by itself, so the
first visible device is the right one; anywhere else the script falls back to the CPU with the rule's threads.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def pick_device(threads: int) -> torch.device:
    """The first GPU this process may use, else the CPU with ``threads`` intra-op threads; logs the choice."""
    # Imported here, not at the top, so that log_job_context stays cheap for scripts that never use torch.
    import torch

    if threads < 1:
        raise ValueError(f"pick_device: threads must be at least 1, got {threads}")
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "unset")
    job = os.environ.get("SLURM_JOB_ID", "unset")
    if torch.cuda.is_available():
        device = torch.device("cuda", 0)
        log.info(
            "device: %s (%s), CUDA_VISIBLE_DEVICES=%s, SLURM_JOB_ID=%s",
            device,
            torch.cuda.get_device_name(device),
            visible,
            job,
        )
    else:
        torch.set_num_threads(threads)
        device = torch.device("cpu")
        log.info(
            "device: cpu with %d threads (no CUDA device), CUDA_VISIBLE_DEVICES=%s, SLURM_JOB_ID=%s",
            threads,
            visible,
            job,
        )
    return device


def log_job_context() -> dict[str, str]:
    """Log the host and the SLURM job (``SLURM_JOB_ID=<id>``, or ``unset`` outside SLURM); returns both."""
    context = {"host": socket.gethostname(), "SLURM_JOB_ID": os.environ.get("SLURM_JOB_ID", "unset")}
    log.info("job context: host=%s SLURM_JOB_ID=%s", context["host"], context["SLURM_JOB_ID"])
    return context
