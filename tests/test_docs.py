"""The user's pages say what the code does: every catalogue column and metadata keyword in docs/outputs.md, the
pixel scale in the README and `--help`, and the README's set-up starting with a virtual environment."""

import re
from pathlib import Path

import torch

from gzmorph import api
from gzmorph.command import PIXEL_SCALE
from gzmorph.geometry import Geometry
from gzmorph.labels import LABEL_COLUMNS, LABEL_NAMES, QUESTION_OF, READABLE_NAMES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
OUTPUTS = (ROOT / "docs" / "outputs.md").read_text()


def test_outputs_doc_lists_every_vote_column_with_its_readable_name_question_and_answer():
    for column in LABEL_COLUMNS:
        question = QUESTION_OF[column]
        row = (
            f"| `{column}` | `{READABLE_NAMES[column]}` | Q{question.number} {question.text} | {LABEL_NAMES[column]} |"
        )
        assert row in OUTPUTS


def test_outputs_doc_lists_every_metadata_keyword():
    model = api.Model(None, Geometry(212, 48), Path("model.pt"), "0" * 64, torch.device("cpu"))
    table = OUTPUTS[OUTPUTS.index("FITS and ECSV metadata") :]
    for keyword in api.metadata(model, 8):
        assert f"`{keyword}`" in table


def test_readme_starts_with_a_virtual_environment_and_states_the_pixel_scale():
    first_block = re.search(r"\n\n((?:    .*\n)+)", README)[1]
    assert "python3 -m venv .venv && . .venv/bin/activate" in first_block and "pip install" in first_block
    for fact in ("0.02 x petroR90_r arcsec per pixel", "8.48 petroR90_r", "Willett et al."):
        assert fact in " ".join(README.split()) and fact in " ".join(PIXEL_SCALE.split())
    assert len(README.splitlines()) <= 170  # the user's page: a new section only where a new kind of use needs one
