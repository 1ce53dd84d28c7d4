"""From a fraction of galaxies to a merger rate per galaxy: R = f / T_obs, in Gyr^-1 for T_obs in Gyr.

T_obs is the time during which a merger stays visible to the method that found it, so each number gets the
timescale of its own method. Galaxy Zoo merger votes largely flag close pairs with tidal features (Darg et al.
2010a), so our own rate takes a close-pair timescale (config ``rate_timescale``); the 0.2 - 0.4 Gyr of automated
G-M20 and asymmetry indicators (Lotz et al. 2010a,b) is kept for the literature values found that way. A close-pair
count needs the time the pairs take to merge, which Kitzbichler & White 2008 calibrate
on the Millennium simulation as T = T0 r25 M*^-0.3, with r25 the largest projected separation of the sample in units
of 25 h^-1 kpc, M* the pairs' stellar mass in units of 3 x 10^10 h^-1 Msun, and T0 = 1.1 Gyr for pairs selected with
a line-of-sight velocity difference below 300 km/s, 1.6 Gyr without a velocity cut: two calibrations for two
selections, each used only for the selection it belongs to.
"""

from gzmorph.mergers.settings import PairTimescale, Timescale


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


def adopted_rate(fraction: float, interval: tuple[float, float], timescale: Timescale) -> dict:
    """The quoted fraction as a rate at the middle of the adopted T_obs range, with its statistical interval and
    the T_obs range as a second term; the total interval adds them in quadrature on each side."""
    low_t, high_t = timescale.gyr
    middle = (low_t + high_t) / 2
    rate = rate_per_gyr(fraction, middle)
    stat_low, stat_high = (fraction - interval[0]) / middle, (interval[1] - fraction) / middle
    sys_low, sys_high = rate - rate_per_gyr(fraction, high_t), rate_per_gyr(fraction, low_t) - rate
    return {
        "rate_gyr": rate,
        "timescale_gyr": [low_t, high_t],
        "timescale_citation": timescale.citation,
        "timescale_why": timescale.why,
        "stat_low": stat_low,
        "stat_high": stat_high,
        "sys_timescale_low": sys_low,
        "sys_timescale_high": sys_high,
        "interval_68": [max(0.0, rate - (stat_low**2 + sys_low**2) ** 0.5), rate + (stat_high**2 + sys_high**2) ** 0.5],
    }
