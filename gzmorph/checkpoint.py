"""The one checkpoint format: a network, what rebuilds and feeds it, and the state a stopped run resumes from.

Two files of this one shape exist per trained fold model: ``model.pt`` holds the kept (last evaluated) weights with
no optimizer state; ``checkpoint.pt`` holds the last state with the optimizer and scheduler, written after every
epoch. The published model (``results/models/best/model.pt``) is the ensemble form: the K fold models' checkpoints
under their own format marker and version. All are written to a temporary file and renamed, so a crash never leaves
half a file, and all carry a format name and version, so a foreign or older file is refused with one line naming it.
"""

import os
from dataclasses import dataclass, field, fields

import torch

from gzmorph.geometry import Geometry
from gzmorph.io import atomic_path

FORMAT = "gzmorph-checkpoint"
VERSION = 1
ENSEMBLE_FORMAT = "gzmorph-ensemble"  # the published model: the fold models of one architecture, averaged
ENSEMBLE_VERSION = 1


class CheckpointError(ValueError):
    """A file that is not a readable gzmorph checkpoint of this version; the message names the file."""


@dataclass
class Checkpoint:
    model_spec: dict  # what gzmorph.models.build_model turns into the network
    geometry: Geometry  # the network view the model was trained on
    model_state: dict  # state_dict, on the CPU
    fingerprint: dict  # model spec, settings, data and geometry of the run (a resume must match all but steps)
    history: list[dict] = field(default_factory=list)  # one row per evaluation step (training.HISTORY_COLUMNS)
    epoch: int = 0  # epochs trained when this was saved
    validation_rmse: float | None = None  # of these weights
    images_seen: int = 0  # training images seen by these weights
    optimizer_state: dict | None = None  # only in the last-state checkpoint
    scheduler_state: dict | None = None
    ema_state: dict | None = None  # last-state checkpoint of a run with ema_decay: the averaged weights


@dataclass
class EnsembleCheckpoint:
    """The fold models of one architecture, one loadable unit; its network predicts the mean of the members."""

    members: list[Checkpoint]  # in fold order: member k was trained without fold k
    info: dict = field(default_factory=dict)  # what chose it (architecture, out-of-fold scores)

    @property
    def geometry(self) -> Geometry:
        return self.members[0].geometry


def save(checkpoint: Checkpoint, path: str | os.PathLike) -> None:
    """torch.save to a temporary file beside ``path``, then rename it into place."""
    _save({"format": FORMAT, "version": VERSION, **_content(checkpoint)}, path)


def save_ensemble(ensemble: "EnsembleCheckpoint", path: str | os.PathLike) -> None:
    """The ensemble form: every member's content under one format marker and version, written atomically."""
    members = [_content(member) for member in ensemble.members]
    content = {"format": ENSEMBLE_FORMAT, "version": ENSEMBLE_VERSION, "members": members, "info": ensemble.info}
    _save(content, path)


def _save(content: dict, path: str | os.PathLike) -> None:
    """torch.save through a Python file: torch's own writer would lose the errno of a full disk and keep its file
    open after failing."""
    with atomic_path(path) as partial, partial.open("wb") as file:
        torch.save(content, file)


def load(path: str | os.PathLike, map_location: torch.device | str = "cpu") -> Checkpoint:
    """The checkpoint at ``path``; CheckpointError naming the file for anything else (garbage, other formats)."""
    content = _read(path, map_location)
    if content.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a gzmorph checkpoint (no '{FORMAT}' format marker)")
    return _checkpoint(content, path, VERSION)


def load_any(path: str | os.PathLike, map_location: torch.device | str = "cpu") -> "Checkpoint | EnsembleCheckpoint":
    """A single checkpoint or an ensemble, whichever ``path`` holds; CheckpointError naming the file otherwise."""
    content = _read(path, map_location)
    if content.get("format") == FORMAT:
        return _checkpoint(content, path, VERSION)
    if content.get("format") != ENSEMBLE_FORMAT:
        raise CheckpointError(f"{path}: not a gzmorph checkpoint (no '{FORMAT}' or '{ENSEMBLE_FORMAT}' marker)")
    _check_version(content, path, ENSEMBLE_VERSION)
    try:
        members = [_checkpoint({**member, "version": VERSION}, path, VERSION) for member in content["members"]]
        ensemble = EnsembleCheckpoint(members, dict(content["info"]))
    except (KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: gzmorph ensemble with a missing or damaged entry ({error})") from error
    if not members or any(m.geometry != members[0].geometry for m in members):
        raise CheckpointError(f"{path}: gzmorph ensemble without members or with members of different geometry")
    return ensemble


def _content(checkpoint: Checkpoint) -> dict:
    content = {f.name: getattr(checkpoint, f.name) for f in fields(checkpoint)}
    content["geometry"] = {"crop_px": checkpoint.geometry.crop_px, "size": checkpoint.geometry.size}
    return content


def _read(path: str | os.PathLike, map_location: torch.device | str) -> dict:
    try:
        content = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # torch raises a dozen types for a damaged or foreign file
        raise CheckpointError(f"{path}: not a readable gzmorph checkpoint ({type(error).__name__})") from error
    if not isinstance(content, dict):
        raise CheckpointError(f"{path}: not a gzmorph checkpoint (no '{FORMAT}' format marker)")
    return content


def _check_version(content: dict, path: str | os.PathLike, version: int) -> None:
    if content.get("version") != version:
        found = content.get("version")
        raise CheckpointError(f"{path}: {content['format']} version {found}, this code reads {version}")


def _checkpoint(content: dict, path: str | os.PathLike, version: int) -> Checkpoint:
    _check_version({"format": FORMAT, **content}, path, version)
    names = {f.name for f in fields(Checkpoint)}
    try:
        values = {name: content[name] for name in names if name in content}
        values["geometry"] = Geometry(int(content["geometry"]["crop_px"]), int(content["geometry"]["size"]))
        return Checkpoint(**values)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: gzmorph checkpoint with a missing or damaged entry ({error})") from error
