"""The merger settings: ``MergerSettings`` (config section ``mergers``, what a user tunes: frozen pydantic models
holding each key's type, default, bounds and description, as every section of gzmorph.settings) and
``MergerReference`` (gzmorph/data/merger_reference.yaml: published values, timescales, Illustris coefficients and
corrections, which a user does not tune: frozen dataclasses built by ``gzmorph.mergers.reference.from_dict`` from
the data its own schema has checked).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from gzmorph.mergers.result import QUOTABLE
from gzmorph.settings_base import Items, Settings

# Read by the merger report and, alone, by the split and the test evaluation (gzmorph.settings.MergerDefinition).
TrueThreshold = Annotated[
    float,
    Field(
        gt=0,
        le=1,
        description="the adopted definition: a labelled galaxy is a true merger when its volunteer Class8.6 >= this",
    ),
]
Fraction = Annotated[float, Field(gt=0, le=1)]
Positive = Annotated[float, Field(gt=0)]


class Bootstrap(Settings):
    resamples: int = Field(1000, ge=10)
    confidence: Literal[0.68] = Field(0.68, description="the report's intervals are 68 % (1 sigma)")
    seed: int = 3


class Coverage(Settings):
    """Known-answer diagnostic: target sets of ``target_size`` galaxies at factor x the calibration galaxies' merger
    fraction (every labelled galaxy)."""

    factors: Items[Positive] = Field((0.25, 0.5, 1.0, 2.0, 4.0), min_length=1)
    target_size: Annotated[int, Field(ge=1)] | None = Field(
        None, description="galaxies per target set; null: as many as the real target set"
    )
    repeats: int = Field(400, ge=2, description="known-answer target sets (400: coverage known to +/- 2.3 points)")
    resamples: int = Field(500, ge=10, description="bootstrap resamples per repeat")
    seed: int = 5


class Sweep(Settings):
    start: Fraction = 0.02
    stop: Fraction = 0.9
    num: int = Field(45, ge=2)


class Scale(Settings):
    """What a GZ2 image covers: 424 px of 0.02 petroR90_r arcsec, at a few redshifts, in a stated cosmology."""

    h0: Positive = Field(70.0, description="Hubble constant of astropy's FlatLambdaCDM, km/s/Mpc")
    om0: Fraction = Field(0.3, description="its matter density")
    redshifts: Items[Positive] = Field((0.02, 0.05, 0.1, 0.15, 0.25), min_length=1)
    petro_r90_minimum_arcsec: Positive = Field(3.0, description="the GZ2 sample cut")
    petro_r90_typical_arcsec: Positive = 5.5
    petro_r90_typical_why: str = (
        "assumed, not measured (the Kaggle files carry no petroR90_r): petroR90 is about 2.5 - 3 times the half-light "
        "radius, and r < 17 main-sample galaxies have half-light radii of about 2 arcsec"
    )
    image_px: int = Field(424, ge=1)
    arcsec_per_px_per_r90: Positive = 0.02

    @property
    def cosmology_name(self) -> str:
        return f"astropy FlatLambdaCDM(H0={self.h0:g} km/s/Mpc, Om0={self.om0:g})"


class MergerSettings(Settings):
    """Config section ``mergers``."""

    estimator: Literal[QUOTABLE] = Field(
        "pacc", description="the one quoted, named before the data are seen, whatever the diagnostic says"
    )
    true_threshold: TrueThreshold = 0.4
    definition_thresholds: Items[Fraction] = Field(
        (0.3, 0.4, 0.5),
        min_length=1,
        description="each definition's fraction is reported as its own row (not an error term)",
    )
    classification_threshold: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None, description="CC's cut on predicted Class8.6; null: the one maximising TPR - FPR on calibration"
    )
    bootstrap: Bootstrap = Field(
        default_factory=Bootstrap, description="target and calibration galaxies resampled together"
    )
    coverage: Coverage = Field(
        default_factory=Coverage,
        description="known-answer diagnostic: targets from the galaxies each fold model never trained on "
        "(factor x their share)",
    )
    sweep: Sweep = Field(default_factory=Sweep, description="thresholds of the threshold-sweep figure")
    gallery_size: int = Field(
        25, ge=1, description="highest-predicted galaxies shown (target set; calibration set with their true values)"
    )
    rate_timescale: str = Field(
        "close_pairs",
        description="the observability entry (gzmorph/data/merger_reference.yaml) of our own identification "
        "(Galaxy Zoo merger votes)",
    )
    scale: Scale = Field(
        default_factory=Scale,
        description="what a GZ2 image covers (Willett et al. 2013): image_px x arcsec_per_px_per_r90 x petroR90_r",
    )


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
class Correction:
    name: str
    applied: bool
    size: str
    source: str
    note: str


@dataclass(frozen=True)
class MergerReference:
    """The reference data of gzmorph/data/merger_reference.yaml: each value with its citation."""

    observability: Mapping[str, Timescale]
    pair_timescale: PairTimescale
    literature: tuple[LiteratureEntry, ...]
    theory: Illustris
    corrections: tuple[Correction, ...]
