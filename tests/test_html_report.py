"""The self-contained HTML report: landing numbers, inline tables, embedded images, escaped text, missing inputs."""

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gzmorph import html_report as hr
from tests.conftest import REPO

BASELINE = {"train_rmse": 0.171, "validation_rmse": 0.17023, "n_validation": 100}
BEST = {
    "model": "best",
    "architecture": "cnn",
    "head": "tree",
    "epochs": 10,
    "best_epoch": 9,
    "validation_rmse": 0.12681,
    "compared": {"resnet18": 0.1372, "cnn": 0.1302, "best": 0.12681},
}
TTA = {"tta": 8, "rmse_without_tta": 0.12681, "rmse_with_tta": 0.12583}
LITERATURE = [
    {"name": "Darg2010", "citation": "Darg et al. 2010, MNRAS 401, 1043", "quantity": "merger_fraction",
     "value": [0.01, 0.03], "correction": 1.5, "redshift": "0.005 < z < 0.1", "verified": True},
    {"name": "Lotz2011", "citation": "Lotz et al. 2011, ApJ 742, 103", "quantity": "merger_rate", "value": None,
     "verified": False},
]  # fmt: skip
MERGERS = {
    "n_test": 200,
    "n_validation": 100,
    "confidence": 0.68,
    "calibrated_threshold": 0.3125,
    "adopted": "calibrated",
    "adopted_because": None,
    "adopted_fraction": {"fraction": 0.035, "stat_low": 0.007, "stat_high": 0.008, "sys_definition": 0.005,
                         "sys_estimators": 0.009},
    "rates_gyr": {"calibrated": {"morphological": {"central": [0.0875, 0.175], "with_stat": [0.07, 0.215]},
                                 "pairs": {"central": [0.0219, 0.0318], "with_stat": [0.0175, 0.0391]}}},
    "literature": LITERATURE,
}  # fmt: skip
HEADLINE = {"baseline": BASELINE, "best": BEST, "tta": TTA, "mergers": MERGERS}
HOSTILE = '<script>alert("x")</script> & more'


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


SECTIONS = {
    "Data": (
        hr.Item("results/figures/a.png", "A figure", "a.rst"),
        hr.Item("results/tables/t.csv", "A table", note=HOSTILE),
        hr.Item("results/tables/n.json", "Numbers"),
        hr.Item("results/tables/absent.csv", "Not built"),
    ),
    "Mergers": (hr.Item("results/report/m.md", "Report"),),
}
CONTENTS = {
    "results/figures/a.png": tiny_png(),
    "results/tables/t.csv": f'name,rmse\nsmooth,0.123456789\n"{HOSTILE}",2\n'.encode(),
    "results/tables/n.json": json.dumps({"outer": {"inner": 0.5, "deeper": {"x": [1, 2]}}, "<k>": "v"}).encode(),
    "results/report/m.md": b"# Title\n\n| a | b |\n|---|---|\n| 1 | <b>raw</b> |\n\n![Sweep](../figures/a.png)\n",
}


@pytest.fixture(scope="module")
def page() -> str:
    return hr.build_report(HEADLINE, CONTENTS, {"a.rst": "Caption with ``code`` and <b>tag</b>."}, sections=SECTIONS)


def test_landing_shows_the_headline_numbers(page):
    summary = page[page.index('id="summary"') : page.index('id="data"')]
    for text in ("0.1702", "0.1258", "0.1268", "8-fold", "3.50%", "2.80% – 4.30%", "0.0875 – 0.175 Gyr⁻¹",
                 "0.07 – 0.215", "± 0.50 percentage points", "± 0.90 percentage points", "calibrated"):  # fmt: skip
        assert text in summary, text
    assert "Darg2010" in summary and "1.50% – 4.50%" in summary and "overlaps" in summary
    assert "Lotz2011" in summary and "not filled in" in summary
    assert page.index('id="summary"') < page.index('id="data"') < page.index('id="mergers"')


def test_tables_are_inline_html_and_numbers_shortened(page):
    assert page.count("<table>") >= 5
    assert "<td>smooth</td>" in page and ">0.1235</td>" in page
    assert "<td>outer.inner</td>" in page and "<td>outer.deeper.x</td>" in page and "<td>1, 2</td>" in page
    assert "<h3>Title</h3>" in page  # the Markdown, headings moved below the page's own
    assert 'href="#results-figures-a-png"' in page  # its image link points at the embedded figure
    assert "Not produced by this run" in page and "results/tables/absent.csv" in page
    assert "download" not in page.lower()


def test_images_are_embedded_and_nothing_is_loaded(page):
    assert f'src="data:image/png;base64,{base64.b64encode(tiny_png()).decode()}"' in page
    assert page.count("<img ") == 1  # the Markdown's image became a link, not a second copy
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page.lower() and "<link" not in page.lower()


def test_every_text_is_escaped(page):
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert "&lt;k&gt;" in page and "&lt;b&gt;tag&lt;/b&gt;" in page and "&lt;b&gt;raw&lt;/b&gt;" in page
    assert "<b>" not in page
    assert "<code>code</code>" in page


def test_missing_optional_keys_do_not_crash():
    page = hr.build_report({"baseline": {}, "best": {}, "tta": {}, "mergers": {"adopted_fraction": {}}}, {}, {})
    assert "n/a" in page and "No literature values" in page
    assert page.count("Not produced by this run") == len(hr.section_files())


def test_interval_68_is_preferred_when_present():
    numbers = {**MERGERS, "adopted_fraction": {**MERGERS["adopted_fraction"], "interval_68": [0.03, 0.041]}}
    assert hr.interval(numbers) == ("68% interval", (0.03, 0.041))
    assert "3.00% – 4.10%" in hr.landing_html({**HEADLINE, "mergers": numbers})


def test_write_report_names_a_missing_headline_file(tmp_path):
    paths = {key: str(tmp_path / f"{key}.json") for key in ("baseline", "best", "tta")}
    for key, path in paths.items():
        Path(path).write_text(json.dumps(HEADLINE[key]))
    paths["mergers"] = str(tmp_path / "merger_fraction.json")
    with pytest.raises(hr.ReportInputError, match="merger_fraction.json"):
        hr.write_report(str(tmp_path / "index.html"), paths, [], [])
    (tmp_path / "merger_fraction.json").write_text(json.dumps(MERGERS))
    hr.write_report(str(tmp_path / "index.html"), paths, [], [str(REPO / "report" / "baseline.rst")])
    assert "Mean-label baseline: every galaxy" in (tmp_path / "index.html").read_text()


def test_every_report_file_is_a_workflow_output():
    assert all((REPO / "report" / name).is_file() for name in hr.caption_files())
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "results/report/index.html", "-n", "--forceall", "--quiet", "rules"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
