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
from gzmorph.mergers.literature import compare_literature
from gzmorph.mergers.uncertainty import SYSTEMATICS
from tests.conftest import REPO
from tests.test_mergers import SETTINGS

BASELINE = {"train_rmse": 0.171, "validation_rmse": 0.17023, "test_rmse": 0.16871, "n_train": 300, "n_validation": 100,
            "n_test": 100}  # fmt: skip
CHOICE = {"chosen": "cnn", "reason": "lower validation RMSE beyond the noise [-0.0121, -0.0032]", "difference": -0.007,
          "interval_95": [-0.0121, -0.0032]}  # fmt: skip
BEST = {
    "model": "best",
    "architecture": "cnn",
    "head": "tree",
    "steps": 100,
    "epochs": 10,
    "folds": 2,
    "out_of_fold_rmse": 0.1302,
    "selection_note": "a mild selection",
    "compared": {"resnet18": 0.1372, "cnn": 0.1302},
    "architecture_choice": CHOICE,
}
TTA = {"subset": "test", "n_galaxies": 100, "tta": 8, "rmse_without_tta": 0.12714, "rmse_with_tta": 0.12583,
       "change": -0.00131, "relative_change": -0.0103}  # fmt: skip
TEST_RMSE = """\
model,tta_views,rmse,rmse_low68,rmse_high68,merger_rmse,merger_rmse_mean_baseline,merger_auc,n_galaxies,\
n_true_mergers
resnet18,8,0.13555,0.1311,0.1402,0.0911,0.0987,0.774,100,9
cnn,8,0.12911,0.1248,0.1337,0.0872,0.0987,0.81,100,9
best,8,0.12583,0.1214,0.1301,0.0858,0.0987,0.823,100,9
resnet18,1,0.13702,0.1325,0.1417,0.0925,0.0987,0.766,100,9
cnn,1,0.13044,0.1261,0.135,0.0884,0.0987,0.802,100,9
best,1,0.12714,0.1228,0.1316,0.0866,0.0987,nan,100,9
"""  # one AUC that could not be computed
FRACTION = {"estimator": "pacc", "fraction": 0.035, "stat_low": 0.007, "stat_high": 0.008, "sys_definition": 0.005,
            "sys_model": 0.009, "interval_68": [0.0227, 0.0486]}  # fmt: skip
RATE = {"rate_gyr": 0.11667, "timescale_gyr": [0.2, 0.4], "timescale_citation": "Lotz et al. 2010a,b",
        "stat_low": 0.0233, "stat_high": 0.0267, "sys_fraction": 0.0343, "sys_timescale_low": 0.0292,
        "sys_timescale_high": 0.0583, "interval_68": [0.0593, 0.1896]}  # fmt: skip
ILLUSTRIS = {"citation": "Rodriguez-Gomez et al. 2015, MNRAS 449, 49", "mass_ratio_min": 0.25,
             "stellar_mass_msun": [1e10, 1e11], "redshift": [0.05, 0.1], "sample_average": 0.03214,
             "band": [0.0251, 0.0418], "verdict": "ours is 3.7x higher, beyond both spreads"}  # fmt: skip
COVERAGE = {"pool": 100, "pool_mergers": 9, "repeats": 50, "confidence": 0.68, "pool_fraction": 0.09, "target_size": 20,
            "factors": [{"factor": 1.0, "true_fraction": 0.09, "estimators": {
                "pacc": {"median_bias": 0.0021, "bias": 0.009, "coverage": 0.66, "passes": True},
                "mean_vote": {"median_bias": -0.0312, "bias": -0.03, "coverage": 0.18, "passes": False}}}],
            "passes": {"pacc": True, "mean_vote": False}}  # fmt: skip
MERGERS = {
    "n_test": 200,
    "n_calibration": 100,
    "n_calibration_true_mergers": 9,
    "confidence": 0.68,
    "adopted": "pacc",
    "adopted_because": None,
    "adopted_fraction": FRACTION,
    "rate": RATE,
    "illustris": ILLUSTRIS,
    "literature": compare_literature(SETTINGS, FRACTION["interval_68"], RATE["interval_68"]),
    "coverage": COVERAGE,
}
HEADLINE = {"baseline": BASELINE, "best": BEST, "tta": TTA, "test_rmse": hr.csv_records(TEST_RMSE), "mergers": MERGERS}
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
    cards = summary[: summary.index("<h3>")]
    for text in ("Mean-label baseline: test RMSE", "0.1687", "Best model (best): test RMSE", "0.1258",
                 "[0.1214, 0.1301]", "8-view", "one view: 0.1271", "Merger fraction (pacc)", "3.50%",
                 "2.27% – 4.86%", "+0.80 pp / −0.70 pp", "definition ±0.50 pp", "model ±0.90 pp",
                 "0.117 Gyr⁻¹", "0.0593 – 0.19 Gyr⁻¹", "T_obs 0.2 – 0.4 Gyr"):  # fmt: skip
        assert text in cards, text
    assert "T_obs 0.2 – 0.4 Gyr (Lotz et al. 2010a,b)" in summary
    assert page.index('id="summary"') < page.index('id="data"') < page.index('id="mergers"')


def test_landing_models_table_is_the_test_subset(page):
    summary = page[page.index('id="summary"') : page.index('id="data"')]
    models = summary[summary.index("Models on the test subset") : summary.index("Merger fraction of the")]
    assert models.count("<tr") == 8  # header, baseline, 3 models x 2 views
    chosen = re.search(r"<tr class=chosen>(.*?)</tr>", models).group(1)
    assert "<td>best</td>" in chosen and "0.1258 [0.1214, 0.1301]" in chosen and "-25.4%" in chosen
    assert chosen.endswith('<td class="num">0.1302</td>')  # the out-of-fold RMSE of its architecture (8 views)
    rows = re.findall(r"<tr>(.*?)</tr>", models)
    best_one_view = next(row for row in rows if row.startswith('<td>best</td><td class="num">1</td>'))
    assert best_one_view.endswith('<td class="num"></td>')  # the out-of-fold RMSE: on the row of its views
    for text in ("0.1356 [0.1311, 0.1402]", "0.0858 vs 0.0987", "0.823", "<td>n/a</td>", "0.1372",
                 "differences inside them are ties", "100 galaxies, 9 true mergers",
                 "resnet18 and cnn: cnn (lower validation RMSE beyond the noise [-0.0121, -0.0032])",
                 "from 0.1271 to 0.1258 (-1.0%)", "a mild selection"):  # fmt: skip
        assert text in models, text


def test_landing_merger_result_literature_and_known_answer_test(page):
    summary = page[page.index("Merger fraction of the") : page.index('id="data"')]
    for text in ("<td>pacc</td>", "<td>3.50%</td>", "<td>±0.90 pp</td>", "100, 9 of them true mergers",
                 "0.0321 Gyr⁻¹", "10^10 – 10^11 Msun", "band 0.0251 – 0.0418 Gyr⁻¹",
                 "ours is 3.7x higher, beyond both spreads",
                 "0.01 – 0.03 fraction of galaxies; x1.5 (their correction): 0.015 – 0.045",
                 "0.0007 – 0.0017 h70^3 Mpc^-3 Gyr^-1", "n/a (Per comoving volume", "0.02 close companions per galaxy",
                 "with our T_obs: ours is", "Kitzbichler &amp; White 2008", "tie: the intervals overlap",
                 "Lotz2011 is not filled in", "coverage 66%, median bias +0.21 pp",
                 "coverage 18%, median bias -3.12 pp"):  # fmt: skip
        assert text in summary, text
    assert re.search(r"<tr class=chosen><td>pacc</td><td>yes</td>", summary)
    assert "adopted because" not in summary


def test_fallback_estimator_and_skipped_known_answer_test_are_explained():
    because = "the calibration galaxies hold 2 true mergers <fewer than 5>"
    numbers = {**MERGERS, "adopted": "mean_vote", "adopted_because": because,
               "coverage": {"pool": 100, "pool_mergers": 2, "skipped": "2 true mergers: too few to split"}}  # fmt: skip
    summary = hr.landing_html({**HEADLINE, "mergers": numbers})
    assert "Merger fraction (mean_vote)" in summary and "<td>adopted because</td>" in summary
    assert "hold 2 true mergers &lt;fewer than 5&gt;" in summary
    assert "Skipped: 2 true mergers: too few to split" in summary


def test_the_model_line_names_the_recipe_and_a_moving_average_only_when_used():
    recipe = {"architecture": "resnet18", "folds": 3, "steps": 1700, "epochs": 55, "scheduler": "cosine",
              "rotate": True}  # fmt: skip
    assert hr.model_description({**recipe, "ema_decay": 0.99}) == (
        "resnet18 architecture, ensemble of 3 fold models, 1700 steps (55 epochs), last weights kept, "
        "scheduler cosine, rotation augmentation, moving average of the weights (decay 0.99)"
    )
    assert "moving average" not in hr.model_description({**recipe, "ema_decay": 0.0})
    described = hr.model_description({**recipe, "model_spec": {"width": 32}})
    assert described.startswith("resnet18 architecture (width 32), ensemble of 3 fold models,")


def test_the_report_names_every_systematic_term_of_the_error_budget():
    assert tuple(hr.SYSTEMATIC_NAMES) == SYSTEMATICS


def test_csv_records_parse_numbers():
    rows = hr.csv_records(TEST_RMSE)
    assert rows[0] == {"model": "resnet18", "tta_views": 8, "rmse": 0.13555, "rmse_low68": 0.1311,
                       "rmse_high68": 0.1402, "merger_rmse": 0.0911, "merger_rmse_mean_baseline": 0.0987,
                       "merger_auc": 0.774, "n_galaxies": 100, "n_true_mergers": 9}  # fmt: skip
    assert hr.number(rows[-1]["merger_auc"]) is None


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
    empty = {"baseline": {}, "best": {}, "tta": {}, "test_rmse": [], "mergers": {"adopted_fraction": {}}}
    page = hr.build_report(empty, {}, {})
    assert "n/a" in page and "No literature values" in page
    assert page.count("Not produced by this run") == len(hr.section_files())
    odd = {"baseline": [], "best": {"model": 3}, "tta": None, "test_rmse": [{"model": "x"}], "mergers": {"rate": 1}}
    assert "n/a" in hr.landing_html(odd)


def test_write_report_names_a_missing_headline_file(tmp_path):
    paths = {key: str(tmp_path / Path(path).name) for key, path in hr.HEADLINE_FILES.items()}
    assert paths["test_rmse"].endswith("test_rmse.csv")
    for key in ("baseline", "best", "tta"):
        Path(paths[key]).write_text(json.dumps(HEADLINE[key]))
    Path(paths["mergers"]).write_text(json.dumps(MERGERS))
    with pytest.raises(hr.ReportInputError, match="test_rmse.csv"):
        hr.write_report(str(tmp_path / "index.html"), paths, [], [])
    Path(paths["test_rmse"]).write_text(TEST_RMSE)
    hr.write_report(str(tmp_path / "index.html"), paths, [], [str(REPO / "report" / "baseline.rst")])
    page = (tmp_path / "index.html").read_text()
    assert "Mean-label baseline: every galaxy" in page and "0.1258 [0.1214, 0.1301]" in page


def test_every_report_file_is_a_workflow_output():
    assert all((REPO / "report" / name).is_file() for name in hr.caption_files())
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "results/report/index.html", "-n", "--forceall", "--quiet", "rules"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
