"""The settings models are the config's one declaration: the defaults validate, every shipped overlay completes,
overlays merge key by key onto the defaults, and a bad key stops the run with one line naming its file and the key.
The merger reference data, their schema and MergerReference name the same keys."""

import copy
import re
import typing
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from gzmorph import command
from gzmorph.config import ConfigError, complete_config, default_config, read_config
from gzmorph.mergers.reference import REFERENCE_FILE, REFERENCE_SCHEMA
from gzmorph.mergers.result import QUOTABLE
from gzmorph.mergers.settings import MergerReference, MergerSettings
from gzmorph.models import ARCHITECTURES, HEADS
from gzmorph.settings import CANDIDATE_ARCHITECTURES, INPUT_PATHS, SLICES, Config, Head, compared_candidates
from tests.conftest import REPO
from tests.scripts import CONFIG, shipped_config

OVERLAYS = sorted((REPO / "configs").glob("*.yaml"))


def test_config_yaml_names_the_input_paths_and_the_defaults_the_rest():
    assert set(yaml.safe_load(CONFIG.read_text())) == set(INPUT_PATHS)
    completed = shipped_config()
    assert {key: value for key, value in completed.items() if key not in INPUT_PATHS} == default_config()
    assert Config.model_validate(completed).model_dump(mode="json") == completed


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_every_shipped_overlay_completes_and_validates(overlay):
    completed = read_config([CONFIG, overlay])
    assert compared_candidates(completed)

    def given(data: dict, path: tuple = ()):
        for key, value in data.items():
            yield from given(value, (*path, key)) if isinstance(value, dict) else [((*path, key), value)]

    for path, value in given(yaml.safe_load(overlay.read_text())):
        found = completed
        for key in path:
            found = found[key]
        assert found == value, path


def test_overlays_merge_key_by_key_onto_the_defaults_and_replace_lists(tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(yaml.safe_dump({"models": {"candidates": {"resnet18": {"width": 32}}}, "training": {"lr": 0.1}}))
    second.write_text(yaml.safe_dump({"cv": {"grid": [{"dropout": 0.1}]}, "training": {"lr": 0.2}}))
    completed = read_config([CONFIG, first, second])
    defaults = default_config()
    assert completed["models"]["candidates"]["resnet18"] == {"architecture": "resnet18", "stem_stride": 2, "width": 32}
    assert completed["models"]["candidates"]["cnn"] == defaults["models"]["candidates"]["cnn"]
    assert completed["cv"]["grid"] == [{"dropout": 0.1}]  # a list is replaced, not merged
    assert completed["training"] == {**defaults["training"], "lr": 0.2}  # the later file wins


def test_a_new_candidate_gets_its_architectures_defaults(tmp_path):
    overlay = tmp_path / "zoo.yaml"
    overlay.write_text(yaml.safe_dump({"models": {"candidates": {"zoo": {"architecture": "timm", "timm_model": "x"}}}}))
    zoo = read_config([CONFIG, overlay])["models"]["candidates"]["zoo"]
    assert zoo == {"architecture": "timm", "timm_model": "x", "pretrained": None, "input_size": None, "finetune": None}


def bad_config_line(tmp_path, monkeypatch, overlay: dict) -> str:
    """The message of the config ``overlay`` given as mine.yaml after config.yaml."""
    monkeypatch.chdir(tmp_path)
    Path("mine.yaml").write_text(yaml.safe_dump(overlay))
    with pytest.raises(ConfigError) as stopped:
        read_config([CONFIG, "mine.yaml"])
    return str(stopped.value)


@pytest.mark.parametrize(
    "overlay, line",
    [
        ({"training": {"lrr": 0.01}}, "training.lrr: unknown key (did you mean lr?)"),
        ({"training": {"lr": -1}}, "training.lr: must be greater than 0 (got -1)"),
        ({"predict": {"tta": 9}}, "predict.tta: must be less than or equal to 8 (got 9)"),
        ({"training": {"steps": "40"}}, "training.steps: must be a valid integer (got '40')"),
        ({"training": {"rotate": 1}}, "training.rotate: must be a valid boolean (got 1)"),
        ({"explore": 3}, "explore: must be a mapping of keys (got 3)"),
        ({"mergers": {"coverage": {"factors": []}}}, "mergers.coverage.factors: must hold at least 1 item(s) (got [])"),
        (
            {"cv": {"grid": [{"channels": [8, 0]}]}},
            "cv.grid[0].channels[1]: must be greater than or equal to 1 (got 0)",
        ),  # fmt: skip
        (
            {"cv": {"grid": [{}]}},
            "cv.grid[0]: a setting overrides at least one key of ['channels', 'kernel_size', 'fc', 'dropout']",
        ),  # fmt: skip
        (
            {"models": {"candidates": {"mine": {"architecture": "vgg"}}}},
            "models.candidates.mine.architecture: must be one of 'resnet18', 'cnn', 'timm' (got 'vgg')",
        ),
        (
            {"models": {"candidates": {"zoo": {"architecture": "timm", "timm_model": "x", "pretrianed": "w"}}}},
            "models.candidates.zoo.pretrianed: unknown key (did you mean pretrained?)",
        ),
        (
            {"models": {"candidates": {"zoo": {"architecture": "timm"}}}},
            "models.candidates.zoo.timm_model: required key missing",
        ),  # fmt: skip
        (
            {"models": {"candidates": {"best": {"architecture": "cnn"}}}},
            "models.candidates.best: not a valid name: 'best' names a folder of results/models/; choose another name",
        ),
        ({"models": {"compare": ["cnn", "cnn"]}}, "models.compare: names a candidate twice: ['cnn', 'cnn']"),
    ],
)
def test_a_bad_key_is_one_line_naming_the_file_and_the_key(tmp_path, monkeypatch, overlay, line):
    assert bad_config_line(tmp_path, monkeypatch, overlay) == f"mine.yaml: {line}"


def test_every_bad_key_has_its_line_naming_the_last_file_that_set_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.yaml").write_text(yaml.safe_dump({"training": {"lr": -1, "steps": 0}}))
    Path("b.yaml").write_text(yaml.safe_dump({"training": {"steps": -5}, "split": {"seeed": 1}}))
    with pytest.raises(ConfigError) as stopped:
        read_config([CONFIG, "a.yaml", "b.yaml"])
    assert str(stopped.value).splitlines() == [
        "b.yaml: split.seeed: unknown key (did you mean seed?)",
        "a.yaml: training.lr: must be greater than 0 (got -1)",
        "b.yaml: training.steps: must be greater than or equal to 1 (got -5)",
    ]


def test_a_value_given_on_the_command_line_is_named_as_such():
    config = {**read_config([CONFIG]), "predict": {"tta": 0}}
    with pytest.raises(ConfigError, match=r"^--config: predict.tta: must be greater than or equal to 1 \(got 0\)$"):
        complete_config(config, [CONFIG], {"predict": {"tta": 0}})


def test_a_missing_input_path_is_named():
    with pytest.raises(
        ConfigError, match=r"^the defaults: target_images: required key missing \(config.yaml names it\)"
    ):
        complete_config({"train_images": "a", "train_labels": "b"}, [])


def test_gzmorph_config_prints_every_key_with_its_description(capsys):
    assert command.main(["config"]) == 0
    listing = capsys.readouterr().out
    assert yaml.safe_load(listing) == default_config()
    assert "  # stop if more than this fraction of the images fail to decode; >= 0, <= 1\n" in listing
    assert "# labelled images (.tar.gz, .tar, .zip or a directory of <GalaxyID>.jpg); required\n# train_images:" in (
        listing
    )
    files = [str(CONFIG), str(REPO / "configs" / "full.yaml")]
    assert command.main(["config", "--configfile", *files]) == 0
    listing = capsys.readouterr().out
    assert yaml.safe_load(listing) == read_config(files)
    assert "per optimizer step; >= 2; default: 32\n  batch_size: 64\n" in listing


def test_gzmorph_config_names_a_bad_key(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("mine.yaml").write_text(yaml.safe_dump({"training": {"lrr": 1}}))
    assert command.main(["config", "--configfile", str(CONFIG), "mine.yaml"]) == 2
    assert capsys.readouterr().err == "gzmorph config: error: mine.yaml: training.lrr: unknown key (did you mean lr?)\n"


def test_typed_slices_dump_back_to_the_plain_slices_they_came_from():
    """Snakemake compares the plain slices to rerun jobs, a checkpoint the dumped training settings to resume."""
    config = shipped_config()
    for name, part in SLICES.items():
        wildcards = {"model": "cnn"}
        typed = part.typed(part.cut(config, wildcards))
        assert typed.model_dump(mode="json") == part.cut(config, wildcards), name
    job = SLICES["train"].typed(SLICES["train"].cut(config, {"model": "cnn"}))
    assert job.training.model_dump() == config["training"] and job.training.augment.zoom == 0.0
    assert job.models.candidates["cnn"].model_dump() == config["models"]["candidates"]["cnn"]
    evaluate = SLICES["evaluate"].typed(config["evaluate"])
    assert isinstance(evaluate.extreme_columns, tuple)
    with pytest.raises(ValidationError, match="frozen"):
        evaluate.n_extremes = 3


def test_the_settings_name_what_the_code_builds():
    assert set(CANDIDATE_ARCHITECTURES) == set(ARCHITECTURES)
    assert set(typing.get_args(typing.get_args(Head)[0])) == set(HEADS)
    assert typing.get_args(MergerSettings.model_fields["estimator"].annotation) == QUOTABLE


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
    config = shipped_config()
    assert compared_candidates(config) == ["resnet18", "cnn"]
    change(config["models"], config["cv"])
    with pytest.raises(ValueError, match=re.escape(named)):
        compared_candidates(config)


def reference_disagreements(cls: type, schema: dict, data, where: str) -> list[str]:
    """Keys that the dataclass ``cls``, its ``schema`` node and the ``data`` do not share, recursing into nested
    dataclasses, tuples of them (schema ``items``) and mappings of them (``additionalProperties``). A field with a
    default is an optional key: in the schema's properties, not in its ``required``."""
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    properties, schema_required = set(schema.get("properties", {})), set(schema.get("required", []))
    problems = [f"{where}: {cls.__name__} {sorted(names)}, schema {sorted(properties)}"] if names != properties else []
    if schema_required != required:
        problems.append(f"{where}: schema required {sorted(schema_required)}, {cls.__name__} {sorted(required)}")
    if data is not None and not required <= set(data) <= names:
        problems.append(f"{where}: data keys {sorted(data)}, {cls.__name__} {sorted(names)}")
    hints = typing.get_type_hints(cls)
    for name in sorted(names & properties):
        value = None if data is None else data.get(name)
        problems += _nested(hints[name], schema["properties"][name], value, f"{where}.{name}")
    return problems


def _nested(hint, schema: dict, value, where: str) -> list[str]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if is_dataclass(hint):
        return reference_disagreements(hint, schema, value, where)
    if origin is tuple and args and is_dataclass(args[0]):
        values = value if value is not None else [None]
        found = (reference_disagreements(args[0], schema["items"], v, f"{where}[{i}]") for i, v in enumerate(values))
        return [p for problems in found for p in problems]
    if origin in (dict, typing.get_origin(typing.Mapping[str, int])) and is_dataclass(args[1]):
        node = schema["additionalProperties"]
        found = (reference_disagreements(args[1], node, v, f"{where}.{k}") for k, v in (value or {None: None}).items())
        return [p for problems in found for p in problems]
    return []


def test_reference_data_schema_and_class_name_the_same_keys():
    data, schema = yaml.safe_load(REFERENCE_FILE.read_text()), yaml.safe_load(REFERENCE_SCHEMA.read_text())
    assert reference_disagreements(MergerReference, schema, data, REFERENCE_FILE.name) == []
    broken = copy.deepcopy(schema)
    broken["properties"]["pair_timescale"]["required"].remove("mass_slope")
    problems = reference_disagreements(MergerReference, broken, data, "")
    assert any("pair_timescale: schema required" in problem for problem in problems)
