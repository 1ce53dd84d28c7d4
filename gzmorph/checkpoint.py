"""The one checkpoint format: a network, what rebuilds and feeds it, and the state a stopped run resumes from.

Two files of this one shape exist per trained model: ``model.pt`` holds the kept weights (lowest validation RMSE)
with no optimizer state; ``checkpoint.pt`` holds the last weights with the optimizer and scheduler state, written
after every epoch. Both are written to a temporary file and renamed, so a crash never leaves half a file, and both
carry a format name and version, so a foreign or older file is refused with one line naming it.
"""

import os
from dataclasses import dataclass, field, fields

import torch

from gzmorph.geometry import Geometry
from gzmorph.io import atomic_path

FORMAT = "gzmorph-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A file that is not a readable gzmorph checkpoint of this version; the message names the file."""


@dataclass
class Checkpoint:
    model_spec: dict  # what gzmorph.models.build_model turns into the network
    geometry: Geometry  # the network view the model was trained on
    model_state: dict  # state_dict, on the CPU
    fingerprint: dict  # model spec, settings, data and geometry of the run (a resume must match all but epochs)
    history: list[dict] = field(default_factory=list)  # one row per evaluation step (training.HISTORY_COLUMNS)
    epoch: int = 0  # epochs trained when this was saved (for a kept model: the epoch of its weights)
    validation_rmse: float | None = None  # of these weights
    images_seen: int = 0  # training images seen by these weights
    optimizer_state: dict | None = None  # only in the last-state checkpoint
    scheduler_state: dict | None = None
    ema_state: dict | None = None  # last-state checkpoint of a run with ema_decay: the averaged weights
    best: dict | None = None  # last-state checkpoint: the kept weights so far and their scores


def save(checkpoint: Checkpoint, path: str | os.PathLike) -> None:
    """torch.save to a temporary file beside ``path``, then rename it into place."""
    content = {f.name: getattr(checkpoint, f.name) for f in fields(checkpoint)}
    content["geometry"] = {"crop_px": checkpoint.geometry.crop_px, "size": checkpoint.geometry.size}
    with atomic_path(path) as partial:
        torch.save({"format": FORMAT, "version": VERSION, **content}, partial)


def load(path: str | os.PathLike, map_location: torch.device | str = "cpu") -> Checkpoint:
    """The checkpoint at ``path``; CheckpointError naming the file for anything else (garbage, other formats)."""
    try:
        content = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch raises a dozen types for a damaged or foreign file
        raise CheckpointError(f"{path}: not a readable gzmorph checkpoint ({type(error).__name__})") from error
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a gzmorph checkpoint (no '{FORMAT}' format marker)")
    if content.get("version") != VERSION:
        raise CheckpointError(f"{path}: gzmorph checkpoint version {content.get('version')}, this code reads {VERSION}")
    names = {f.name for f in fields(Checkpoint)}
    try:
        values = {name: content[name] for name in names if name in content}
        values["geometry"] = Geometry(int(content["geometry"]["crop_px"]), int(content["geometry"]["size"]))
        return Checkpoint(**values)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: gzmorph checkpoint with a missing or damaged entry ({error})") from error
