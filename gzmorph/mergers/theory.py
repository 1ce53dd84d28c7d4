"""The major-merger rate per galaxy expected in the Illustris simulation (Rodriguez-Gomez et al. 2015, MNRAS 449, 49).

Their eq. 10 fits the galaxy-galaxy merger rate per descendant galaxy, per unit stellar mass ratio mu and per Gyr:

    dN/(dmu dt) = A(z) (M/M_ref)^alpha(z) [1 + (M/M0)^delta(z)] mu^(beta(z) + gamma log10(M/M_ref))

with M the descendant stellar mass, M_ref = 10^10 Msun, M0 = 2 x 10^11 Msun, A(z) = A0 (1+z)^eta, alpha(z) = alpha0
(1+z)^alpha1, beta(z) = beta0 (1+z)^beta1, delta(z) = delta0 (1+z)^delta1 (their Table 1, the fit in stellar mass
ratio; the values live in ``theory`` of gzmorph/data/merger_reference.yaml). Public codes write the mass term in two
ways: [1 + (M/M0)^delta] (the paper's eq. 10, used here) and (1 + M/M0)^delta, which agrees far below M0 but gives a
14 % lower rate at 10^11 Msun. The first is the paper's form: a double power law in M whose slope steepens from
alpha to alpha + delta above M0, which is how the paper describes its fit.

The rate is the integral over mu_min <= mu <= 1 (scipy.integrate.quad), for each configured mu_min: 1/4 (major mergers)
and 1/10 (closer to what a visual selection reaches, mass ratios down to about 1:9, Darg et al. 2010a). The expectation
for a sample is its average over stellar mass and redshift; we weight stellar masses uniformly in log10 M over the
configured range (10^10 - 10^11 Msun: we have no stellar masses for the Kaggle galaxies, so no mass function of *our*
sample to weight by) and redshifts uniformly over the configured range (z = 0.05 - 0.1). A mass function falling with
mass would pull the average towards the 10^10 Msun value; the band between the lowest and highest rate over the range is
reported alongside.
"""

import numpy as np
from scipy.integrate import quad

from gzmorph.mergers.settings import Illustris


def differential_rate(mu: float, mass_msun: float, z: float, p: Illustris) -> float:
    """dN/(dmu dt) in Gyr^-1 per descendant galaxy of stellar mass ``mass_msun`` at redshift ``z`` (eq. 10)."""
    zp1 = 1.0 + z
    x = mass_msun / p.m_ref_msun
    amplitude = 10.0**p.log10_a0_gyr * zp1**p.eta
    mass_term = x ** (p.alpha0 * zp1**p.alpha1) * (1.0 + (mass_msun / p.m0_msun) ** (p.delta0 * zp1**p.delta1))
    return amplitude * mass_term * mu ** (p.beta0 * zp1**p.beta1 + p.gamma * np.log10(x))


def major_merger_rate(mass_msun: float, z: float, p: Illustris, mu_min: float) -> float:
    """Mergers per galaxy per Gyr with mass ratio mu_min <= mu <= 1."""
    value, _ = quad(differential_rate, mu_min, 1.0, args=(mass_msun, z, p))
    return value


def sample_average_rate(p: Illustris, mu_min: float) -> float:
    """The major-merger rate averaged uniformly over log10 M and over z within the configured ranges."""
    log_low, log_high = np.log10(p.stellar_mass_msun)
    z_low, z_high = p.redshift

    def over_redshift(log_mass: float) -> float:
        return quad(lambda z: major_merger_rate(10.0**log_mass, z, p, mu_min), z_low, z_high)[0] / (z_high - z_low)

    return quad(over_redshift, log_low, log_high)[0] / (log_high - log_low)


def illustris_expectation(p: Illustris, mu_min: float) -> dict:
    """The rates the report quotes for mu >= mu_min: at the two ends of the mass range at z = 0, the sample average,
    and the band between the lowest and highest rate over the mass and redshift ranges."""
    corners = [major_merger_rate(m, z, p, mu_min) for m in p.stellar_mass_msun for z in p.redshift]
    return {
        "citation": p.citation,
        "mass_ratio_min": mu_min,
        "stellar_mass_msun": list(p.stellar_mass_msun),
        "redshift": list(p.redshift),
        "at_z0": {f"{m:.0e}": major_merger_rate(m, 0.0, p, mu_min) for m in p.stellar_mass_msun},
        "sample_average": float(sample_average_rate(p, mu_min)),
        "band": [min(corners), max(corners)],
        "averaging": "uniform in log10 stellar mass and in redshift over the ranges above",
        "mass_term": "[1 + (M/M0)^delta(z)], as in eq. 10 of the paper",
    }
