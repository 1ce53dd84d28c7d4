"""The self-contained HTML report: landing numbers, inline tables, embedded images, escaped text, missing inputs."""

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from gzmorph import formatting as fmt
from gzmorph.mergers.analysis import analyse
from gzmorph.mergers.settings import MergerSettings
from gzmorph.report import convert, files, landing, render, sections
from tests.conftest import REPO
from tests.test_mergers import CONFIG, REFERENCE, crafted, crossfit

BASELINE = {"train_rmse": 0.171, "validation_rmse": 0.17023, "test_rmse": 0.16871, "n_train": 300, "n_validation": 100,
            "n_test": 100}  # fmt: skip
CHOICE = {"chosen": "cnn", "reason": "lowest held-out RMSE beyond the noise", "leader": "cnn",
          "held_out_rmse": {"resnet18": 0.1372, "cnn": 0.1302},
          "comparisons": {"resnet18": {"difference": -0.007, "interval_95": [-0.0121, -0.0032]}}}  # fmt: skip
BEST = {
    "model": "best",
    "architecture": "cnn",
    "head": "tree",
    "steps": 100,
    "epochs": 10,
    "folds": 2,
    "out_of_fold_rmse": 0.1302,
    "selection_note": "a mild selection",
    "compared": {"resnet18_fold0": 0.1372, "cnn_fold0": 0.1302},
    "architecture_choice": CHOICE,
}
TTA = {"subset": "test", "n_galaxies": 100, "tta": 8, "rmse_without_tta": 0.12714, "rmse_with_tta": 0.12583,
       "change": -0.00131, "relative_change": -0.0103}  # fmt: skip
TEST_RMSE = """\
model,tta_views,rmse,rmse_low68,rmse_high68,merger_rmse,merger_rmse_mean_baseline,merger_auc,n_galaxies,\
n_true_mergers
resnet18_fold0,8,0.13555,0.1311,0.1402,0.0911,0.0987,0.774,100,9
cnn_fold0,8,0.12911,0.1248,0.1337,0.0872,0.0987,0.81,100,9
best,8,0.12583,0.1214,0.1301,0.0858,0.0987,0.823,100,9
resnet18_fold0,1,0.13702,0.1325,0.1417,0.0925,0.0987,0.766,100,9
cnn_fold0,1,0.13044,0.1261,0.135,0.0884,0.0987,0.802,100,9
best,1,0.12714,0.1228,0.1316,0.0866,0.0987,nan,100,9
"""  # one AUC that could not be computed
QUICK = {**CONFIG, "bootstrap": {"resamples": 100, "confidence": 0.68, "seed": 1},
         "coverage": {"factors": [1.0], "target_size": 100, "repeats": 5, "resamples": 20, "seed": 2}}  # fmt: skip
_PRED, _TRUE = crafted(600, 0.1, np.random.default_rng(3))
RESULT = analyse(crossfit(_PRED, _TRUE, _PRED[:300]), _TRUE, MergerSettings.model_validate(QUICK), REFERENCE)
MERGERS = RESULT.to_json()
HEADLINE = {
    "baseline": BASELINE,
    "best": BEST,
    "tta": TTA,
    "test_rmse": convert.csv_records(TEST_RMSE),
    "mergers": MERGERS,
}
HOSTILE = '<script>alert("x")</script> & more'


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


SECTIONS = {
    "Data": (
        sections.Item("results/figures/a.png", "A figure", "a.rst"),
        sections.Item("results/tables/t.csv", "A table", note=HOSTILE),
        sections.Item("results/tables/n.json", "Numbers"),
        sections.Item("results/tables/absent.csv", "Not built"),
    ),
    "Mergers": (sections.Item("results/report/m.md", "Report"),),
}
CONTENTS = {
    "results/figures/a.png": tiny_png(),
    "results/tables/t.csv": f'name,rmse\nsmooth,0.123456789\n"{HOSTILE}",2\n'.encode(),
    "results/tables/n.json": json.dumps({"outer": {"inner": 0.5, "deeper": {"x": [1, 2]}}, "<k>": "v"}).encode(),
    "results/report/m.md": b"# Title\n\n| a | b |\n|---|---|\n| 1 | <b>raw</b> |\n\n![Sweep](../figures/a.png)\n",
}


@pytest.fixture(scope="module")
def page() -> str:
    return render.build_report(
        HEADLINE, CONTENTS, {"a.rst": "Caption with ``code`` and <b>tag</b>."}, sections=SECTIONS
    )


def test_landing_shows_the_headline_numbers(page):
    summary = page[page.index('id="summary"') : page.index('id="data"')]
    cards = summary[: summary.index("<h3>")]
    rate = RESULT.rate
    for text in ("Mean-label baseline: test RMSE", "0.1687", "Best model (best): test RMSE", "0.1258",
                 "[0.1214, 0.1301]", "8-view", "one view: 0.1271", "Merger fraction (PACC)",
                 fmt.pct(RESULT.fraction.fraction), f"68 % interval {fmt.span(RESULT.fraction.interval)}",
                 f"{fmt.rate(rate['rate_gyr'])} Gyr⁻¹", "T_obs 0.9 – 1.8 Gyr"):  # fmt: skip
        assert text in cards, text
    assert page.index('id="summary"') < page.index('id="data"') < page.index('id="mergers"')


def test_landing_models_table_is_the_test_subset(page):
    summary = page[page.index('id="summary"') : page.index('id="data"')]
    models = summary[summary.index("Models on the test subset") : summary.index("Merger fraction of the")]
    assert models.count("<tr") == 8  # header, baseline, 3 models x 2 views
    chosen = re.search(r"<tr class=chosen>(.*?)</tr>", models).group(1)
    assert "<td>best</td>" in chosen and "0.1258 [0.1214, 0.1301]" in chosen and "-25.4%" in chosen
    assert chosen.endswith('<td class="num"></td>')  # the choice's RMSE is on the fold-0 rows
    rows = re.findall(r"<tr>(.*?)</tr>", models)
    cnn = [row for row in rows if row.startswith("<td>cnn_fold0</td>")]
    assert cnn[0].endswith('<td class="num">0.1302</td>')  # the fold-0 held-out RMSE, on the row of its views (8)
    assert cnn[1].endswith('<td class="num"></td>')
    for text in ("0.1356 [0.1311, 0.1402]", "0.0858 vs 0.0987", "0.823", "<td>n/a</td>", "0.1372",
                 "differences inside them are ties", "100 galaxies, 9 true mergers",
                 "chosen among resnet18, cnn on fold 0: cnn (lowest held-out RMSE beyond the noise)",
                 "from 0.1271 to 0.1258 (-1.0%)", "a mild selection"):  # fmt: skip
        assert text in models, text


def test_landing_shows_every_merger_table_once_formatted_as_the_markdown(page):
    summary = page[page.index("Merger fraction of the") : page.index('id="data"')]
    titles = ("Estimates", "Merger definitions", "Known-answer diagnostic", "Merger rate per galaxy",
              "Literature, each value in its own units", "Corrections", "Physical scale of the images")  # fmt: skip
    for title in titles:
        assert page.count(f"<h3>{title}</h3>") == 1, title
    for text in ("Kitzbichler &amp; White 2008", "Like with like", "labelled fraction", "not filled in",
                 f"<td>{fmt.span(RESULT.fraction.interval)}</td>", "Illustris, mass ratio &gt;= 0.1"):  # fmt: skip
        assert text in summary, text
    assert re.search(r"<tr class=chosen><td>PACC</td><td>quoted</td>", summary)


def test_a_skipped_diagnostic_is_said_first():
    skipped = {"pool": 100, "pool_mergers": 2, "skipped": "2 true mergers: too few to split",
               "warning": "The known-answer diagnostic could not run: nothing shows it."}  # fmt: skip
    summary = render.landing_html(
        {**HEADLINE, "mergers": {**MERGERS, "diagnostic": skipped, "diagnostic_passes": None}}
    )
    merger = summary[summary.index("Merger fraction of the") :]
    assert merger.index("WARNING: The known-answer diagnostic could not run") < merger.index("<h3>Estimates</h3>")
    assert "Not run: 2 true mergers: too few to split." in merger


def test_the_model_line_names_the_recipe_and_a_moving_average_only_when_used():
    recipe = {"architecture": "resnet18", "folds": 3, "steps": 1700, "epochs": 55, "scheduler": "cosine",
              "rotate": True}  # fmt: skip
    assert landing.model_description({**recipe, "ema_decay": 0.99}) == (
        "resnet18 architecture, ensemble of 3 fold models, 1700 steps (55 epochs), last weights kept, "
        "scheduler cosine, rotation augmentation, moving average of the weights (decay 0.99)"
    )
    assert "moving average" not in landing.model_description({**recipe, "ema_decay": 0.0})
    augmented = landing.model_description({**recipe, "augment": {"shift_px": 2.0, "zoom": 0.3}})
    assert augmented.endswith("cosine, rotation augmentation with shifts up to 2 px and zoom within [1/1.3, 1.3]")
    unaugmented = landing.model_description({**recipe, "augment": {"shift_px": 0, "zoom": 0}})
    assert unaugmented.endswith("rotation augmentation")
    described = landing.model_description({**recipe, "model_spec": {"width": 32}})
    assert described.startswith("resnet18 architecture (width 32), ensemble of 3 fold models,")
    timed = landing.model_description({**recipe, "train_seconds": 1800.2, "device": "cpu", "precision": "bfloat16"})
    assert timed.endswith("rotation augmentation, trained in 1800 s on cpu in bfloat16")
    reason = "auto: no native bfloat16 on this CPU"
    chosen = landing.model_description({**recipe, "train_seconds": 60, "precision": "float32",
                                        "precision_reason": reason})  # fmt: skip
    assert chosen.endswith(f"trained in 60 s on an unnamed device in float32 ({reason})")
    sha = "ab" * 32
    timm = {**recipe, "architecture": "timm", "model_spec": {"timm_model": "convnext_nano"},
            "pretrained": {"path": "weights/zoobot", "sha256": sha}}  # fmt: skip
    assert landing.model_description(timm).startswith(
        f"timm architecture (convnext_nano), ensemble of 3 fold models, finetuned from weights/zoobot (SHA-256 {sha})"
    )


def test_csv_records_parse_numbers():
    rows = convert.csv_records(TEST_RMSE)
    assert rows[0] == {"model": "resnet18_fold0", "tta_views": 8, "rmse": 0.13555, "rmse_low68": 0.1311,
                       "rmse_high68": 0.1402, "merger_rmse": 0.0911, "merger_rmse_mean_baseline": 0.0987,
                       "merger_auc": 0.774, "n_galaxies": 100, "n_true_mergers": 9}  # fmt: skip
    assert convert.number(rows[-1]["merger_auc"]) is None


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
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in page  # markupsafe's quote
    assert "&lt;k&gt;" in page and "&lt;b&gt;tag&lt;/b&gt;" in page and "&lt;b&gt;raw&lt;/b&gt;" in page
    assert "<b>" not in page
    assert '<span class="docutils literal">code</span>' in page  # the caption, by docutils


def test_missing_optional_keys_do_not_crash():
    empty = {"baseline": {}, "best": {}, "tta": {}, "test_rmse": [], "mergers": {"adopted_fraction": {}}}
    page = render.build_report(empty, {}, {}, SECTIONS)
    assert "n/a" in page and "No complete merger result in this run" in page
    assert page.count("Not produced by this run") == len(sections.section_files(SECTIONS))
    odd = {"baseline": [], "best": {"model": 3}, "tta": None, "test_rmse": [{"model": "x"}], "mergers": {"rate": 1}}
    assert "n/a" in render.landing_html(odd)


def test_write_report_names_a_missing_headline_file(tmp_path):
    names = {"baseline": "mean.json", "best": "metrics.json", "tta": "tta.json", "test_rmse": "test_rmse.csv",
             "mergers": "merger_fraction.json"}  # fmt: skip
    paths = {key: str(tmp_path / names[key]) for key in sections.HEADLINE_KEYS}
    for key in ("baseline", "best", "tta"):
        Path(paths[key]).write_text(json.dumps(HEADLINE[key]))
    Path(paths["mergers"]).write_text(json.dumps(MERGERS))
    with pytest.raises(render.ReportInputError, match="test_rmse.csv"):
        files.write_report(str(tmp_path / "index.html"), paths, [], [], SECTIONS)
    Path(paths["test_rmse"]).write_text(TEST_RMSE)
    caption = str(REPO / "report" / "baseline.rst")
    shown = {"Models": (sections.Item(paths["baseline"], "Mean-label baseline", caption),)}
    files.write_report(str(tmp_path / "index.html"), paths, [paths["baseline"]], [caption], shown)
    page = (tmp_path / "index.html").read_text()
    assert "Mean-label baseline: every galaxy" in page and "0.1258 [0.1214, 0.1301]" in page
    assert "Not produced by this run" not in page


def fake_rule(name, *outputs):
    return SimpleNamespace(name=name, output=outputs)


class _Flagged(str):
    """A rule output as Snakemake holds it: the path, with its flags."""

    def __new__(cls, path, report):
        value = super().__new__(cls, path)
        value.flags = {"report": report} if report else {}
        return value


def flagged(path, category=None, caption=None, **labels):
    """An output marked report(path, caption=..., category=..., labels=labels)."""
    return _Flagged(path, SimpleNamespace(caption=caption, category=category, labels=labels or None))


def test_sections_come_from_the_rules_report_outputs():
    rules = [
        fake_rule("a", _Flagged("results/x.parquet", None), flagged("results/a.png", "Models", "/r/a.rst", title="A")),
        fake_rule("b", flagged("results/{model}_b.png", "Data", title="B: {model}")),
        fake_rule("c", flagged("results/c.csv", "Extra", max_rows="3"), flagged("results/c.md", "Data", html="no")),
    ]
    found = sections.report_outputs(rules, {"model": ["m1", "m2"]})
    assert sections.report_files(found) == ["results/a.png", "results/m1_b.png", "results/m2_b.png",
                                            "results/c.csv", "results/c.md"]  # fmt: skip
    grouped = sections.by_section(found)
    assert list(grouped) == ["Data", "Models", "Extra"]  # SECTION_ORDER first, then as they come
    assert [item.title for item in grouped["Data"]] == ["B: m1", "B: m2"]  # c.md: not shown
    assert grouped["Models"] == (sections.Item("results/a.png", "A", "/r/a.rst"),)
    assert grouped["Extra"] == (sections.Item("results/c.csv", "c.csv", max_rows=3),)  # no title: the file name
    assert sections.from_params(json.loads(json.dumps(sections.to_params(grouped)))) == grouped
    with pytest.raises(KeyError, match="model"):
        sections.report_outputs(rules, {})


def test_the_report_shows_every_report_output_of_the_rules(workflow):
    rule = workflow.get_rule("html_report")
    shown = sections.from_params(rule.params.sections)
    found = workflow.globals["workflow_report_outputs"]()  # rules/common.smk: report_outputs of every rule
    assert shown == sections.by_section(found)
    assert list(shown) == list(sections.SECTION_ORDER)
    assert list(rule.input.files) == sections.section_files(shown)
    assert all(Path(name).is_file() for name in sections.caption_files(shown))
    assert set(rule.input.captions) == set(sections.caption_files(shown))
    paths = sections.report_files(found)
    assert not any("{" in path for path in paths) and len(set(paths)) == len(paths)
    assert set(paths) - set(sections.section_files(shown)) == {
        "results/report/merger_fraction.md", "results/tables/merger_fraction.json"}  # the landing's  # fmt: skip
    targets = {str(path) for path in workflow.get_rule("all").input}
    assert set(paths) | {str(rule.output.html)} <= targets
    assert {str(getattr(rule.input, key)) for key in sections.HEADLINE_KEYS} <= targets


def test_every_report_file_is_a_workflow_output():
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "results/report/index.html", "-n", "--forceall", "--quiet", "rules"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
