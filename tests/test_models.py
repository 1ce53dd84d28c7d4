"""The networks and their output heads (gzmorph.models)."""

import numpy as np
import pytest
import torch
import torchvision

from gzmorph.labels import N_LABELS, question_residuals
from gzmorph.models import TreeHead, build_model, count_parameters, resolve_spec, start_at_mean

SIZE = 48
SPECS = {
    "resnet18 stride 1": {"architecture": "resnet18", "stem_stride": 1},
    "resnet18 stride 2": {"architecture": "resnet18", "stem_stride": 2},
    "resnet18 width 32": {"architecture": "resnet18", "stem_stride": 2, "width": 32},
    "cnn": {"architecture": "cnn", "size": SIZE, "channels": [8, 16, 32], "kernel_size": 3, "fc": [32], "dropout": 0.3},
    "timm test_convnext": resolve_spec({"architecture": "timm", "timm_model": "test_convnext"}, "tree", SIZE),
}


@pytest.mark.parametrize("head", ["sigmoid", "tree"])
@pytest.mark.parametrize("name", list(SPECS))
def test_every_model_maps_a_batch_to_37_fractions_in_unit_range(name, head):
    torch.manual_seed(0)
    model = build_model({**SPECS[name], "head": head}).eval()
    images = torch.cat([torch.zeros(1, 3, SIZE, SIZE), torch.ones(1, 3, SIZE, SIZE), torch.rand(3, 3, SIZE, SIZE)])
    with torch.no_grad():
        out = model(images)
    assert out.shape == (5, N_LABELS) and out.dtype == torch.float32
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert out.std(dim=0).max() > 0  # depends on the image


def test_tree_head_obeys_every_sum_constraint_exactly_on_random_logits():
    logits = torch.randn(1000, N_LABELS, generator=torch.Generator().manual_seed(1)) * 10
    out = TreeHead()(logits).double().numpy()
    assert out.min() >= 0 and out.max() <= 1
    assert np.abs(question_residuals(out)).max() < 1e-6
    plain = torch.sigmoid(logits).double().numpy()  # the plain head does not: the check can tell them apart
    assert np.abs(question_residuals(plain)).max() > 0.5


def test_tree_head_can_reach_the_labels_of_a_real_style_answer():
    # a galaxy whose volunteers all answered "features", "not edge-on", "bar", "spiral": large logits get close
    logits = torch.full((1, N_LABELS), -20.0)
    for column in (1, 4, 5, 7, 13):  # Class1.2, Class2.2, Class3.1, Class4.1, Class6.2 (index order)
        logits[0, column] = 20.0
    out = TreeHead()(logits)[0]
    assert out[1] > 0.999 and out[7] > 0.999 and out[0] < 1e-6


def test_cnn_parameter_count_follows_its_widths():
    small = build_model({**SPECS["cnn"], "head": "sigmoid"})
    wide = build_model({**SPECS["cnn"], "head": "sigmoid", "fc": [64]})
    flat = 32 * (SIZE // 8) ** 2
    assert (
        count_parameters(wide) - count_parameters(small) == flat * 32 + 32 + 32 * N_LABELS
    )  # weights and biases of the wider layer, wider input of the last


def test_resnet18_at_width_64_is_torchvisions_resnet18_with_a_3x3_stem():
    reference = torchvision.models.resnet18(weights=None, num_classes=N_LABELS)
    reference.conv1 = torch.nn.Conv2d(3, 64, kernel_size=3, padding=1, bias=False)
    ours = build_model({"architecture": "resnet18", "stem_stride": 1, "width": 64})
    assert [p.shape for p in ours.parameters()] == [p.shape for p in reference.parameters()]


def test_resnet18_convolution_weights_scale_with_the_square_of_its_width():
    def conv_weights(width):
        model = build_model({"architecture": "resnet18", "stem_stride": 2, "width": width})
        return sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Conv2d))

    assert conv_weights(64) - 64 * 3 * 9 == 4 * (conv_weights(32) - 32 * 3 * 9)  # all but the stem's 3 inputs


def test_bad_specs_are_refused_with_a_message():
    with pytest.raises(ValueError, match="architecture"):
        build_model({"architecture": "vgg"})
    with pytest.raises(ValueError, match="head"):
        build_model({"architecture": "resnet18", "head": "softmax"})
    with pytest.raises(ValueError, match="below one pixel"):
        build_model({**SPECS["cnn"], "channels": [4] * 7})


@pytest.mark.parametrize("head", ["sigmoid", "tree"])
def test_an_untrained_model_can_start_near_the_mean_labels(head):
    mean = np.random.default_rng(4).random(N_LABELS) * 0.5 + 0.01
    if head == "tree":  # a mean that obeys the tree, as real mean labels do
        mean = TreeHead()(torch.log(torch.as_tensor(mean, dtype=torch.float32))[None])[0].numpy()
    torch.manual_seed(0)
    model = build_model({**SPECS["cnn"], "head": head}).eval()
    images = torch.rand(8, 3, SIZE, SIZE)
    with torch.no_grad():
        before = (model(images) - torch.as_tensor(mean)).abs().max()
        start_at_mean(model, mean)
        after = (model(images) - torch.as_tensor(mean)).abs().max()
    assert after < 0.05 < before
