"""config.yaml, its schema and the settings classes name the same keys, section by section and nested; so do the
merger reference data, their schema and MergerReference. A key added to one and not the others fails here."""

import copy
import typing
from dataclasses import MISSING, fields, is_dataclass

import pytest
import yaml

from gzmorph import cli
from gzmorph.mergers.reference import REFERENCE_FILE, REFERENCE_SCHEMA
from gzmorph.mergers.result import QUOTABLE
from gzmorph.mergers.settings import MergerReference
from gzmorph.settings import ARCHITECTURES, INPUT_PATHS, SECTIONS, ModelChoice, Models, SplitJob, from_dict
from tests.conftest import REPO

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
SCHEMA = yaml.safe_load(cli.SCHEMA.read_text())


def _unwrap(hint):
    """The type inside ``X | None``."""
    if typing.get_origin(hint) in (typing.Union, typing.get_origin(int | None)):
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def disagreements(cls: type, schema: dict, data, where: str) -> list[str]:
    """Keys that the dataclass ``cls``, its ``schema`` node and the ``data`` (a mapping, or None) do not share;
    recursing into nested dataclasses, tuples of them (schema ``items``) and mappings of them
    (``additionalProperties``). A field with a default is an optional key: in the schema's properties, not in its
    ``required``, and free to be left out of the data."""
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    properties, schema_required = set(schema.get("properties", {})), set(schema.get("required", []))
    problems = [f"{where}: only in {cls.__name__}: {sorted(names - properties)}"] if names - properties else []
    problems += [f"{where}: only in the schema: {sorted(properties - names)}"] if properties - names else []
    if schema_required != required:
        problems.append(f"{where}: schema required {sorted(schema_required)}, {cls.__name__} {sorted(required)}")
    if data is not None and not required <= set(data) <= names:
        problems.append(
            f"{where}: data keys {sorted(data)}, {cls.__name__} {sorted(names)} ({sorted(required)} needed)"
        )
    hints = typing.get_type_hints(cls)
    for name in sorted(names & properties):
        value = None if data is None else data.get(name)
        problems += _nested(_unwrap(hints[name]), schema["properties"][name], value, f"{where}.{name}")
    return problems


def _nested(hint, schema: dict, value, where: str) -> list[str]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if is_dataclass(hint):
        return disagreements(hint, schema, value, where)
    if origin is tuple and args and is_dataclass(args[0]):
        values = value if value is not None else [None]
        return [p for i, v in enumerate(values) for p in disagreements(args[0], schema["items"], v, f"{where}[{i}]")]
    if origin in (dict, typing.get_origin(typing.Mapping[str, int])) and is_dataclass(args[1]):
        values = (value or {None: None}).items()
        return [p for k, v in values for p in disagreements(args[1], schema["additionalProperties"], v, f"{where}.{k}")]
    return []


def config_disagreements(config: dict, schema: dict) -> list[str]:
    """Every disagreement between config.yaml, its schema and the settings classes (gzmorph.settings.SECTIONS)."""
    top = {*INPUT_PATHS, *SECTIONS, "models"}
    problems = [] if set(config) == top else [f"config.yaml top level {sorted(config)}, settings {sorted(top)}"]
    if set(schema["properties"]) != top or set(schema["required"]) != top:
        problems.append(f"schema top level {sorted(schema['properties'])}, settings {sorted(top)}")
    for name, cls in SECTIONS.items():
        problems += disagreements(cls, schema["properties"][name], config.get(name), name)
    models, model_schema = config["models"], schema["properties"]["models"]
    # models.folds is read by the split job (SplitJob.folds), the rest by Models and ModelChoice
    model_keys = {"head", "folds", *(f.name for f in fields(ModelChoice)), *ARCHITECTURES}
    assert "folds" in {f.name for f in fields(SplitJob)}
    assert {f.name for f in fields(Models)} == {"head", *ARCHITECTURES}
    for keys, what in ((set(models), "config.yaml"), (set(model_schema["properties"]), "schema"),
                       (set(model_schema["required"]), "schema required")):  # fmt: skip
        problems += [f"models: {what} {sorted(keys)}, settings {sorted(model_keys)}"] if keys != model_keys else []
    for architecture in ARCHITECTURES:
        node = model_schema["properties"][architecture]
        if not set(models[architecture]) == set(node["properties"]) == set(node["required"]):
            problems.append(f"models.{architecture}: config.yaml {sorted(models[architecture])}, schema {node}")
    return problems


def test_config_schema_and_settings_classes_name_the_same_keys():
    assert config_disagreements(CONFIG, SCHEMA) == []
    for name, cls in SECTIONS.items():
        from_dict(cls, CONFIG[name])  # and config.yaml's values build them


def test_the_quotable_estimators_are_the_schemas_choices():
    assert tuple(SCHEMA["properties"]["mergers"]["properties"]["estimator"]["enum"]) == QUOTABLE


def test_reference_data_schema_and_class_name_the_same_keys():
    data, schema = yaml.safe_load(REFERENCE_FILE.read_text()), yaml.safe_load(REFERENCE_SCHEMA.read_text())
    assert disagreements(MergerReference, schema, data, REFERENCE_FILE.name) == []


@pytest.mark.parametrize(
    "break_it, named",
    [
        (lambda c, s: c["mergers"]["coverage"].update(extra=1), "mergers.coverage: data keys"),
        (lambda c, s: s["properties"]["mergers"]["properties"]["sweep"]["properties"].pop("num"), "mergers.sweep"),
        (lambda c, s: s["properties"]["training"]["required"].remove("lr"), "training: schema required"),
        (lambda c, s: c["split"].pop("seed"), "split: data keys"),
        (lambda c, s: c["models"]["cnn"].update(depth=3), "models.cnn"),
        (lambda c, s: s["properties"]["ingest"]["properties"].update(extra={"type": "number"}), "only in the schema"),
    ],
)
def test_a_key_in_one_place_but_not_the_others_is_named(break_it, named):
    config, schema = copy.deepcopy(CONFIG), copy.deepcopy(SCHEMA)
    break_it(config, schema)
    assert any(named in problem for problem in config_disagreements(config, schema))
