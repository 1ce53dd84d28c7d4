"""The candidate choice: a real difference wins, a difference within the paired-bootstrap noise is a tie that the
preference decides; among N candidates the leader is compared with each of the others."""

import numpy as np

from gzmorph.model_choice import choose, paired_difference

RNG = np.random.default_rng(0)
TRUE = RNG.random((600, 37))


def noisy(sigma: float) -> np.ndarray:
    return TRUE + RNG.normal(0, sigma, TRUE.shape)


def test_a_clearly_better_model_is_chosen():
    good, bad = noisy(0.05), noisy(0.10)
    comparison = paired_difference(TRUE, bad, good)
    assert comparison["difference"] > 0 and comparison["interval_95"][0] > 0
    choice = choose(TRUE, {"cnn": bad, "resnet18": good}, prefer_on_tie="cnn")
    assert choice["chosen"] == choice["leader"] == "resnet18"
    assert "beyond the noise" in choice["reason"]
    assert choice["comparisons"]["cnn"]["interval_95"][1] < 0  # RMSE(leader) - RMSE(cnn) < 0


def test_a_difference_within_the_noise_is_a_tie_and_the_preference_decides():
    first = noisy(0.08)
    second = first + RNG.normal(0, 1e-4, TRUE.shape)  # the same model up to float noise
    low, high = paired_difference(TRUE, first, second)["interval_95"]
    assert low < 0 < high
    for preferred in ("resnet18", "cnn"):
        choice = choose(TRUE, {"resnet18": first, "cnn": second}, prefer_on_tie=preferred)
        assert choice["chosen"] == preferred and choice["reason"].startswith("tie")


def test_among_three_the_leader_wins_unless_the_preferred_one_is_tied_with_it():
    best, twin, poor = noisy(0.05), None, noisy(0.12)
    twin = best + RNG.normal(0, 1e-4, TRUE.shape)
    predicted = {"convnext_atto": best, "resnet18": twin, "cnn": poor}
    leader = choose(TRUE, predicted, prefer_on_tie="cnn")  # cnn is clearly worse: the preference does not apply
    assert leader["chosen"] == leader["leader"] and leader["chosen"] in ("convnext_atto", "resnet18")
    assert set(leader["comparisons"]) == set(predicted) - {leader["leader"]}
    assert "tied with" in leader["reason"]
    preferred = "resnet18" if leader["leader"] == "convnext_atto" else "convnext_atto"
    tie = choose(TRUE, predicted, prefer_on_tie=preferred)
    assert tie["chosen"] == preferred and tie["reason"].startswith("tie")
    assert set(tie["held_out_rmse"]) == set(predicted)


def test_a_single_candidate_is_chosen_without_a_comparison():
    choice = choose(TRUE, {"resnet18": noisy(0.05)}, prefer_on_tie="resnet18")
    assert choice["chosen"] == "resnet18" and choice["comparisons"] == {}
