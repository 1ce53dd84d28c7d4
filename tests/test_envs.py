"""The per-rule conda environments hold every package their rules import, at the versions pyproject.toml pins.

pyproject.toml's dependencies are the one list of packages and pins. Each rule's script is walked for its imports,
recursively through the modules of ``gzmorph`` it reaches (function-level imports included, ``if TYPE_CHECKING``
blocks not), and each third-party package found must be in the rule's ``conda:`` environment; every package an
environment lists must carry the same version bounds as in pyproject.toml.
"""

import ast
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Import names whose distribution is named otherwise (pyproject.toml's name), and conda-forge names that differ.
DISTRIBUTION = {"PIL": "pillow", "yaml": "pyyaml"}
CONDA_NAME = {"torch": "pytorch", "matplotlib": "matplotlib-base"}
# Imports inside functions that no rule job calls; each with the reason, so that the list stays short and checked.
NOT_ON_A_RULES_PATH = {
    ("gzmorph.binding", "snakemake"): "load_config serves scripts run by hand; a rule passes its config slices",
    ("gzmorph.device", "torch"): "pick_device is called only by scripts that import torch at their top",
}
_REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9_.-]+)\s*(?P<spec>.*)")


def requirement(text: str) -> tuple[str, str]:
    match = _REQUIREMENT.fullmatch(text.strip())
    return match["name"].lower(), match["spec"].replace(" ", "")


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(requirement(r) for r in project["dependencies"])


def env_packages(env_file: Path) -> dict[str, str]:
    """{pyproject name: version bounds} of a conda environment file, without python itself."""
    pip_name = {conda: pip for pip, conda in CONDA_NAME.items()}
    entries = dict(requirement(d) for d in yaml.safe_load(env_file.read_text())["dependencies"])
    return {pip_name.get(name, name): spec for name, spec in entries.items() if name != "python"}


def rules() -> dict[str, tuple[Path, Path]]:
    """{rule name: (its script, its conda environment file)} of every rule in rules/*.smk."""
    found = {}
    for smk in sorted((ROOT / "rules").glob("*.smk")):
        blocks = re.split(r"^(?:rule|checkpoint) (\w+):\n", smk.read_text(), flags=re.M)
        for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
            conda = re.search(r'conda:\s*"([^"]+)"', body)
            script = re.search(r'script:\s*"([^"]+)"', body)
            assert conda and script, f"{smk.name}: rule {name} lacks a conda: or script: directive"
            found[name] = ((smk.parent / script[1]).resolve(), (smk.parent / conda[1]).resolve())
    return found


def _imports(tree: ast.AST, module: str) -> set[str]:
    """Absolute module names imported anywhere in ``tree``, outside ``if TYPE_CHECKING:`` blocks."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names if node.module == "gzmorph"}
    return names


@cache
def third_party(path: Path, module: str) -> frozenset[tuple[str, str]]:
    """(importing module, top-level package) of every third-party import reached from the file ``path``."""
    found = set()
    for name in _imports(ast.parse(path.read_text()), module):
        top = name.split(".")[0]
        if top == "gzmorph":
            target = ROOT / Path(*name.split("."))
            file = target / "__init__.py" if target.is_dir() else target.with_suffix(".py")
            if file.exists():
                found |= third_party(file, name)
        elif top not in sys.stdlib_module_names:
            found.add((module, top))
    return frozenset(found)


def needed(script: Path) -> set[str]:
    """The distributions (pyproject.toml names) a rule's script needs."""
    pairs = third_party(script, f"scripts.{script.stem}")
    return {DISTRIBUTION.get(top, top).lower() for module, top in pairs if (module, top) not in NOT_ON_A_RULES_PATH}


@pytest.mark.parametrize("rule", sorted(rules()))
def test_each_rules_environment_holds_every_package_its_script_imports(rule):
    script, env = rules()[rule]
    missing = sorted(needed(script) - set(env_packages(env)))
    assert not missing, f"rule {rule} ({script.name}) imports {missing}, which {env.name} lacks"


def test_every_imported_package_is_a_pyproject_dependency():
    imported = set().union(*(needed(script) for script, _ in rules().values()))
    assert not imported - set(pyproject_pins()), "add these to pyproject.toml's dependencies"


@pytest.mark.parametrize("env", sorted((ROOT / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_each_environment_pins_what_pyproject_pins(env):
    pins = pyproject_pins()
    differ = {name: (spec, pins.get(name)) for name, spec in env_packages(env).items() if pins.get(name) != spec}
    assert not differ, f"{env.name}: (env, pyproject.toml) bounds differ for {differ}"


def test_every_script_that_picks_a_device_imports_torch_itself():
    for script, _ in rules().values():
        if "pick_device" in script.read_text():
            assert "torch" in needed(script), f"{script.name} calls pick_device without importing torch"


def test_the_walk_finds_imports_through_the_package_and_skips_type_checking_blocks():
    reached = third_party(ROOT / "scripts" / "html_report.py", "scripts.html_report")
    assert ("gzmorph.report.convert", "markdown") in reached  # a function-level import, three modules down
    assert ("gzmorph.config", "yaml") in reached and ("gzmorph.device", "torch") in reached
    assert needed(ROOT / "scripts" / "html_report.py") >= {"pyyaml", "markdown", "jinja2", "docutils", "pandas"}
    assert "torch" not in needed(ROOT / "scripts" / "ingest.py")
