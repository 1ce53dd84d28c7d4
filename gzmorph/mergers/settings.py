"""The ``mergers`` section of the config as typed, frozen objects, built once by ``MergerSettings.from_config``.

The schema (gzmorph/config.schema.yaml) has already checked names and types when the workflow runs; these classes
give the code one typed place to read them from, and turn YAML lists into tuples so that settings are hashable.
"""

from collections.abc import Mapping
from dataclasses import dataclass

QUOTABLE = ("pacc", "acc")  # estimators adjusted for the target's merger fraction: config mergers.estimator


def _pair(values) -> tuple[float, float]:
    low, high = (float(v) for v in values)
    return low, high


def _numbers(section: Mapping, text: tuple[str, ...] = (), pairs: tuple[str, ...] = ()) -> dict:
    """A config mapping with every value a float, except the ``text`` keys (str) and ``pairs`` (two floats)."""
    return {k: str(v) if k in text else _pair(v) if k in pairs else float(v) for k, v in section.items()}


@dataclass(frozen=True)
class Bootstrap:
    resamples: int
    confidence: float
    seed: int


@dataclass(frozen=True)
class Coverage:
    """Known-answer diagnostic: target sets of ``target_size`` galaxies at factor x the pool's merger fraction."""

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
    value: tuple[float, ...] | None
    units: str
    redshift: str
    selection: str
    timescale: str | None
    correction: float | None
    uncertainty: float | None
    pair_separation_kpc_h: float | None
    pair_stellar_mass_msun_h: float | None
    number_density_mpc3: float | None
    note: str
    verified: bool

    @classmethod
    def from_config(cls, entry: Mapping) -> "LiteratureEntry":
        value = entry.get("value")
        values = None if value is None else tuple(float(v) for v in (value if isinstance(value, list) else [value]))
        optional = ("correction", "uncertainty", "pair_separation_kpc_h", "pair_stellar_mass_msun_h")
        return cls(
            **{key: str(entry[key]) for key in ("name", "citation", "quantity", "units", "redshift", "selection")},
            value=values,
            timescale=entry.get("timescale"),
            **{key: None if entry.get(key) is None else float(entry[key]) for key in optional},
            number_density_mpc3=None
            if entry.get("number_density_mpc3") is None
            else float(entry["number_density_mpc3"]),
            note=str(entry.get("note", "")),
            verified=bool(entry["verified"]),
        )


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


def _scale(section: Mapping) -> Scale:
    numbers = _numbers({k: v for k, v in section.items() if k != "redshifts"}, text=("petro_r90_typical_why",))
    redshifts = tuple(float(z) for z in section["redshifts"])
    return Scale(**{**numbers, "redshifts": redshifts, "image_px": int(section["image_px"])})


@dataclass(frozen=True)
class Correction:
    name: str
    applied: bool
    size: str
    source: str
    note: str


@dataclass(frozen=True)
class MergerSettings:
    estimator: str  # the one quoted, named before the data are seen
    true_threshold: float
    definition_thresholds: tuple[float, ...]
    classification_threshold: float | None
    bootstrap: Bootstrap
    coverage: Coverage
    sweep: Sweep
    gallery_size: int
    rate_timescale: str
    observability: Mapping[str, Timescale]
    pair_timescale: PairTimescale
    literature: tuple[LiteratureEntry, ...]
    theory: Illustris
    scale: Scale
    corrections: tuple[Correction, ...]

    @classmethod
    def from_config(cls, section: Mapping) -> "MergerSettings":
        """Every key of config ``mergers``, typed; raises KeyError naming a missing key."""
        if section["estimator"] not in QUOTABLE:
            raise ValueError(f"mergers.estimator must be one of {QUOTABLE}, got {section['estimator']!r}")
        threshold, coverage = section["classification_threshold"], section["coverage"]
        theory = {k: v for k, v in section["theory"].items() if k != "mass_ratio_min"}
        return cls(
            estimator=str(section["estimator"]),
            true_threshold=float(section["true_threshold"]),
            definition_thresholds=tuple(float(t) for t in section["definition_thresholds"]),
            classification_threshold=None if threshold is None else float(threshold),
            bootstrap=Bootstrap(**section["bootstrap"]),
            coverage=Coverage(**{**coverage, "factors": tuple(float(f) for f in coverage["factors"])}),
            sweep=Sweep(**section["sweep"]),
            gallery_size=int(section["gallery_size"]),
            rate_timescale=str(section["rate_timescale"]),
            observability={
                k: Timescale(_pair(v["gyr"]), v["citation"], " ".join(v["why"].split()))
                for k, v in section["observability"].items()
            },
            pair_timescale=PairTimescale(**_numbers(section["pair_timescale"], text=("citation",))),
            literature=tuple(LiteratureEntry.from_config(e) for e in section["literature"]),
            theory=Illustris(
                **_numbers(theory, text=("citation",), pairs=("stellar_mass_msun", "redshift")),
                mass_ratio_min=tuple(float(m) for m in section["theory"]["mass_ratio_min"]),
            ),
            scale=_scale(section["scale"]),
            corrections=tuple(Correction(**c) for c in section["corrections"]),
        )
