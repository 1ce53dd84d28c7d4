"""The architecture choice: a real difference wins, a difference within the paired-bootstrap noise is a tie."""

import numpy as np

from gzmorph.model_choice import choose, paired_difference

RNG = np.random.default_rng(0)
TRUE = RNG.random((600, 37))


def test_a_clearly_better_model_is_chosen():
    good, bad = TRUE + RNG.normal(0, 0.05, TRUE.shape), TRUE + RNG.normal(0, 0.10, TRUE.shape)
    comparison = paired_difference(TRUE, bad, good)
    assert comparison["difference"] > 0 and comparison["interval_95"][0] > 0
    assert choose(("cnn", "resnet18"), comparison, prefer_on_tie="cnn")["chosen"] == "resnet18"


def test_a_difference_within_the_noise_is_a_tie_and_the_preference_decides():
    first = TRUE + RNG.normal(0, 0.08, TRUE.shape)
    second = first + RNG.normal(0, 1e-4, TRUE.shape)  # the same model up to float noise
    comparison = paired_difference(TRUE, first, second)
    low, high = comparison["interval_95"]
    assert low < 0 < high
    for preferred in ("resnet18", "cnn"):
        choice = choose(("resnet18", "cnn"), comparison, prefer_on_tie=preferred)
        assert choice["chosen"] == preferred and choice["reason"].startswith("tie")
