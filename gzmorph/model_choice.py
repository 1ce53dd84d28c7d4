"""Which candidate the best model uses: the lowest held-out RMSE, unless the configured preference is tied with it
(their difference within its noise).

The noise is the spread of the RMSE difference over paired bootstrap resamples of the compared galaxies (both
models scored on the same resampled galaxies), so a difference of 1e-5 between two runs is a tie and the choice no
longer flips with thread counts or seeds.
"""

import numpy as np

from gzmorph.metrics import rmse


def paired_difference(
    true: np.ndarray, first: np.ndarray, second: np.ndarray, resamples: int = 2000, seed: int = 0
) -> dict:
    """RMSE(first) - RMSE(second) on the same galaxies, and its central 95 % paired-bootstrap interval."""
    true, first, second = (np.asarray(a, dtype=np.float64) for a in (true, first, second))
    errors_first = np.mean((true - first) ** 2, axis=1)
    errors_second = np.mean((true - second) ** 2, axis=1)
    rows = np.random.default_rng(seed).integers(0, len(true), (resamples, len(true)))
    samples = np.sqrt(errors_first[rows].mean(axis=1)) - np.sqrt(errors_second[rows].mean(axis=1))
    low, high = np.percentile(samples, [2.5, 97.5])
    return {"difference": rmse(true, first) - rmse(true, second), "interval_95": [float(low), float(high)]}


def choose(true: np.ndarray, predicted: dict[str, np.ndarray], prefer_on_tie: str) -> dict:
    """The chosen candidate and why: the one with the lowest RMSE (the leader), compared by paired bootstrap with each
    of the others; ``prefer_on_tie`` wins instead if it is tied with the leader (the 95 % interval of their difference
    holds zero), and the reason says "tie" whenever the preference decided.
    ``comparisons`` holds RMSE(leader) - RMSE(other) for every other candidate."""
    scores = {name: rmse(true, values) for name, values in predicted.items()}
    leader = min(scores, key=scores.get)
    comparisons = {
        name: paired_difference(true, predicted[leader], predicted[name]) for name in predicted if name != leader
    }
    tied = [name for name, c in comparisons.items() if c["interval_95"][0] <= 0 <= c["interval_95"][1]]
    if tied and prefer_on_tie in (leader, *tied):
        other = tied[0] if prefer_on_tie == leader else prefer_on_tie
        interval = _interval(comparisons[other])
        reason = f"tie: the 95% interval of RMSE({leader}) - RMSE({other}) {interval} holds 0; "
        chosen, reason = prefer_on_tie, reason + f"models.prefer_on_tie is {prefer_on_tie}"
    else:
        chosen, reason = leader, _leader_reason(leader, comparisons, tied)
    return {"chosen": chosen, "reason": reason, "leader": leader, "held_out_rmse": scores, "comparisons": comparisons}


def _interval(comparison: dict) -> str:
    low, high = comparison["interval_95"]
    return f"[{low:+.4f}, {high:+.4f}]"


def _leader_reason(leader: str, comparisons: dict[str, dict], tied: list[str]) -> str:
    if not comparisons:
        return "the only candidate"
    intervals = ", ".join(f"{name} {_interval(c)}" for name, c in comparisons.items())
    beyond = "lowest held-out RMSE" + ("" if tied else " beyond the noise")
    ties = f"; tied with {', '.join(tied)}, none preferred" if tied else ""
    return f"{beyond} (95% intervals of RMSE({leader}) - RMSE(other): {intervals}){ties}"
