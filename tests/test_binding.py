"""The binding between a rule and its script (gzmorph.binding): strict about names in both directions, typed settings,
config overlays for runs by hand, and failures logged with their traceback."""

import importlib.util
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from snakemake.io import is_callable
from snakemake.iocontainers import Namedlist

from gzmorph import binding
from gzmorph.config import ConfigError, default_config
from gzmorph.settings import Explore
from tests.conftest import REPO

INTERFACE = binding.Interface(
    "A test script.",
    inputs=(
        binding.TRAIN_INDEX,
        binding.Files("histories", "history.csv of each model", many=True),
        binding.Files("labels", "optional labels", optional=True),
    ),
    outputs=(binding.FIGURE,),
    settings=("explore",),
    wildcards=("model",),
)
EXPLORE = {"seed": 3, "n_random_images": 9, "histogram_bins": 20, "n_downsizing_examples": 2}


def namedlist(*unnamed, **named) -> Namedlist:
    """A Namedlist built as Snakemake builds a rule's input or output: a named list of files is flattened into the
    list and its name covers the slice."""
    items = Namedlist(toclone=list(unnamed))
    for name, value in named.items():
        start = len(items)
        if isinstance(value, list):
            items.extend(value)
            items._set_name(name, start, len(items))
        else:
            items.append(value)
            items._set_name(name, start)
    return items


def fake_snakemake(tmp_path, inputs=None, outputs=None, params=None, wildcards=None, unnamed_inputs=()):
    inputs = (
        {"train_index": "results/data/train/index.parquet", "histories": ["a/history.csv", "b/history.csv"]}
        if inputs is None
        else inputs
    )
    return SimpleNamespace(
        input=namedlist(*unnamed_inputs, **inputs),
        output=namedlist(**({"figure": "out.png"} if outputs is None else outputs)),
        params=namedlist(**({"explore": dict(EXPLORE)} if params is None else params)),
        wildcards=namedlist(**({"model": "cnn"} if wildcards is None else wildcards)),
        log=namedlist(log=str(tmp_path / "logs" / "job.log")),
        threads=2,
    )


def test_a_matching_rule_binds_files_wildcards_threads_and_log(tmp_path):
    args = binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path))
    assert args.train_index == "results/data/train/index.parquet"
    assert args.histories == ["a/history.csv", "b/history.csv"]
    assert args.labels is None  # optional and absent
    assert args.figure == "out.png"
    assert args.model == "cnn"  # the rule's wildcard reaches the script
    assert args.threads == 2 and args.log == str(tmp_path / "logs" / "job.log")


def test_settings_arrive_typed(tmp_path):
    args = binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path))
    assert args.explore == Explore(seed=3, n_random_images=9, histogram_bins=20, n_downsizing_examples=2)


def test_a_misspelt_params_key_fails_naming_it(tmp_path):
    with pytest.raises(binding.BindingError, match=r"params has \['explor'\]"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, params={"explor": dict(EXPLORE)}))


def test_a_missing_params_key_fails_naming_it(tmp_path):
    with pytest.raises(binding.BindingError, match=r"params lacks \['explore'\]"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, params={}))


def test_a_slice_with_a_wrong_key_is_refused_by_its_settings(tmp_path):
    with pytest.raises(ValueError, match=r"validation error for Explore\nbins\n  Extra inputs are not permitted"):
        explore = {**{k: v for k, v in EXPLORE.items() if k != "histogram_bins"}, "bins": 20}
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, params={"explore": explore}))


def test_a_missing_required_input_fails_naming_it(tmp_path):
    with pytest.raises(binding.BindingError, match=r"input lacks \['train_index'\]"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, inputs={"histories": ["a/history.csv"]}))


def test_an_undeclared_output_fails_naming_it(tmp_path):
    outputs = {"figure": "out.png", "table": "out.csv"}
    with pytest.raises(binding.BindingError, match=r"output has \['table'\]"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, outputs=outputs))


def test_an_unnamed_input_fails(tmp_path):
    with pytest.raises(binding.BindingError, match="unnamed files"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, unnamed_inputs=("stray.csv",)))


def test_a_list_where_the_script_expects_one_file_fails(tmp_path):
    inputs = {"train_index": ["a/index.parquet", "b/index.parquet"], "histories": ["a/history.csv"]}
    with pytest.raises(binding.BindingError, match=r"input.train_index: the script expects one file, the rule gives 2"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, inputs=inputs))


def test_a_wrong_wildcard_fails_naming_it(tmp_path):
    with pytest.raises(binding.BindingError, match=r"wildcards has \['imageset'\]"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, wildcards={"model": "cnn", "imageset": "train"}))
    with pytest.raises(binding.BindingError, match=r"wildcards lacks \['model'\]"):
        binding.bind_snakemake(INTERFACE, fake_snakemake(tmp_path, wildcards={}))


def by_hand(*configfiles: Path) -> list[str]:
    return [
        "--train-index",
        "index.parquet",
        "--histories",
        "a/history.csv",
        "b/history.csv",
        "--figure",
        "out.png",
        "--model",
        "best",
        "--configfile",
        *map(str, configfiles),
    ]


def test_a_run_by_hand_merges_configfile_overlays_key_by_key(tmp_path):
    overlay, last = tmp_path / "overlay.yaml", tmp_path / "last.yaml"
    overlay.write_text(yaml.safe_dump({"explore": {"seed": 11, "histogram_bins": 7}}))
    last.write_text(yaml.safe_dump({"explore": {"seed": 12}}))
    args = binding.parse_command_line(INTERFACE, by_hand(REPO / "config.yaml", overlay, last))
    defaults = default_config()["explore"]
    assert args.explore == Explore(
        seed=12,  # the later file wins
        n_random_images=defaults["n_random_images"],  # untouched keys keep the base config's value
        histogram_bins=7,
        n_downsizing_examples=defaults["n_downsizing_examples"],
    )
    assert args.histories == ["a/history.csv", "b/history.csv"] and args.model == "best" and args.labels is None


def test_a_run_by_hand_refuses_a_config_key_the_settings_do_not_know(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"explore": {"bins": 7}}))
    with pytest.raises(ConfigError, match=r"overlay.yaml: explore.bins: unknown key \(did you mean histogram_bins\?\)"):
        binding.parse_command_line(INTERFACE, by_hand(REPO / "config.yaml", overlay))


def test_a_run_by_hand_names_the_new_name_of_a_renamed_key(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"test_images": "unlabelled.zip"}))
    message = "config test_images: renamed to target_images (the unlabelled images to predict)"
    with pytest.raises(ValueError, match=re.escape(message)):
        binding.parse_command_line(INTERFACE, by_hand(REPO / "config.yaml", overlay))


def test_a_run_by_hand_needs_every_required_file(capsys):
    with pytest.raises(SystemExit):
        binding.parse_command_line(INTERFACE, ["--figure", "out.png", "--model", "cnn"])
    assert "--train-index" in capsys.readouterr().err


def test_run_logs_a_failure_with_its_traceback_and_exits_1(tmp_path):
    def main(args):
        raise RuntimeError(f"broken on {args.model}")

    snakemake = fake_snakemake(tmp_path)
    try:
        with pytest.raises(SystemExit) as stopped:
            binding.run(main, INTERFACE, snakemake)
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])  # release the log file
    assert stopped.value.code == 1
    text = Path(snakemake.log.log).read_text()
    assert "RuntimeError: broken on cnn" in text
    assert "Traceback (most recent call last)" in text and "in main" in text


def test_run_logs_a_binding_error_to_the_rule_log(tmp_path):
    snakemake = fake_snakemake(tmp_path, params={"explor": dict(EXPLORE)})
    try:
        with pytest.raises(SystemExit):
            binding.run(lambda args: None, INTERFACE, snakemake)
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
    assert "BindingError" in Path(snakemake.log.log).read_text()


def script_interfaces() -> dict[str, binding.Interface]:
    """The INTERFACE of every script converted to the binding, by script name (importing one runs no code)."""
    interfaces = {}
    for path in sorted((REPO / "scripts").glob("*.py")):
        if "INTERFACE = binding.Interface(" in path.read_text():
            spec = importlib.util.spec_from_file_location(f"scripts_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            interfaces[path.name] = module.INTERFACE
    return interfaces


@pytest.fixture(scope="module")
def workflow_rules(workflow):
    """The rules of the workflow that run a script, as Snakemake parses them (nothing runs)."""
    return [rule for rule in workflow.rules if rule.script]


def test_every_rule_gives_its_script_exactly_the_keys_it_declares(workflow_rules):
    interfaces = script_interfaces()
    checked = []
    for rule in workflow_rules:
        interface = interfaces.get(Path(rule.script).name)
        if interface is None:
            continue
        checked.append(rule.name)
        where = f"rule {rule.name} / {rule.script}"
        assert list(rule.output._names) == [f.name for f in interface.outputs], where
        assert sorted(rule.params._names) == sorted([*interface.settings, *interface.values]), where
        assert sorted(rule.wildcard_names) == sorted(interface.wildcards), where
        declared = {f.name for f in interface.inputs}
        required = {f.name for f in interface.inputs if not f.optional}
        named = set(rule.input._names)
        unnamed = [
            item
            for k, item in enumerate(rule.input)
            if not any(a <= k < (b or a + 1) for a, b in rule.input._names.values())
        ]
        assert all(is_callable(item) for item in unnamed), f"{where}: unnamed input files {unnamed}"  # unpack(...)
        assert named <= declared and (unnamed or required <= named), where  # unpack(...) names its keys at run time
    assert {"ingest", "preprocess", "explore_random_images", "evaluate_extremes", "publish_best"} <= set(checked)


def test_an_interface_that_declares_a_name_twice_is_refused():
    with pytest.raises(binding.BindingError, match=r"\['split'\]"):
        binding.Interface("doc", outputs=(binding.Files("split", "x"),), settings=("split",))
    with pytest.raises(binding.BindingError, match="config slices"):
        binding.Interface("doc", settings=("no_such_slice",))


def test_plain_values_pass_through_as_given(tmp_path):
    interface = binding.Interface("doc", outputs=(binding.FIGURE,), values=("sections",))
    snakemake = fake_snakemake(tmp_path, inputs={}, params={"sections": {"Data": [{"path": "a"}]}}, wildcards={})
    assert binding.bind_snakemake(interface, snakemake).sections == {"Data": [{"path": "a"}]}
    args = binding.parse_command_line(interface, ["--figure", "x.png", "--sections", '{"Data": []}'])
    assert args.sections == {"Data": []}
    with pytest.raises(binding.BindingError, match="sections"):
        binding.bind_snakemake(interface, fake_snakemake(tmp_path, inputs={}, params={}, wildcards={}))
