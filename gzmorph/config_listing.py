"""The whole config as YAML with each key's description, default and bounds as a comment (``gzmorph config``),
generated from the settings models (gzmorph.settings.Config)."""

import textwrap
import typing

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from gzmorph.config import default_config
from gzmorph.settings import CANDIDATE_KINDS, Config

WIDTH = 120
HEADER = """\
# gzmorph's config: every key, its value and what it means. config.yaml names the three input paths (required); every
# other key has its default in gzmorph/settings.py, and a file of your own given last (--configfile) changes only its
# keys."""
BOUNDS = {annotated_types.Ge: ">=", annotated_types.Gt: ">", annotated_types.Le: "<=", annotated_types.Lt: "<"}
KIND_OF_ARCHITECTURE = {kind.model_fields["architecture"].default: kind for kind in CANDIDATE_KINDS}


def config_listing(config: dict | None = None) -> str:
    """``config`` (a completed one; default: the defaults, the input paths as comments) as commented YAML."""
    values = default_config() if config is None else config
    return "\n".join([HEADER, "", *_model_lines(Config, values, 0)]) + "\n"


def _model_lines(model: type[BaseModel], values: dict, depth: int) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        lines += _comment(field, values.get(name), depth, given=name in values)
        lines += _key_lines(name, field.annotation, values[name], depth) if name in values else [f"# {name}:"]
    return lines


def _key_lines(name: str, hint, value, depth: int) -> list[str]:
    """A section, or a mapping of candidates, as a block of described keys; any other value as YAML."""
    section = _model(hint)
    if section is not None and isinstance(value, dict):
        return [_indent(f"{name}:", depth), *_model_lines(section, value, depth + 1)]
    if _holds_candidates(hint) and isinstance(value, dict):
        lines = [_indent(f"{name}:", depth)]
        for key, candidate in value.items():
            kind = KIND_OF_ARCHITECTURE[candidate["architecture"]]
            lines += [_indent(f"{key}:", depth + 1), *_model_lines(kind, candidate, depth + 2)]
        return lines
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        return [_indent(f"{name}:", depth), *(_indent(f"- {_flow(item)}", depth) for item in value)]
    return [_indent(f"{name}: {_flow(value)}", depth)]


def _model(hint) -> type[BaseModel] | None:
    """The settings model of a field's type (``X`` or ``X | None``), if it is one."""
    hint = _bare(hint)
    members = [m for m in typing.get_args(hint) if m is not type(None)] if _is_union(hint) else [hint]
    model = members[0] if len(members) == 1 else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _holds_candidates(hint) -> bool:
    return typing.get_origin(hint) is dict and set(typing.get_args(_bare(typing.get_args(hint)[1]))) == set(
        CANDIDATE_KINDS
    )


def _comment(field: FieldInfo, value, depth: int, given: bool) -> list[str]:
    description = (field.description or "").rstrip(".")
    notes = [description, _choices(field.annotation, description), _bounds(field)]
    if field.is_required():
        notes.append("required")
    else:
        default = to_jsonable_python(field.get_default(call_default_factory=True))
        if given and value != default and not isinstance(value, dict) and not isinstance(default, dict):
            notes.append(f"default: {_flow(default)}")
    text = "; ".join(note for note in notes if note)
    lines = textwrap.wrap(text, WIDTH - 2 * depth - 2, break_on_hyphens=False)
    return [_indent(f"# {line}", depth) for line in lines]


def _choices(hint, description: str) -> str:
    """'adam | adamw' for a field of several literal values, unless its description names them all."""
    hint = _bare(hint)
    values = [str(v) for v in typing.get_args(hint)] if typing.get_origin(hint) is typing.Literal else []
    return " | ".join(values) if len(values) > 1 and not all(v in description for v in values) else ""


def _bounds(field: FieldInfo) -> str:
    """'>= 1, <= 8' from the field's own constraints, and from its items' ('each > 0') or its non-null value's."""
    texts = _bound_texts(field.metadata)
    hint = _bare(field.annotation)
    each = "each " if typing.get_origin(hint) in (list, tuple) else ""
    for arg in typing.get_args(hint):
        if typing.get_origin(arg) is typing.Annotated:
            inner = [c for meta in arg.__metadata__ for c in getattr(meta, "metadata", [meta])]
            texts += [each + text for text in _bound_texts(inner)]
    return ", ".join(texts)


def _bound_texts(constraints) -> list[str]:
    found = [c for c in constraints if type(c) in BOUNDS]
    return [f"{BOUNDS[type(c)]} {getattr(c, type(c).__name__.lower())}" for c in found]


def _bare(hint):
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    return hint


def _is_union(hint) -> bool:
    return typing.get_origin(hint) in (typing.Union, type(int | None))


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=float("inf")).removesuffix("\n...\n").strip()


def _indent(line: str, depth: int) -> str:
    return "  " * depth + line
