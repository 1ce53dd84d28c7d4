"""The networks: ResNet18 with a small-image stem, a configurable custom CNN, any timm encoder
(``gzmorph.encoders``), and their two output heads.

A model is described by a *spec*, a plain dict of str/int/float/list/bool that :func:`build_model` turns into the
``nn.Module`` and that checkpoints store next to the weights, so :func:`load_model` rebuilds any saved model::

    {"architecture": "resnet18", "head": "sigmoid", "stem_stride": 1, "width": 64}
    {"architecture": "cnn", "head": "tree", "size": 48, "channels": [32, 64, 128], "kernel_size": 3,
     "fc": [256], "dropout": 0.5}
    {"architecture": "timm", "head": "tree", "timm_model": "convnext_atto", "input": {...}, "pretrained": None}

A config candidate (``models.candidates``) is a spec without its head (and, for timm, before
``gzmorph.encoders.resolve_spec``); :data:`ARCHITECTURES` names the builders, once. Every network has
``output_layer()``, the linear layer whose 37 outputs feed the head.

Models take float images (B, 3, size, size) in [0, 1] and return the 37 vote fractions (B, 37) in [0, 1], columns in
``gzmorph.labels.LABEL_COLUMNS`` order.
"""

import os

import numpy as np
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, conv1x1

from gzmorph import checkpoint, encoders
from gzmorph.checkpoint import Checkpoint, CheckpointError, EnsembleCheckpoint
from gzmorph.labels import COLUMN_INDEX, N_LABELS, QUESTIONS

HEADS = ("sigmoid", "tree")


class TreeHead(nn.Module):
    """Galaxy Zoo 2 decision-tree output (Dieleman et al. 2015): per question a softmax over its answers, times
    the fraction of volunteers who reached the question (the parent answer's output).

    Every question's answers are then non-negative and sum exactly to their path weight, Q1 and Q6 to 1 (as in the
    Kaggle files, see ``gzmorph.labels``). Parents always precede their children in ``QUESTIONS``.
    """

    def __init__(self):
        super().__init__()
        self.groups = [[COLUMN_INDEX[c] for c in q.columns] for q in QUESTIONS]
        self.parents = [None if q.parent is None else COLUMN_INDEX[q.parent] for q in QUESTIONS]

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        logits = logits.float()  # the normalisation is done in float32 even under bf16 autocast
        answers: dict[int, torch.Tensor] = {}  # column -> (B, 1) output
        for columns, parent in zip(self.groups, self.parents, strict=True):
            share = torch.softmax(logits[:, columns], dim=1)
            weighted = share if parent is None else share * answers[parent]
            answers.update({c: weighted[:, k : k + 1] for k, c in enumerate(columns)})
        return torch.cat([answers[c] for c in range(len(answers))], dim=1)


class SigmoidHead(nn.Module):
    """Each of the 37 outputs squashed independently into [0, 1]."""

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits.float())


def make_head(head: str) -> nn.Module:
    if head == "sigmoid":
        return SigmoidHead()
    if head == "tree":
        return TreeHead()
    raise ValueError(f"unknown output head {head!r}; choose one of {HEADS}")


class ResNet18(nn.Module):
    """ResNet18 (He et al. 2016, torchvision's residual block, random init) with a 3x3 stem and no max-pool, so
    48-px galaxies keep their detail. Its four stages have ``width``, 2, 4 and 8 x ``width`` channels (64 is the
    standard network; 32 trains about 3.5 times faster)."""

    def __init__(self, head: nn.Module, stem_stride: int, width: int):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, kernel_size=3, stride=stem_stride, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        )
        blocks, previous = [], width
        for stage in range(4):
            channels, stride = width << stage, 1 if stage == 0 else 2
            shortcut = None
            if stride != 1 or previous != channels:
                shortcut = nn.Sequential(conv1x1(previous, channels, stride), nn.BatchNorm2d(channels))
            blocks += [BasicBlock(previous, channels, stride, shortcut), BasicBlock(channels, channels)]
            previous = channels
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(previous, N_LABELS)
        self.head = head
        for module in self.modules():  # torchvision's initialisation of its ResNets
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.fc(self.pool(self.blocks(self.stem(x)))))

    def output_layer(self) -> nn.Linear:
        return self.fc


class CustomCNN(nn.Module):
    """Convolution blocks (conv, batch norm, ReLU, 2x2 max-pool), then fully connected layers with dropout."""

    def __init__(
        self, head: nn.Module, size: int, channels: list[int], kernel_size: int, fc: list[int], dropout: float
    ):
        super().__init__()
        if size >> len(channels) < 1:
            raise ValueError(f"{len(channels)} pooling blocks shrink a {size}-px image below one pixel")
        blocks, previous = [], 3
        for width in channels:
            blocks += [
                nn.Conv2d(previous, width, kernel_size, padding=kernel_size // 2, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            previous = width
        self.features = nn.Sequential(*blocks)
        layers, previous = [nn.Flatten()], previous * (size >> len(channels)) ** 2
        for width in fc:
            layers += [nn.Dropout(dropout), nn.Linear(previous, width), nn.ReLU(inplace=True)]
            previous = width
        layers += [nn.Dropout(dropout), nn.Linear(previous, N_LABELS)]
        self.classifier = nn.Sequential(*layers)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.classifier(self.features(x)))

    def output_layer(self) -> nn.Linear:
        return self.classifier[-1]


def _resnet18(spec: dict, head: nn.Module) -> nn.Module:
    return ResNet18(head, int(spec.get("stem_stride", 1)), int(spec.get("width", 64)))


def _cnn(spec: dict, head: nn.Module) -> nn.Module:
    return CustomCNN(
        head,
        int(spec["size"]),
        [int(c) for c in spec["channels"]],
        int(spec.get("kernel_size", 3)),
        [int(f) for f in spec["fc"]],
        float(spec["dropout"]),
    )


ARCHITECTURES = {"resnet18": _resnet18, "cnn": _cnn, "timm": encoders.build}  # builders: (spec, head) -> network


def resolve_spec(candidate: dict, head: str, view_size: int) -> dict:
    """The spec a config candidate trains with at this view size: its head added, the custom CNN's input size, a timm
    encoder's input and weights (gzmorph.encoders.resolve_spec)."""
    if candidate["architecture"] == "timm":
        return encoders.resolve_spec(candidate, head, view_size)
    spec = {**candidate, "head": head}
    return {**spec, "size": view_size} if candidate["architecture"] == "cnn" else spec


def build_model(spec: dict) -> nn.Module:
    """The network a spec describes (see the module docstring), with random weights."""
    architecture = spec.get("architecture")
    if architecture not in ARCHITECTURES:
        known = ", ".join(ARCHITECTURES)
        raise ValueError(f"unknown architecture {architecture!r} in model spec {spec}; choose one of {known}")
    return ARCHITECTURES[architecture](spec, make_head(spec.get("head", "sigmoid")))


def start_from_pretrained(model: nn.Module, spec: dict) -> None:
    """Load the pretrained weights a spec names into its network (a timm encoder's, from a local file)."""
    if spec.get("pretrained"):
        encoders.load_pretrained(model.encoder, spec["pretrained"]["path"], spec["timm_model"])


@torch.no_grad()
def start_at_mean(model: nn.Module, mean_labels: np.ndarray, weight_scale: float = 0.1) -> None:
    """Set the output layer so the untrained network predicts about the training-mean labels (the baseline).

    Biases become the head's inverse of the mean (logits for the sigmoid head; per question the log of each
    answer's share for the tree head) and the weights shrink by ``weight_scale``, so training starts from the
    baseline instead of from outputs near 0.5, which takes a small data set many steps to unlearn.
    """
    mean = np.clip(np.asarray(mean_labels, dtype=np.float64), 1e-4, 1 - 1e-4)
    if isinstance(model.head, TreeHead):
        bias = np.empty_like(mean)
        for columns in model.head.groups:
            bias[columns] = np.log(mean[columns] / mean[columns].sum())
    else:
        bias = np.log(mean / (1 - mean))
    layer = model.output_layer()
    layer.weight.mul_(weight_scale)
    layer.bias.copy_(torch.as_tensor(bias, dtype=layer.bias.dtype))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameter values."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class Ensemble(nn.Module):
    """The mean of several networks' outputs (the fold models of one architecture): a drop-in model for ``predict``,
    whose :meth:`member_outputs` also gives each member's prediction."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def member_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """(members, B, 37): every member's prediction of the batch."""
        return torch.stack([member(x) for member in self.members])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.member_outputs(x).mean(dim=0)


def load_model(
    path: str | os.PathLike, device: torch.device | str = "cpu"
) -> tuple[nn.Module, Checkpoint | EnsembleCheckpoint]:
    """The saved network (an :class:`Ensemble` for an ensemble checkpoint), on ``device`` and in eval mode, and its
    checkpoint; CheckpointError naming the file if the weights do not fit the network the checkpoint describes."""
    saved = checkpoint.load_any(path, map_location=device)
    members = saved.members if isinstance(saved, EnsembleCheckpoint) else [saved]
    try:
        networks = [build_model(member.model_spec) for member in members]
        for network, member in zip(networks, members, strict=True):
            network.load_state_dict(member.model_state)
    except (RuntimeError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: its weights do not fit the model it describes ({error})") from error
    model = Ensemble(networks) if isinstance(saved, EnsembleCheckpoint) else networks[0]
    model.to(device)
    if torch.device(device).type == "cuda":
        model.to(memory_format=torch.channels_last)
    return model.eval(), saved
