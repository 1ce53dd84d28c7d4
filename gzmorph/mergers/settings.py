"""The merger settings as typed, frozen objects: ``MergerSettings`` (config section ``mergers``, what a user tunes)
and ``MergerReference`` (gzmorph/data/merger_reference.yaml: published values, timescales, Illustris coefficients
and corrections, which a user does not tune).

Both are built by the one generic builder, ``gzmorph.settings.from_dict``, from mappings their schemas have checked
(gzmorph/config.schema.yaml; gzmorph/data/merger_reference.schema.yaml), so the field types here are the
conversion: YAML lists become tuples (hashable settings), integers given for floats become floats.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from gzmorph.mergers.result import QUOTABLE


@dataclass(frozen=True)
class Bootstrap:
    resamples: int
    confidence: float
    seed: int


@dataclass(frozen=True)
class Coverage:
    """Known-answer diagnostic: target sets of ``target_size`` galaxies at factor x the calibration galaxies' merger
    fraction (every labelled galaxy)."""

    factors: tuple[float, ...]
    target_size: int | None  # None: the size of the real target set
    repeats: int
    resamples: int
    seed: int


@dataclass(frozen=True)
class Sweep:
    start: float
    stop: float
    num: int


@dataclass(frozen=True)
class Timescale:
    """Observability timescale of a merger-identification method: a range in Gyr and where it comes from."""

    gyr: tuple[float, float]
    citation: str
    why: str


@dataclass(frozen=True)
class PairTimescale:
    """Kitzbichler & White 2008: T = T0 r25 M*^slope, one T0 per velocity selection."""

    t0_gyr_velocity_cut: float
    t0_gyr_no_velocity_cut: float
    separation_unit_kpc_h: float
    mass_unit_msun_h: float
    mass_slope: float
    citation: str


@dataclass(frozen=True)
class LiteratureEntry:
    """A published value in its own quantity and selection, with the timescale that turns it into a rate."""

    name: str
    citation: str
    quantity: str
    value: tuple[float, ...] | None  # a number, [low, high], or None (not filled in)
    units: str
    redshift: str
    selection: str
    verified: bool
    timescale: str | None = None
    correction: float | None = None
    uncertainty: float | None = None
    pair_separation_kpc_h: float | None = None
    pair_stellar_mass_msun_h: float | None = None
    number_density_mpc3: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Illustris:
    """Rodriguez-Gomez et al. 2015, eq. 10 and Table 1, and the sample over which its rate is averaged."""

    citation: str
    log10_a0_gyr: float
    eta: float
    alpha0: float
    alpha1: float
    beta0: float
    beta1: float
    gamma: float
    delta0: float
    delta1: float
    m0_msun: float
    m_ref_msun: float
    mass_ratio_min: tuple[float, ...]  # one Illustris band per minimum stellar mass ratio
    stellar_mass_msun: tuple[float, float]
    redshift: tuple[float, float]


@dataclass(frozen=True)
class Scale:
    """What a GZ2 image covers: 424 px of 0.02 petroR90_r arcsec, at a few redshifts, in a stated cosmology."""

    h0: float
    om0: float
    redshifts: tuple[float, ...]
    petro_r90_minimum_arcsec: float
    petro_r90_typical_arcsec: float
    petro_r90_typical_why: str
    image_px: int
    arcsec_per_px_per_r90: float

    @property
    def cosmology_name(self) -> str:
        return f"astropy FlatLambdaCDM(H0={self.h0:g} km/s/Mpc, Om0={self.om0:g})"


@dataclass(frozen=True)
class Correction:
    name: str
    applied: bool
    size: str
    source: str
    note: str


@dataclass(frozen=True)
class MergerSettings:
    """Config section ``mergers``."""

    estimator: str  # the one quoted, named before the data are seen
    true_threshold: float
    definition_thresholds: tuple[float, ...]
    classification_threshold: float | None
    bootstrap: Bootstrap
    coverage: Coverage
    sweep: Sweep
    gallery_size: int
    rate_timescale: str  # a key of MergerReference.observability
    scale: Scale

    def __post_init__(self):
        if self.estimator not in QUOTABLE:
            raise ValueError(f"mergers.estimator must be one of {QUOTABLE}, got {self.estimator!r}")


@dataclass(frozen=True)
class MergerReference:
    """The reference data of gzmorph/data/merger_reference.yaml: each value with its citation."""

    observability: Mapping[str, Timescale]
    pair_timescale: PairTimescale
    literature: tuple[LiteratureEntry, ...]
    theory: Illustris
    corrections: tuple[Correction, ...]
