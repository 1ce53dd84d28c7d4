"""The merger analysis's reference data (gzmorph/data/merger_reference.yaml, package data), checked and typed.

Published values, observability timescales, the close-pair calibration, the Illustris coefficients and the
corrections are data with citations, not settings: they live in their own file with their own schema, which the
merger_report rule takes as an input (so editing a citation reruns only the report).
"""

from pathlib import Path

import jsonschema
import yaml

from gzmorph.mergers.literature import PAIR_TIMESCALES
from gzmorph.mergers.settings import MergerReference, Timescale
from gzmorph.settings import from_dict

DATA = Path(__file__).resolve().parent.parent / "data"
REFERENCE_FILE = DATA / "merger_reference.yaml"
REFERENCE_SCHEMA = DATA / "merger_reference.schema.yaml"


def load_reference(path: str | Path = REFERENCE_FILE) -> MergerReference:
    """The file checked against its schema and typed; errors name the file, the key and the problem."""
    data = yaml.safe_load(Path(path).read_text())
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(yaml.safe_load(REFERENCE_SCHEMA.read_text())).iter_errors(data)
    )
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ValueError(f"{path}: {where}: {error.message}")
    reference = from_dict(MergerReference, data)
    known = (*reference.observability, *PAIR_TIMESCALES)
    for entry in reference.literature:
        if entry.timescale is not None and entry.timescale not in known:
            raise ValueError(f"{path}: literature {entry.name!r}: timescale {entry.timescale!r} is not one of {known}")
    return reference


def observability(reference: MergerReference, key: str) -> Timescale:
    """The timescale ``key`` (config mergers.rate_timescale) of the reference data, or an error naming both."""
    if key not in reference.observability:
        raise ValueError(
            f"config mergers.rate_timescale: {key!r} is not a key of observability in {REFERENCE_FILE.name} "
            f"({sorted(reference.observability)})"
        )
    return reference.observability[key]
