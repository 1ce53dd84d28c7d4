"""timm encoders as gzmorph networks: any timm model with the 37-output head, trained from random weights or
finetuned from pretrained weights in a local file or folder. Nothing here touches the network.

A timm candidate of the config (``architecture: timm``) becomes a *resolved spec* before training
(:func:`resolve_spec`): the encoder's own pretrained configuration (a Hugging Face folder's ``config.json``, else
timm's configuration of that model) fixes its input (channels, size, mean and std), and the weights file's SHA-256
is recorded. The resolved spec is what checkpoints keep, so a saved model rebuilds without the weights file.

Pretrained weights come from one of (``pretrained: PATH``):

* a safetensors file or a torch state_dict file (``.safetensors``, ``.pth``, ``.pt``, ``.bin``) of that timm model;
* a Hugging Face model folder as ``huggingface-cli download`` leaves it (``config.json`` beside ``model.safetensors``
  or ``pytorch_model.bin``), such as zoobot's encoders or timm's own weights.

The encoder's classifier is replaced by a fresh 37-output layer; every other tensor must come from the file, else
:class:`PretrainedWeightsError` names the file and what did not fit.
"""

import hashlib
import json
from pathlib import Path

import torch
from torch import nn

from gzmorph.labels import N_LABELS

WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")
FOLDER_WEIGHTS = ("model.safetensors", "pytorch_model.bin")  # what a Hugging Face model folder holds, preferred first


class PretrainedWeightsError(ValueError):
    """Pretrained weights that are missing, unreadable or do not fit the encoder: one line naming the file."""


class InputAdapter(nn.Module):
    """Turns the workflow's view (B, 3, size, size) in [0, 1] into the encoder's input: greyscale for a one-channel
    encoder, resized to its input size (bilinear) and normalised by its mean and std."""

    def __init__(self, channels: int, size: int, mean: list[float], std: list[float]):
        super().__init__()
        self.channels, self.size = channels, size
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels == 1:
            x = x.mean(dim=1, keepdim=True)
        if x.shape[-1] != self.size:
            x = nn.functional.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        return (x - self.mean) / self.std


class TimmNet(nn.Module):
    """A timm encoder whose classifier gives the 37 logits, behind the input adapter and before the output head."""

    def __init__(self, adapter: InputAdapter, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.adapter, self.encoder, self.head = adapter, encoder, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.adapter(x)))

    def output_layer(self) -> nn.Linear:
        return self.encoder.get_classifier()


def build(spec: dict, head: nn.Module) -> TimmNet:
    """The network of a resolved spec, with random weights (:func:`load_pretrained` brings the pretrained ones)."""
    import timm  # here, so that the built-in architectures need no timm

    inputs = spec["input"]
    encoder = timm.create_model(spec["timm_model"], pretrained=False, num_classes=N_LABELS, in_chans=inputs["channels"])
    adapter = InputAdapter(inputs["channels"], inputs["size"], inputs["mean"], inputs["std"])
    return TimmNet(adapter, encoder, head)


def resolve_spec(candidate: dict, head: str, view_size: int) -> dict:
    """The spec a timm candidate trains with: its input from the encoder's pretrained configuration (size: the
    candidate's ``input_size``, else the pretrained size with weights, else the workflow's view) and, with weights,
    their path and SHA-256 and the finetuning schedule (from random weights the training section's recipe alone).
    Stops naming the file if the weights are missing or not of a known kind."""
    name, path = candidate["timm_model"], candidate.get("pretrained")
    weights = None if path is None else weights_file(path)  # first: stops on a missing or unknown file
    config = _pretrained_config(name, path)
    channels, pretrained_size = config["input_size"][0], config["input_size"][-1]
    default_size = pretrained_size if path else view_size
    mean, std = (list(config[k]) for k in ("mean", "std"))
    if len(mean) != channels:  # a greyscale configuration may carry one value per RGB channel
        mean, std = mean[:1] * channels, std[:1] * channels
    return {
        "architecture": "timm",
        "head": head,
        "timm_model": name,
        "input": {"channels": channels, "size": candidate.get("input_size") or default_size, "mean": mean, "std": std},
        "pretrained": None if weights is None else {"path": str(path), "sha256": sha256(weights)},
        "finetune": None if weights is None else candidate.get("finetune"),  # from random weights: one recipe
    }


def _pretrained_config(name: str, path: str | None) -> dict:
    """The encoder's pretrained configuration (input_size, mean, std): a folder's config.json, else timm's."""
    from timm.models import get_pretrained_cfg

    if path is not None and Path(path).is_dir():
        config = json.loads((Path(path) / "config.json").read_text())
        if config.get("architecture", name) != name:
            raise PretrainedWeightsError(
                f"{path}: config.json is for timm model {config['architecture']!r}, the candidate names {name!r}"
            )
        return config["pretrained_cfg"]
    config = get_pretrained_cfg(name)
    if config is None:
        raise ValueError(f"timm knows no model {name!r} (timm.list_models() lists them)")
    return config.to_dict()


def weights_file(path: str | Path) -> Path:
    """The file holding the weights: ``path`` itself, or the weights of a Hugging Face folder."""
    path = Path(path)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise PretrainedWeightsError(f"{path}: a folder without config.json is not a Hugging Face model folder")
        found = [path / name for name in FOLDER_WEIGHTS if (path / name).is_file()]
        if not found:
            raise PretrainedWeightsError(f"{path}: holds none of {', '.join(FOLDER_WEIGHTS)}")
        return found[0]
    if not path.is_file():
        raise PretrainedWeightsError(
            f"{path}: no such file or folder (expected a .safetensors or torch state_dict file, or a Hugging Face "
            "model folder; nothing is downloaded: see README, 'Pretrained encoders')"
        )
    if path.suffix not in WEIGHT_SUFFIXES:
        raise PretrainedWeightsError(f"{path}: not a weights file (expected one of {', '.join(WEIGHT_SUFFIXES)})")
    return path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_pretrained(encoder: nn.Module, path: str, name: str) -> None:
    """Every tensor of ``encoder`` but its classifier from the weights at ``path`` (timm's loader), or stop with one
    line naming the file and what did not fit."""
    from timm.models import load_state_dict

    source = weights_file(path)
    try:
        state = load_state_dict(str(source), weights_only=True)
    except Exception as error:  # safetensors, pickle and zip errors have no common base
        raise PretrainedWeightsError(f"{source}: not a readable weights file ({_first_line(error)})") from error
    classifier = encoder.pretrained_cfg.get("classifier") or ""
    ours = {k: v for k, v in state.items() if not _in_classifier(k, classifier)}
    try:
        result = encoder.load_state_dict(ours, strict=False)
    except RuntimeError as error:  # a tensor of another shape
        raise PretrainedWeightsError(f"{source}: does not fit timm model {name} ({_first_line(error)})") from error
    missing = [k for k in result.missing_keys if not _in_classifier(k, classifier)]
    if missing or result.unexpected_keys:
        raise PretrainedWeightsError(
            f"{source}: does not fit timm model {name}: {len(missing)} of its tensors missing"
            f"{_example(missing)}, {len(result.unexpected_keys)} unexpected{_example(result.unexpected_keys)}"
        )


def _in_classifier(key: str, classifier: str) -> bool:
    return bool(classifier) and key.startswith(classifier + ".")


def _example(keys: list[str]) -> str:
    return f" (e.g. {keys[0]})" if keys else ""


def _first_line(error: Exception) -> str:
    """The gist of an error on one line (torch puts the detail on the line after its first)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(error).__name__
