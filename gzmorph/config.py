"""The user's config files completed with every default (gzmorph.settings.Config) and validated, in one function.

Files merge as Snakemake merges ``--configfile`` overlays: nested mappings key by key, lists and other values
replaced; the result merges onto the defaults by the same rule, so an overlay holding
``models: {candidates: {resnet18: {width: 32}}}`` changes one key of the default candidate. A config that does not
validate stops with :class:`ConfigError`: one line per problem, naming the file that set the key, the key and what
is wrong with it.
"""

import copy
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from gzmorph.config_errors import problem_lines
from gzmorph.settings import Config, check_renamed_keys

COMMAND_LINE = "--config"  # who set a value given on Snakemake's command line


class ConfigError(ValueError):
    """A config that does not validate; its message holds one line per problem."""


def default_config() -> dict:
    """Every key that has a default, as plain data (the input paths have none: config.yaml names them)."""
    return {
        name: field.get_default(call_default_factory=True).model_dump(mode="json")
        for name, field in Config.model_fields.items()
        if not field.is_required()
    }


def merge(base: Mapping, overlay: Mapping) -> dict:
    """``overlay`` over a copy of ``base``: nested mappings key by key; lists and other values replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_config(paths: Sequence[str | os.PathLike], command_line: Mapping | None = None) -> dict:
    """The config files, later ones overriding earlier ones key by key, then ``command_line`` (Snakemake's --config
    values), completed and validated."""
    config: dict = {}
    for path in paths:
        config = merge(config, read_yaml(path))
    return complete_config(merge(config, command_line or {}), paths, command_line)


def read_yaml(path: str | os.PathLike) -> dict:
    with open(path) as file:
        return yaml.safe_load(file) or {}


def complete_config(config: Mapping, sources: Sequence[str | os.PathLike], command_line: Mapping | None = None) -> dict:
    """``config`` (the merge of the files ``sources``, in order, then of the ``--config`` values ``command_line``)
    over the defaults, validated: the whole config as plain data, or ConfigError naming each bad key's file."""
    try:
        check_renamed_keys(config)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    try:
        return Config.model_validate(merge(default_config(), config)).model_dump(mode="json")
    except ValidationError as error:
        given = [(_shown(path), read_yaml(path)) for path in sources]
        given += [(COMMAND_LINE, command_line)] if command_line else []
        raise ConfigError("\n".join(problem_lines(error, given))) from None


def _shown(path: str | os.PathLike) -> str:
    """The path relative to the working directory when it lies below it, else as given."""
    relative = os.path.relpath(Path(path).absolute())
    return str(path) if relative.startswith(os.pardir) else relative
