"""A Bayesian merger fraction (Ziegler & Czyz 2024, "Bayesian quantification with black-box estimators").

Predictions are binned (``BINS`` bins). Each class (true merger or not) has its own distribution over the bins,
phi_y ~ Dirichlet(1); the calibration galaxies are drawn from phi_y of their known class, each target galaxy from
pi phi_merger + (1 - pi) phi_other, pi ~ Beta(1, 1). A Gibbs sampler alternates the unknown classes of the target
galaxies in each bin (binomial), pi (beta) and phi (Dirichlet), so the calibration set's finite size enters the
posterior of pi. A cross-check beside PACC, never quoted in its place.
"""

import numpy as np

BINS = 20  # coarser than the estimators' bins: each bin should hold calibration galaxies of both classes


def rebin(counts: np.ndarray) -> np.ndarray:
    """Counts on the estimators' fine bins summed into ``BINS`` bins."""
    return np.asarray(counts, dtype=np.float64).reshape(BINS, -1).sum(axis=1)


def posterior_fraction(
    mergers: np.ndarray, others: np.ndarray, target: np.ndarray, rng: np.random.Generator, draws=600, burn=200
):
    """Posterior draws of the target's merger fraction from binned counts (``BINS`` bins each)."""
    pi, phi = 0.5, np.array([mergers + 1, others + 1]) / np.array([[mergers.sum() + BINS], [others.sum() + BINS]])
    kept, n = [], np.asarray(target).astype(np.int64)
    for step in range(draws + burn):
        share = pi * phi[0] / (pi * phi[0] + (1 - pi) * phi[1])
        latent = rng.binomial(n, share)
        pi = rng.beta(1 + latent.sum(), 1 + n.sum() - latent.sum())
        phi = np.array([rng.dirichlet(1 + mergers + latent), rng.dirichlet(1 + others + n - latent)])
        if step >= burn:
            kept.append(pi)
    return np.array(kept)
