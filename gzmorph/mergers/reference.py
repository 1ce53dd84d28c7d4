"""The merger analysis's reference data (gzmorph/data/merger_reference.yaml, package data), checked and typed.

Published values, observability timescales, the close-pair calibration, the Illustris coefficients and the
corrections are data with citations, not settings: they live in their own file with their own schema, which the
merger_report rule takes as an input (so editing a citation reruns only the report).
"""

import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gzmorph.mergers.literature import PAIR_TIMESCALES
from gzmorph.mergers.settings import MergerReference, Timescale

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


def from_dict(cls: type, data: Mapping[str, Any]):
    """A dataclass from a mapping with its fields (those with a default may be left out); nested dataclasses,
    tuples, mappings, optional values and floats are built on the way from the field types."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    unknown, missing = sorted(set(data) - names), sorted(required - set(data))
    if unknown or missing:
        raise ValueError(f"{cls.__name__}: unknown keys {unknown}, missing keys {missing}")
    return cls(**{name: _convert(hints[name], data[name]) for name in names if name in data})


def _convert(hint, value):
    """``value`` (as YAML gives it) as the type ``hint``: the one conversion of every reference dataclass."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if is_dataclass(hint):
        return from_dict(hint, value)
    if origin in (typing.Union, types.UnionType):
        return None if value is None else _convert(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        items = value if isinstance(value, list | tuple) else [value]  # a single value of a list
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in items)
        return tuple(_convert(a, v) for a, v in zip(args, items, strict=True)) if args else tuple(items)
    if origin in (dict, Mapping):
        return {key: _convert(args[1], v) for key, v in value.items()}
    if hint in (dict, Mapping):
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
