"""A config's validation errors as one line per bad key: the file that set it, the key path and what is wrong, e.g.
``mine.yaml: training.lrr: unknown key (did you mean lr?)`` (gzmorph.config.complete_config)."""

import difflib
import typing
from collections.abc import Mapping

from pydantic import BaseModel, ValidationError

from gzmorph.settings import Config

DEFAULTS = "the defaults"


def problem_lines(error: ValidationError, given: list[tuple[str, Mapping]]) -> list[str]:
    """One line per bad key: ``<file>: <key path>: <problem>``, in the order pydantic found them."""
    problems: dict[tuple, list[tuple[str, str | None]]] = {}
    for detail in error.errors():
        if not _spurious(detail):
            path, holder = key_path(detail["loc"])
            path, problem = describe(detail, path, holder)
            problems.setdefault(tuple(path), []).append(problem)
    return [f"{setter(path, given)}: {dotted(path)}: {_joined(found)}" for path, found in problems.items()]


def _spurious(detail: dict) -> bool:
    """Pydantic's extra 'too short' beside a bad item of a long enough list."""
    ctx = detail.get("ctx", {})
    return detail["type"] == "too_short" and len(detail["input"]) >= ctx.get("min_length", 0)


def key_path(loc: tuple) -> tuple[list, type[BaseModel] | None]:
    """The keys and list positions of pydantic's ``loc`` (without its labels of union members), and the model
    whose field the last key is (or should be)."""
    path, node, holder = [], Config, None
    for part in loc:
        node = _bare(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            holder, field = node, node.model_fields.get(part)
            path.append(part)
            node = field.annotation if field else None
        elif typing.get_origin(node) in (dict, list, tuple):
            path.append(part)
            node = typing.get_args(node)[-1 if typing.get_origin(node) is dict else 0]
        elif typing.get_origin(node) in (typing.Union, type(int | None)):
            node = _member(node, part)
        else:
            path.append(part)
            node = None
    return path, holder


def _bare(hint):
    """``hint`` without its Annotated metadata and its ``| None``."""
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    members = [m for m in typing.get_args(hint) if m is not type(None)]
    if typing.get_origin(hint) in (typing.Union, type(int | None)) and len(members) == 1:
        return _bare(members[0])
    return hint


def _member(union, label):
    """The member of a union that pydantic's ``label`` names: a model whose literal field is the tag, else None."""
    for member in typing.get_args(union):
        if isinstance(member, type) and issubclass(member, BaseModel):
            tags = (typing.get_args(f.annotation) for f in member.model_fields.values())
            if any(label in tag for tag in tags):
                return member
    return None


def describe(detail: dict, path: list, holder: type[BaseModel] | None) -> tuple[list, tuple[str, str | None]]:
    """The key path the problem is about and (what is wrong, the value found or None)."""
    kind, ctx = detail["type"], detail.get("ctx", {})
    if kind == "extra_forbidden":
        return path, (f"unknown key ({_suggestion(path[-1], holder)})", None)
    if kind == "missing":
        return path, ("required key missing" + (" (config.yaml names it)" if path == [path[0]] else ""), None)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        key = ctx["discriminator"].strip("'")
        if kind == "union_tag_not_found":
            return [*path, key], ("required key missing", None)
        return [*path, key], (f"must be one of {ctx['expected_tags']}", repr(ctx["tag"]))
    if kind == "value_error":  # ours (gzmorph.settings): the message says what it found
        return path, (_named(detail, detail["msg"].removeprefix("Value error, ")), None)
    if kind in ("model_type", "dict_type"):
        return path, ("must be a mapping of keys", _found(detail["input"]))
    if kind == "too_short":
        return path, (f"must hold at least {ctx['min_length']} item(s)", _found(detail["input"]))
    message = detail["msg"].replace("Input should be", "must be", 1).replace("String should", "must", 1)
    return path, (_named(detail, message), _found(detail["input"]))


def _named(detail: dict, message: str) -> str:
    """A problem of a mapping's key (a candidate's name) said to be one."""
    return f"not a valid name: {message}" if "[key]" in detail["loc"] else message


def _suggestion(key, holder: type[BaseModel] | None) -> str:
    known = list(holder.model_fields) if holder else []
    close = difflib.get_close_matches(str(key), known, n=1) or [k for k in known if str(key) in k or k in str(key)]
    return f"did you mean {close[0]}?" if close else f"known keys: {', '.join(known)}"


def _found(value, limit: int = 80) -> str:
    """The value as the YAML gave it (a list, not the tuple it may have become), cut to ``limit`` characters."""
    text = repr(list(value) if isinstance(value, tuple) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _joined(problems: list[tuple[str, str | None]]) -> str:
    """Several problems of one key (a value of none of a union's types) as one: 'must be a or b (got x)'."""
    messages = list(dict.fromkeys(message for message, _ in problems))
    if len(messages) > 1 and all(m.startswith("must be ") for m in messages):
        messages = [messages[0], *(m.removeprefix("must be ") for m in messages[1:])]
    found = next((value for _, value in problems if value is not None), None)
    return " or ".join(messages) + (f" (got {found})" if found is not None else "")


def dotted(path: list) -> str:
    """``models.candidates.cnn.channels[0]``: keys joined by dots, list positions in brackets."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def setter(path: list, given: list[tuple[str, Mapping]]) -> str:
    """The last of the ``given`` (name, data) that holds ``path``, else its longest part held; else the defaults."""
    for length in range(len(path), -1, -1):
        holding = [name for name, data in given if _holds(data, path[:length])]
        if holding:
            return holding[-1]
    return DEFAULTS


def _holds(data, path: list) -> bool:
    for part in path:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return False
    return True
