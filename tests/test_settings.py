"""config.yaml, its schema and the settings classes name the same keys, section by section and nested; so do the
merger reference data, their schema and MergerReference. A key added to one and not the others fails here."""

import copy
import re
import typing
from dataclasses import MISSING, fields, is_dataclass

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from gzmorph import binding
from gzmorph.mergers.reference import REFERENCE_FILE, REFERENCE_SCHEMA
from gzmorph.mergers.result import QUOTABLE
from gzmorph.mergers.settings import MergerReference
from gzmorph.models import ARCHITECTURES
from gzmorph.settings import (
    INPUT_PATHS,
    SECTIONS,
    ModelChoice,
    Models,
    SplitJob,
    compared_candidates,
    from_dict,
)
from tests.conftest import REPO

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
SCHEMA_FILE = binding.SCHEMA
SCHEMA = yaml.safe_load(SCHEMA_FILE.read_text())


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
    # models.folds is read by the split job (SplitJob.folds), models.compare by the rules, the rest by Models and
    # ModelChoice
    model_keys = {"folds", "compare", *(f.name for f in fields(ModelChoice)), *(f.name for f in fields(Models))}
    assert "folds" in {f.name for f in fields(SplitJob)}
    for keys, what in ((set(models), "config.yaml"), (set(model_schema["properties"]), "schema"),
                       (set(model_schema["required"]), "schema required")):  # fmt: skip
        problems += [f"models: {what} {sorted(keys)}, settings {sorted(model_keys)}"] if keys != model_keys else []
    kinds = model_schema["properties"]["candidates"]["additionalProperties"]["properties"]["architecture"]["enum"]
    if set(kinds) != set(ARCHITECTURES) or set(schema["$defs"]) - {"cnn_keys"} < set(ARCHITECTURES):
        problems.append(f"models.candidates: schema architectures {kinds}, gzmorph.models {list(ARCHITECTURES)}")
    for name, candidate in models["candidates"].items():
        node = schema["$defs"][candidate["architecture"]]
        if set(candidate) != set(node["properties"]) or not set(node["required"]) <= set(candidate):
            problems.append(f"models.candidates.{name}: config.yaml {sorted(candidate)}, schema {node}")
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
        (lambda c, s: c["models"]["candidates"]["cnn"].update(depth=3), "models.candidates.cnn"),
        (lambda c, s: s["properties"]["ingest"]["properties"].update(extra={"type": "number"}), "only in the schema"),
    ],
)
def test_a_key_in_one_place_but_not_the_others_is_named(break_it, named):
    config, schema = copy.deepcopy(CONFIG), copy.deepcopy(SCHEMA)
    break_it(config, schema)
    assert any(named in problem for problem in config_disagreements(config, schema))


@pytest.mark.parametrize(
    "change, named",
    [
        (lambda m, cv: m["compare"].append("vit"), "models.compare[2]: 'vit' is not a candidate"),
        (lambda m, cv: m.update(prefer_on_tie="convnext_atto"), "models.prefer_on_tie: 'convnext_atto' is not in"),
        (lambda m, cv: cv.update(candidate="resnet18"), "cv.candidate: 'resnet18' is not of architecture cnn"),
        (
            lambda m, cv: (
                m["compare"].append("convnext_atto") or m["candidates"]["convnext_atto"].update(pretrained="z")
            ),
            "models.candidates.convnext_atto.pretrained: z: no such file or folder",
        ),
    ],
)
def test_a_candidate_name_that_does_not_fit_is_named(change, named):
    config = copy.deepcopy(CONFIG)
    assert compared_candidates(config) == ["resnet18", "cnn"]
    change(config["models"], config["cv"])
    with pytest.raises(ValueError, match=re.escape(named)):
        compared_candidates(config)


@pytest.mark.parametrize(
    "candidate, named",
    [
        ({"architecture": "vgg"}, "'vgg' is not one of"),
        ({"architecture": "timm", "timm_model": "convnext_atto", "pretrianed": "w.safetensors"}, "pretrianed"),
        ({"architecture": "resnet18", "stem_stride": 2}, "'width' is a required property"),
    ],
)
def test_the_schema_names_what_is_wrong_with_a_candidate(candidate, named):
    config = copy.deepcopy(CONFIG)
    config["models"]["candidates"]["mine"] = candidate
    with pytest.raises(WorkflowError, match=re.escape(named)):
        validate(config, str(SCHEMA_FILE))


def test_reserved_folder_names_are_no_candidates():
    config = copy.deepcopy(CONFIG)
    config["models"]["candidates"]["best"] = dict(config["models"]["candidates"]["resnet18"])
    with pytest.raises(WorkflowError, match="best"):
        validate(config, str(SCHEMA_FILE))
