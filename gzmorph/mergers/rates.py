"""From a fraction of galaxies to a merger rate per galaxy: R = f / T_obs, in Gyr^-1 for T_obs in Gyr.

T_obs is the time during which a merger stays visible to the method that found it, so each number gets the
timescale of its own method. A visual (morphological) identification like the volunteers' sees tidal features and
disturbed, interacting systems for T_obs ~ 0.2 - 0.4 Gyr (Lotz et al. 2010a,b, G-M20 and asymmetry of simulated
major mergers). A close-pair count needs the time the pairs take to merge, which Kitzbichler & White 2008 calibrate
on the Millennium simulation as T = T0 r25 M*^-0.3, with r25 the largest projected separation of the sample in units
of 25 h^-1 kpc, M* the pairs' stellar mass in units of 3 x 10^10 h^-1 Msun, and T0 = 1.1 Gyr for pairs selected with
a line-of-sight velocity difference below 300 km/s, 1.6 Gyr without a velocity cut: two calibrations for two
selections, each used only for the selection it belongs to.
"""

from gzmorph.mergers.settings import PairTimescale, Timescale
from gzmorph.mergers.uncertainty import systematic_size


def rate_per_gyr(fraction: float, timescale_gyr: float) -> float:
    """Mergers per galaxy per Gyr of a fraction visible for ``timescale_gyr``."""
    if timescale_gyr <= 0:
        raise ValueError(f"an observability timescale must be a positive number of Gyr, got {timescale_gyr}")
    return fraction / timescale_gyr


def pair_timescale_gyr(
    separation_kpc_h: float, stellar_mass_msun_h: float, velocity_cut: bool, p: PairTimescale
) -> float:
    """Kitzbichler & White 2008 merging time of a close-pair sample with maximum separation ``separation_kpc_h``."""
    t0 = p.t0_gyr_velocity_cut if velocity_cut else p.t0_gyr_no_velocity_cut
    r25 = separation_kpc_h / p.separation_unit_kpc_h
    return t0 * r25 * (stellar_mass_msun_h / p.mass_unit_msun_h) ** p.mass_slope


def adopted_rate(budget: dict, timescale: Timescale) -> dict:
    """The adopted fraction as a rate at the middle of T_obs, with its error budget and the T_obs range as a term.

    Statistical and fraction systematics scale by 1 / T_mid; the timescale term is the distance to f / T_high and
    f / T_low. The total interval adds them in quadrature on each side, like the fraction's.
    """
    low_t, high_t = timescale.gyr
    middle = (low_t + high_t) / 2
    f = budget["fraction"]
    rate = rate_per_gyr(f, middle)
    sys_fraction = systematic_size(budget) / middle
    sys_low, sys_high = rate - rate_per_gyr(f, high_t), rate_per_gyr(f, low_t) - rate
    stat_low, stat_high = budget["stat_low"] / middle, budget["stat_high"] / middle
    return {
        "rate_gyr": rate,
        "timescale_gyr": [low_t, high_t],
        "timescale_citation": timescale.citation,
        "stat_low": stat_low,
        "stat_high": stat_high,
        "sys_fraction": sys_fraction,
        "sys_timescale_low": sys_low,
        "sys_timescale_high": sys_high,
        "interval_68": [
            max(0.0, rate - (stat_low**2 + sys_fraction**2 + sys_low**2) ** 0.5),
            rate + (stat_high**2 + sys_fraction**2 + sys_high**2) ** 0.5,
        ],
    }
