"""Running a script of scripts/ in this process, as from the command line, without binding.run's exit on error."""

import importlib.util
from pathlib import Path
from types import ModuleType

import yaml

from gzmorph import binding
from gzmorph.config import read_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config.yaml"


def shipped_config() -> dict:
    """config.yaml completed with every default, as the workflow runs it."""
    return read_config([CONFIG])


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"scripts_{Path(name).stem}", ROOT / "scripts" / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(name: str, *options: str) -> None:
    """Parse ``options`` with the script's own interface and call its main(); exceptions propagate."""
    module = load_script(name)
    module.main(binding.parse_command_line(module.INTERFACE, list(options)))


def config_overlay(path: Path, overrides: dict) -> list[str]:
    """``--configfile`` options: the shipped config.yaml, then ``overrides`` written to ``path``."""
    path.write_text(yaml.safe_dump(overrides))
    return ["--configfile", str(CONFIG), str(path)]
