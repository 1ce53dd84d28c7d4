"""Literature values in their own quantities, turned into rates per galaxy with their own timescales, and compared.

Each entry of ``literature`` (gzmorph/data/merger_reference.yaml) keeps its quantity (merger fraction, companions
per galaxy, merger rate per galaxy, merger rate per comoving volume), its selection (redshift, stellar mass, method)
and the timescale of the method behind it: fractions found by morphology use the morphological T_obs, close-pair
counts the Kitzbichler & White 2008 time of their own separation and velocity selection. A rate per galaxy is also
turned back into a fraction with *our* T_obs, the number our measurement would show if that rate held. A volume rate
needs the parent sample's number density to become a rate per galaxy; without one it is shown in its own units
only.

Two numbers are called a tie when their intervals overlap: a difference smaller than the spread is no difference.
"""

import math
from collections.abc import Mapping

from gzmorph.mergers.rates import pair_timescale_gyr
from gzmorph.mergers.settings import LiteratureEntry, MergerReference, PairTimescale, Timescale

PAIR_TIMESCALES = {"pairs_velocity_cut": True, "pairs_no_velocity_cut": False}


def published_range(entry: LiteratureEntry) -> tuple[float, float] | None:
    """(low, high) of the value as published: a range, or a value +/- its uncertainty; None when not filled in."""
    if entry.value is None:
        return None
    if entry.uncertainty is not None and len(entry.value) == 1:
        return entry.value[0] - entry.uncertainty, entry.value[0] + entry.uncertainty
    return min(entry.value), max(entry.value)


def value_used(entry: LiteratureEntry) -> tuple[float, float] | None:
    """The published range times the paper's own correction factor, if it gives one."""
    span = published_range(entry)
    factor = entry.correction or 1.0
    return None if span is None else (span[0] * factor, span[1] * factor)


def entry_timescale(
    entry: LiteratureEntry, observability: Mapping[str, Timescale], pairs: PairTimescale
) -> dict | None:
    """The T_obs range (Gyr) that turns this entry's fraction into a rate, and how it was obtained."""
    if entry.timescale in observability:
        scale = observability[entry.timescale]
        return {"gyr": list(scale.gyr), "how": f"{entry.timescale} T_obs, {scale.citation}"}
    if entry.timescale in PAIR_TIMESCALES:
        if entry.pair_separation_kpc_h is None or entry.pair_stellar_mass_msun_h is None:
            raise ValueError(f"literature entry {entry.name}: a pair timescale needs its separation and stellar mass")
        velocity_cut = PAIR_TIMESCALES[entry.timescale]
        t = pair_timescale_gyr(entry.pair_separation_kpc_h, entry.pair_stellar_mass_msun_h, velocity_cut, pairs)
        how = (
            f"T = T0 r25 M*^{pairs.mass_slope:g} = {t:.2f} Gyr ({pairs.citation}; T0 for "
            f"{'a velocity cut' if velocity_cut else 'no velocity cut'}, r25 = {entry.pair_separation_kpc_h:g}/"
            f"{pairs.separation_unit_kpc_h:g}, M* = {entry.pair_stellar_mass_msun_h:.2g} h^-1 Msun)"
        )
        return {"gyr": [t, t], "how": how}
    return None


def rate_per_galaxy(entry: LiteratureEntry, timescale: dict | None) -> tuple[float, float] | None:
    """The entry as mergers per galaxy per Gyr, or None where it cannot be one."""
    span = value_used(entry)
    if span is None:
        return None
    if entry.quantity == "merger_rate":
        return span
    if entry.quantity == "volume_merger_rate":
        density = entry.number_density_mpc3
        return None if density is None else (span[0] / density, span[1] / density)
    if timescale is None:
        return None
    low_t, high_t = timescale["gyr"]
    return span[0] / high_t, span[1] / low_t


def compare(ours: list[float], theirs: tuple[float, float] | list[float]) -> str:
    """A verdict for two intervals: a tie when they overlap, else how many times higher or lower ours is."""
    (our_low, our_high), (low, high) = ours, theirs
    if math.isnan(our_low) or math.isnan(our_high):
        return "not compared: our interval is undefined"
    if our_low <= high and low <= our_high:
        return "tie: the intervals overlap, so the difference is smaller than the spread"
    ours_mid, theirs_mid = (our_low + our_high) / 2, (low + high) / 2
    if ours_mid == 0:
        return "ours is 0 (no mergers found), below theirs beyond both spreads"
    ratio = ours_mid / theirs_mid if theirs_mid > 0 else float("inf")
    word = "higher" if ratio > 1 else "lower"
    return f"ours is {max(ratio, 1 / ratio):.2g}x {word}, beyond both spreads"


def compare_entry(
    entry: LiteratureEntry,
    reference: MergerReference,
    ours: Timescale,
    our_fraction: list[float],
    our_rate: list[float],
) -> dict:
    """One literature entry: its values in its own units, as a rate per galaxy and as our fraction (with our
    timescale ``ours``), and verdicts."""
    timescale = entry_timescale(entry, reference.observability, reference.pair_timescale)
    rate = rate_per_galaxy(entry, timescale)
    ours_t = ours.gyr
    as_fraction = (
        None if rate is None or entry.quantity == "merger_fraction" else [rate[0] * ours_t[0], rate[1] * ours_t[1]]
    )
    own_fraction = value_used(entry) if entry.quantity == "merger_fraction" else None
    fraction = own_fraction or as_fraction
    return {
        **{key: getattr(entry, key) for key in ("name", "citation", "quantity", "units", "redshift", "selection")},
        **{key: getattr(entry, key) for key in ("correction", "note", "verified")},
        "filled_in": entry.value is not None,
        "published": None if entry.value is None else list(published_range(entry)),
        "value_used": None if entry.value is None else list(value_used(entry)),
        "timescale": timescale,
        "rate_gyr": None if rate is None else list(rate),
        "fraction_with_our_timescale": as_fraction,
        "fraction_verdict": None if fraction is None else compare(our_fraction, fraction),
        "rate_verdict": None if rate is None else compare(our_rate, rate),
    }


def compare_literature(
    reference: MergerReference, ours: Timescale, our_fraction: list[float], our_rate: list[float]
) -> list[dict]:
    """Every literature entry, compared with our total 68 % intervals of fraction and rate."""
    return [compare_entry(entry, reference, ours, our_fraction, our_rate) for entry in reference.literature]
