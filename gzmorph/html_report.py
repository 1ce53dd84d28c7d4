"""The run's report as one self-contained HTML page: headline numbers first, then every figure and table inline.

Figures are embedded as base64 PNG, tables are HTML tables (CSV -> rows, JSON -> flattened key/value pairs, the merger
result -> the sentences and tables of gzmorph.mergers.tables, shown once), and the page has no scripts and loads
nothing, so it can be mailed as one file.
Everything except :func:`write_report` is pure: data in, HTML string out, every text passed through
:func:`html.escape`. Which file goes in which section is the data in :data:`SECTIONS`.
"""

import base64
import csv
import html
import io
import json
import math
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from gzmorph import formatting as fmt
from gzmorph.mergers.result import NAMES, MergerResult
from gzmorph.mergers.tables import headline, tables, warning
from gzmorph.settings import ARCHITECTURES


class ReportInputError(RuntimeError):
    """A required input of the report is missing or unreadable; the message names the file."""


@dataclass(frozen=True)
class Item:
    """One figure or table of the report: the file the workflow writes, a title, and its caption."""

    path: str  # as written by the workflow, relative to the working directory
    title: str
    caption: str | None = None  # name of a caption file in report/ (shared with ``snakemake --report``)
    note: str = ""  # caption text for files that have no caption file
    max_rows: int | None = None  # show only the first rows of a long CSV


SECTIONS: dict[str, tuple[Item, ...]] = {
    "Data": (
        Item(
            "results/data/train/summary.json",
            "Preprocessing of the labelled set",
            note="Sizes, geometry, reduction factor against the 424x424x3 originals and decoding throughput.",
        ),
        Item("results/data/test/summary.json", "Preprocessing of the unlabelled set"),
        Item(
            "results/data/train/rejects.csv",
            "Labelled images that failed to decode",
            note="Skipped, with the reason; the run fails if more than ingest.max_reject_fraction of the images do.",
        ),
        Item("results/data/test/rejects.csv", "Unlabelled images that failed to decode"),
        Item(
            "results/figures/split/label_histograms_split.png",
            "Label distributions: held-out fold 0 against the other folds",
            "label_histograms_split.rst",
        ),
        Item("results/tables/split_ks.csv", "Fold 0 vs the other folds: KS test per label", "split_ks.rst"),
    ),
    "Exploration": (
        Item("results/figures/explore/random_images.png", "Random labelled galaxies", "random_images.rst"),
        Item("results/figures/explore/label_histograms.png", "Label histograms", "label_histograms.rst"),
        Item("results/figures/explore/prototypes.png", "The prototype of each label", "prototypes.rst"),
        Item("results/figures/explore/correlation_matrix.png", "Correlation matrix", "correlation_matrix.rst"),
        Item(
            "results/tables/within_question_correlation_summary.csv",
            "Within-question correlations per question",
            "within_question_correlation_summary.rst",
        ),
        Item(
            "results/tables/within_question_correlations.csv",
            "Within-question correlations per pair",
            "within_question_correlations.rst",
        ),
        Item("results/figures/explore/downsizing.png", "Before and after downsizing", "downsizing.rst"),
        Item("results/tables/memory_estimate.json", "Memory estimate", "memory_estimate.rst"),
    ),
    "Models": (
        Item("results/baseline/mean.json", "Mean-label baseline", "baseline.rst"),
        Item("results/figures/models/cv_scores.png", "Cross-validation of the custom CNN", "cv_scores.rst"),
        Item("results/models/cv/folds.csv", "Cross-validation folds", "cv_folds.rst"),
        *(
            Item(f"results/figures/models/{model}_training.png", f"Training curve: {model}", "training_curve.rst")
            for model in ARCHITECTURES
        ),
        Item("results/tables/parameters.csv", "Parameters against training pixels", "parameters.rst"),
        Item("results/models/best/metrics.json", "The chosen model", "best_choice.rst"),
    ),
    "Evaluation": (
        Item(
            "results/figures/evaluate/validation_curves.png",
            "Held-out curves of the fold models",
            "validation_curves.rst",
        ),
        Item("results/figures/evaluate/true_vs_predicted.png", "True vs predicted", "true_vs_predicted.rst"),
        Item("results/tables/test_rmse.csv", "Final scores on the held-out test subset", "test_rmse.rst"),
        Item("results/tables/per_label_rmse.csv", "RMSE per label (test subset)", "per_label_rmse.rst"),
        Item("results/figures/evaluate/spread_vs_error.png", "Predicted spread against error", "spread_vs_error.rst"),
        Item("results/figures/evaluate/extremes.png", "Most extreme galaxies", "extremes.rst"),
        Item("results/tables/tta_effect.json", "Test-time augmentation", "tta_effect.rst"),
    ),
    "Predictions": (
        Item(
            "results/predictions/test_catalogue.csv",
            "Catalogue of the unlabelled set",
            max_rows=10,
            note="Predicted vote fractions in the Kaggle submission format; the Parquet copy holds the same.",
        ),
    ),
    "Mergers": (
        Item("results/figures/mergers/threshold_sweep.png", "Threshold sweep", "merger_threshold_sweep.rst"),
        Item("results/figures/mergers/rate_comparison.png", "Merger rate against T_obs", "merger_rate_comparison.rst"),
        Item("results/figures/mergers/calibration.png", "Calibration on held-out galaxies", "merger_calibration.rst"),
        Item("results/figures/mergers/coverage.png", "Known-answer diagnostic: figure", "merger_coverage.rst"),
        Item("results/figures/mergers/candidates.png", "Merger candidates", "merger_candidates.rst"),
    ),
}
HEADLINE_FILES = {
    "baseline": "results/baseline/mean.json",
    "best": "results/models/best/metrics.json",
    "tta": "results/tables/tta_effect.json",
    "test_rmse": "results/tables/test_rmse.csv",
    "mergers": "results/tables/merger_fraction.json",
}
COLLAPSE_ROWS = 40  # longer tables are folded into a <details> element
CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2328;margin:0}
main{max-width:1100px;margin:0 auto;padding:1rem 1.5rem 4rem}
h1{font-size:1.9rem;margin:.8rem 0 .2rem}
h2{border-bottom:2px solid #d0d7de;padding-bottom:.2rem;margin-top:2.8rem}
#summary h2{margin-top:1.2rem}
h3{margin:2rem 0 .4rem}
.subtitle{color:#57606a;margin:0 0 1rem}
nav.toc{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
nav.toc summary{cursor:pointer;color:#57606a;font-size:.9rem;margin-top:.2rem}
nav.toc ol{margin:.2rem 0;padding-left:1.4rem}
nav.toc ol ol{font-size:.88rem;columns:2;column-gap:2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:.8rem;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .9rem;background:#f6f8fa}
.card .label{font-size:.85rem;color:#57606a}
.card .value{font-size:1.7rem;font-weight:600;line-height:1.3}
.card .detail{font-size:.85rem;color:#3d444d}
.table-wrap{overflow-x:auto;margin:.5rem 0}
table{border-collapse:collapse;font-size:.88rem}
th,td{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}
tbody tr:nth-child(even) td{background:#f9fafb}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.chosen td{font-weight:600}
img{max-width:100%;height:auto;display:block;margin:.6rem auto;border:1px solid #eaeef2}
.caption{font-size:.95rem}
.source,.rows{color:#6e7781;font-size:.8rem;margin:.2rem 0}
.missing,.note{background:#fff8c5;border-left:4px solid #d4a72c;padding:.3rem .8rem}
.markdown{border-left:3px solid #d0d7de;padding-left:1rem}
code{background:#eff1f3;padding:0 .25rem;border-radius:3px;font-size:.9em}
footer{color:#6e7781;font-size:.85rem;margin-top:3rem;border-top:1px solid #d0d7de}
"""
_IMAGE_LINK = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_RST_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def section_files() -> list[str]:
    """Every file shown in a section, in report order (the rule's inputs)."""
    return [item.path for items in SECTIONS.values() for item in items]


def caption_files() -> list[str]:
    """Names of the caption files in report/ that the sections use."""
    return sorted({item.caption for items in SECTIONS.values() for item in items if item.caption})


def anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---- values ----------------------------------------------------------------------------------------------------


def fmt_number(value: object) -> str:
    """Short text for a JSON value: 4 significant digits, integers and strings as they are."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(fmt_number(v) for v in value)
    return str(value)


def fmt_cell(text: str) -> str:
    """A CSV cell: integers kept, other numbers to 4 significant digits, text as it is."""
    if re.fullmatch(r"[+-]?\d+", text):
        return text
    try:
        return fmt_number(float(text))
    except ValueError:
        return text


def number(value: object) -> float | None:
    """A finite int or float as float; None for anything else (text, None, NaN)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


# ---- tables, figures, captions ---------------------------------------------------------------------------------


def table_html(header: Sequence[str], rows: Sequence[Sequence[object]], chosen: int | None = None) -> str:
    """An HTML table; all-numeric columns are right-aligned, row ``chosen`` is bold, long tables are folded."""

    def numeric(value: object) -> bool:
        return bool(_NUMBER.fullmatch(str(value).strip()))

    columns = list(zip_longest(*rows, fillvalue=""))
    right = {
        j
        for j, col in enumerate(columns)
        if all(numeric(v) or not str(v).strip() for v in col) and any(str(v).strip() for v in col)
    }

    def cell(j: int, value: object) -> str:
        return f'<td class="num">{esc(value)}</td>' if j in right else f"<td>{esc(value)}</td>"

    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        f"<tr{' class=chosen' if k == chosen else ''}>{''.join(cell(j, v) for j, v in enumerate(row))}</tr>"
        for k, row in enumerate(rows)
    )
    table = f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    if len(rows) > COLLAPSE_ROWS:
        return f"<details><summary>Show all {len(rows)} rows</summary>{table}</details>"
    return table


def csv_records(text: str) -> list[dict[str, object]]:
    """A CSV file as one dict per row; integer cells become int, other numbers float, the rest stays text."""

    def value(cell: str) -> object:
        if re.fullmatch(r"[+-]?\d+", cell.strip()):
            return int(cell)
        try:
            return float(cell)
        except ValueError:
            return cell

    return [{key: value(cell or "") for key, cell in row.items() if key} for row in csv.DictReader(io.StringIO(text))]


def csv_html(text: str, max_rows: int | None = None) -> str:
    """A CSV file as a table (the first ``max_rows`` data rows if given)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return '<p class="rows">Empty file.</p>'
    header, body = rows[0], rows[1:]
    shown = body if max_rows is None else body[:max_rows]
    count = f"{len(body)} rows" if len(shown) == len(body) else f"the first {len(shown)} of {len(body)} rows"
    if not body:
        return f'<p class="rows">No rows (columns: {esc(", ".join(header))}).</p>'
    table = table_html(header, [[fmt_cell(c) for c in row] for row in shown])
    return f'<p class="rows">{esc(count)}</p>{table}'


def flatten(data: object, prefix: str = "") -> list[tuple[str, object]]:
    """Nested dicts (and lists holding dicts or lists) as (dotted key, value) pairs; lists of scalars stay whole."""
    if isinstance(data, Mapping) and data:
        pairs: list[tuple[str, object]] = []
        for key, value in data.items():
            pairs += flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return pairs
    if isinstance(data, list) and any(isinstance(v, Mapping | list) for v in data):
        pairs = []
        for k, value in enumerate(data):
            pairs += flatten(value, f"{prefix}.{k}" if prefix else str(k))
        return pairs
    return [(prefix, data)]


def json_html(data: object) -> str:
    """A JSON document as a key/value table with dotted keys."""
    return table_html(["key", "value"], [(key, fmt_number(value)) for key, value in flatten(data)])


def markdown_html(text: str, base: str, figure_anchors: Mapping[str, str]) -> str:
    """Markdown as HTML, raw HTML in it escaped, headings two levels down (the page has h1 and h2 already).

    Image links are resolved against ``base`` (the Markdown file's folder); one that names a figure of this report
    becomes a link to it (``figure_anchors``: path -> anchor), so no image is embedded twice.
    """
    import markdown  # here, not at the top: the Snakefile imports this module to list the report's inputs

    def link(match: re.Match) -> str:
        resolved = posixpath.normpath(posixpath.join(base, match.group(2)))
        if resolved in figure_anchors:
            return f"[Figure: {match.group(1)}](#{figure_anchors[resolved]})"
        return f"{match.group(1)} (figure not embedded: `{match.group(2)}`)"

    converter = markdown.Markdown(extensions=["tables"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    body = converter.convert(_IMAGE_LINK.sub(link, text))
    body = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", body)
    return f'<div class="markdown">{body}</div>'


def image_html(data: bytes, alt: str) -> str:
    """An image embedded as a base64 data URI (PNG, or JPEG by its signature)."""
    mime = "image/jpeg" if data[:2] == b"\xff\xd8" else "image/png"
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:{mime};base64,{encoded}" alt="{esc(alt)}">'


def rst_html(text: str) -> str:
    """A caption file (reStructuredText) as paragraphs: ``literal`` becomes <code>, Jinja lines are dropped."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if "{{" not in p and p.strip()]
    return "".join("<p>" + _RST_LITERAL.sub(r"<code>\1</code>", esc(p)) + "</p>" for p in paragraphs)


# ---- the landing section ---------------------------------------------------------------------------------------


def mapping(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def card_html(label: str, value: str, detail: str = "") -> str:
    return (
        f'<div class="card"><div class="label">{esc(label)}</div><div class="value">{esc(value)}</div>'
        f'<div class="detail">{esc(detail)}</div></div>'
    )


def rmse_text(value: object) -> str:
    return "n/a" if number(value) is None else f"{number(value):.4f}"


def rmse_interval(row: Mapping) -> str:
    low, high = number(row.get("rmse_low68")), number(row.get("rmse_high68"))
    return "n/a" if low is None or high is None else f"[{low:.4f}, {high:.4f}]"


def model_description(best: Mapping) -> str:
    """One line on the chosen model from the keys of best/metrics.json that are present."""
    parts = [f"{best[k]} {what}" for k, what in (("architecture", "architecture"), ("head", "head")) if best.get(k)]
    width = mapping(best.get("model_spec")).get("width")
    if best.get("architecture") and width:
        parts[0] += f" (width {fmt_number(width)})"
    if parts and best.get("folds") is not None:
        parts[0] += f", ensemble of {fmt_number(best['folds'])} fold models"
    if best.get("steps") is not None:
        parts.append(f"{fmt_number(best['steps'])} steps ({fmt_number(best.get('epochs'))} epochs), last weights kept")
    if best.get("scheduler"):
        parts.append(f"scheduler {best['scheduler']}")
    if "rotate" in best:
        parts.append("rotation augmentation" if best["rotate"] else "no augmentation")
    if number(best.get("ema_decay")):
        parts.append(f"moving average of the weights (decay {best['ema_decay']})")
    if isinstance(best.get("n_parameters"), int):
        parts.append(f"{best['n_parameters']:,} parameters")
    if number(best.get("train_seconds")) is not None:
        parts.append(f"trained in {number(best['train_seconds']):.0f} s on {best.get('device', 'an unnamed device')}")
    return ", ".join(parts)


def score_records(scores: object) -> list[Mapping]:
    """The rows of test_rmse.csv (as parsed by :func:`csv_records`); anything else gives no rows."""
    return [row for row in scores if isinstance(row, Mapping)] if isinstance(scores, list) else []


def chosen_scores(scores: Sequence[Mapping], best: Mapping) -> tuple[Mapping | None, Mapping | None]:
    """(most views, one view) rows of the chosen model (best/metrics.json's ``model``) in test_rmse.csv."""
    name = best.get("model", "best")
    rows = [r for r in scores if r.get("model") == name and number(r.get("tta_views")) is not None]
    rows.sort(key=lambda r: number(r["tta_views"]))
    return (rows[-1], rows[0]) if rows else (None, None)


def best_card(scores: Sequence[Mapping], best: Mapping) -> str:
    """The chosen model's test RMSE with test-time augmentation, its 68 % interval and the single-view RMSE."""
    with_tta, single = chosen_scores(scores, best)
    label = f"Best model ({best.get('model', 'best')}): test RMSE"
    if with_tta is None or single is None:
        return card_html(label, "n/a", "the chosen model has no row in the test scores")
    detail = f"68% interval {rmse_interval(with_tta)}; "
    views = number(with_tta.get("tta_views"))
    if views is not None and views > 1:
        detail += f"{views:.0f}-view test-time augmentation; one view: {rmse_text(single.get('rmse'))}"
    else:
        detail += "no test-time augmentation"
    return card_html(label, rmse_text(with_tta.get("rmse")), detail)


def merger_result(mergers: Mapping) -> MergerResult | None:
    """The merger numbers as a MergerResult; None when the run did not produce a complete one."""
    try:
        return MergerResult.from_json(dict(mergers))
    except (KeyError, TypeError, ValueError):
        return None


def merger_cards(mergers: Mapping) -> list[str]:
    """The quoted merger fraction and the merger rate per galaxy, each with its 68 % interval."""
    r = merger_result(mergers)
    if r is None:
        return [card_html("Merger fraction", "n/a"), card_html("Merger rate per galaxy", "n/a")]
    t_low, t_high = r.rate["timescale_gyr"]
    return [
        card_html(f"Merger fraction ({NAMES[r.estimator]})", fmt.pct(r.fraction.fraction),
                  f"68 % interval {fmt.span(r.fraction.interval)}"),
        card_html("Merger rate per galaxy", f"{fmt.rate(r.rate['rate_gyr'])} Gyr⁻¹",
                  f"68 % interval {fmt.span(r.rate['interval_68'], fmt.rate)} Gyr⁻¹; T_obs {t_low:g} – {t_high:g} Gyr"),
    ]  # fmt: skip


def headline_cards(baseline: Mapping, best: Mapping, scores: Sequence[Mapping], mergers: Mapping) -> str:
    """The four headline numbers: baseline and best test RMSE, merger fraction and merger rate."""
    detail = "the training mean predicted for every galaxy"
    if baseline.get("n_test") is not None:
        detail += f"; {fmt_number(baseline['n_test'])} test galaxies"
    cards = [
        card_html("Mean-label baseline: test RMSE", rmse_text(baseline.get("test_rmse")), detail),
        best_card(scores, best),
        *merger_cards(mergers),
    ]
    return f'<div class="cards">{"".join(cards)}</div>'


def model_row(row: Mapping, base: float | None, validation: Mapping, views: float | None) -> list[str]:
    """One row of test_rmse.csv for the models table; the out-of-fold RMSE (used to choose) on the row with the
    ``views`` it was measured with."""
    rmse, auc = number(row.get("rmse")), number(row.get("merger_auc"))
    change = "" if rmse is None or not base else f"{100 * (rmse / base - 1):+.1f}%"
    merger = f"{rmse_text(row.get('merger_rmse'))} vs {rmse_text(row.get('merger_rmse_mean_baseline'))}"
    chosen_on = rmse_text(validation.get(row.get("model"))) if number(row.get("tta_views")) == views else ""
    return [
        str(row.get("model", "n/a")),
        fmt_number(row.get("tta_views")),
        f"{rmse_text(rmse)} {rmse_interval(row)}",
        change,
        merger,
        "n/a" if auc is None else f"{auc:.3f}",
        chosen_on,
    ]


def models_html(baseline: Mapping, best: Mapping, scores: Sequence[Mapping]) -> str:
    """Test RMSE of the mean baseline and of every model and number of views; the chosen model with TTA bold."""
    base = number(baseline.get("test_rmse"))
    validation = mapping(best.get("compared"))
    if best.get("architecture") in validation:  # the best model is a copy of one architecture
        validation = {**validation, "best": validation[best["architecture"]]}
    merger_base = rmse_text(scores[0].get("merger_rmse_mean_baseline")) if scores else "n/a"
    rows = [
        ["mean-label baseline", "", rmse_text(base), "", merger_base, "", rmse_text(baseline.get("validation_rmse"))]
    ]
    views = max((number(row.get("tta_views")) or 0 for row in scores), default=None)  # predict.tta: the choice's
    rows += [model_row(row, base, validation, views) for row in scores]
    with_tta, _ = chosen_scores(scores, best)
    chosen = next((k + 1 for k, row in enumerate(scores) if row is with_tta), None)
    header = ["model", "views", "test RMSE [68% interval]", "vs baseline", "merger RMSE vs its baseline",
              "merger AUC", "out-of-fold RMSE (used to choose)"]  # fmt: skip
    return table_html(header, rows, chosen)


def models_notes(best: Mapping, scores: Sequence[Mapping], tta: Mapping) -> str:
    """The test subset, the tie rule, the architecture choice, the chosen model and the effect of TTA."""
    first = scores[0] if scores else {}
    counts = ""
    if first.get("n_galaxies") is not None:
        counts = (
            f" ({fmt_number(first['n_galaxies'])} galaxies, {fmt_number(first.get('n_true_mergers'))} true mergers)"
        )
    lines = [
        f"Scores on the held-out test subset{counts}, which neither training nor the model choice saw. Intervals are "
        "68% bootstrap intervals over the test galaxies: differences inside them are ties, not rankings."
    ]
    choice = mapping(best.get("architecture_choice"))
    if choice.get("reason"):
        chosen = choice.get("chosen", "n/a")
        lines.append(f"Architecture of the best model, chosen between resnet18 and cnn: {chosen} ({choice['reason']}).")
    if model_description(best):
        lines.append(f"Chosen model: {best.get('model', 'n/a')}: {model_description(best)}.")
    if best.get("selection_note"):
        lines.append(str(best["selection_note"]))
    if number(tta.get("rmse_with_tta")) is not None and number(tta.get("relative_change")) is not None:
        lines.append(
            f"Test-time augmentation ({fmt_number(tta.get('tta'))} views) changes the best model's test RMSE from "
            f"{rmse_text(tta.get('rmse_without_tta'))} to {rmse_text(tta['rmse_with_tta'])} "
            f"({100 * number(tta['relative_change']):+.1f}%)."
        )
    return "".join(f"<p>{esc(line)}</p>" for line in lines)


def mergers_html(mergers: Mapping) -> str:
    """The merger result: the warning (if any) first, the headline sentences, and every merger table once."""
    r = merger_result(mergers)
    if r is None:
        return '<p class="missing">No complete merger result in this run.</p>'
    sentences = headline(r)
    parts = [f'<p class="note"><strong>{esc(sentences.pop(0))}</strong></p>'] if warning(r) else []
    parts += [f"<p>{esc(sentence)}</p>" for sentence in sentences]
    for table in tables(r):
        parts.append(f"<h3>{esc(table.title)}</h3>" + (f"<p>{esc(table.note)}</p>" if table.note else ""))
        if table.header:
            parts.append(table_html(table.header, table.rows, 0 if table.title == "Estimates" else None))
    return "".join(parts)


def landing_html(headline: Mapping[str, object], facts: Sequence[str] = ()) -> str:
    """The first section: headline numbers, the models on the test subset, the merger result and the literature."""
    baseline, best, tta, mergers = (mapping(headline.get(k)) for k in ("baseline", "best", "tta", "mergers"))
    scores = score_records(headline.get("test_rmse"))
    parts = ['<section id="summary"><h2>Summary</h2>']
    parts += [f'<p class="subtitle">{esc(" · ".join(facts))}</p>'] if facts else []
    parts.append(headline_cards(baseline, best, scores, mergers))
    parts += [
        "<h3>Models on the test subset</h3>",
        models_html(baseline, best, scores),
        models_notes(best, scores, tta),
    ]
    parts += ["<h3>Merger fraction of the unlabelled set</h3>", mergers_html(mergers)]
    parts.append('<p>Figures: <a href="#mergers">Mergers</a> below.</p></section>')
    return "".join(parts)


# ---- sections and the page -------------------------------------------------------------------------------------


def content_html(item: Item, data: bytes | None, figure_anchors: Mapping[str, str]) -> str:
    """The body of one item, by its file type; a note when the run did not produce the file."""
    if data is None:
        return f'<p class="missing">Not produced by this run: <code>{esc(item.path)}</code>.</p>'
    suffix = Path(item.path).suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg"):
        return image_html(data, item.title)
    text = data.decode("utf-8", errors="replace")
    if suffix == ".csv":
        return csv_html(text, item.max_rows)
    if suffix == ".json":
        try:
            return json_html(json.loads(text))
        except json.JSONDecodeError as error:
            raise ReportInputError(f"{item.path}: not valid JSON ({error})") from error
    if suffix == ".md":
        return markdown_html(text, posixpath.dirname(item.path), figure_anchors)
    return f"<pre>{esc(text)}</pre>"


def item_html(item: Item, data: bytes | None, caption: str | None, figure_anchors: Mapping[str, str]) -> str:
    """One figure or table: title, caption, content and the file it came from."""
    text = rst_html(caption) if caption else (f"<p>{esc(item.note)}</p>" if item.note else "")
    return (
        f'<section class="item" id="{anchor(item.path)}"><h3>{esc(item.title)}</h3>'
        f'<div class="caption">{text}</div>{content_html(item, data, figure_anchors)}'
        f'<p class="source">File: <code>{esc(item.path)}</code></p></section>'
    )


def toc_html(sections: Mapping[str, Sequence[Item]]) -> str:
    """The sections on one line, and every figure and table in a folded list (the headline numbers stay on screen)."""
    names = ["Summary", *sections]
    line = " · ".join(f'<a href="#{anchor(name)}">{esc(name)}</a>' for name in names)
    entries = []
    for title, items in sections.items():
        sub = "".join(f'<li><a href="#{anchor(i.path)}">{esc(i.title)}</a></li>' for i in items)
        entries.append(f'<li><a href="#{anchor(title)}">{esc(title)}</a><ol>{sub}</ol></li>')
    return (
        f'<nav class="toc"><strong>Contents:</strong> {line}'
        f"<details><summary>Every figure and table</summary><ol>{''.join(entries)}</ol></details></nav>"
    )


def run_facts(contents: Mapping[str, bytes | None]) -> list[str]:
    """'500 labelled images from X', '200 unlabelled images from Y' from the preprocessing summaries present."""
    facts = []
    for imageset, what in (("train", "labelled"), ("test", "unlabelled")):
        data = contents.get(f"results/data/{imageset}/summary.json")
        try:
            summary = json.loads(data) if data else {}
        except json.JSONDecodeError:
            summary = {}
        if isinstance(summary, Mapping) and summary.get("n_images") is not None:
            facts.append(f"{summary['n_images']} {what} images from {summary.get('images', 'n/a')}")
    return facts


def build_report(
    headline: Mapping[str, object],
    contents: Mapping[str, bytes | None],
    captions: Mapping[str, str],
    generated: str = "",
    sections: Mapping[str, Sequence[Item]] = SECTIONS,
) -> str:
    """The whole page. ``headline``: the parsed :data:`HEADLINE_FILES` by key (JSON as loaded, a CSV as
    :func:`csv_records`); ``contents``: the bytes of each section file by its path (None or absent: not produced);
    ``captions``: caption file name -> text."""
    figures = {i.path: anchor(i.path) for items in sections.values() for i in items if i.path.endswith(".png")}
    body = [landing_html(headline, run_facts(contents))]
    for title, items in sections.items():
        body.append(f'<section id="{anchor(title)}"><h2>{esc(title)}</h2>')
        body += [item_html(i, contents.get(i.path), captions.get(i.caption or ""), figures) for i in items]
        body.append("</section>")
    footer = (
        f"<footer><p>Written by the gzmorph workflow{esc(', ' + generated) if generated else ''}. The Snakemake "
        "provenance report (which rule, inputs and software made each file): "
        "<code>snakemake --report results/provenance.html</code>.</p></footer>"
    )
    return page_html(
        "gzmorph: Galaxy Zoo morphology and the merger fraction", toc_html(sections) + "".join(body) + footer
    )


def page_html(title: str, body: str) -> str:
    """A complete HTML document with inline CSS and no scripts."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main><h1>{esc(title)}</h1>{body}</main></body></html>\n"
    )


# ---- reading the files (the only function that touches the disk) -----------------------------------------------


def read_headline(key: str, path: str) -> object:
    """One headline file, parsed: a CSV as :func:`csv_records`, else JSON; a missing or invalid file names itself."""
    if not Path(path).is_file():
        raise ReportInputError(f"{path}: required input of the HTML report is missing (the {key} numbers)")
    text = Path(path).read_text()
    if path.endswith(".csv"):
        return csv_records(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportInputError(f"{path}: not valid JSON ({error})") from error


def write_report(
    out: str, headline_paths: Mapping[str, str], files: Iterable[str], caption_paths: Iterable[str], generated: str = ""
) -> None:
    """Read the inputs and write the page atomically. A missing headline file stops with its name; section files
    not given (or not existing) are shown as not produced."""
    from gzmorph.io import atomic_path

    headline = {key: read_headline(key, path) for key, path in headline_paths.items()}
    given = {posixpath.normpath(Path(p).as_posix()): p for p in files}
    contents = {
        item.path: Path(given[item.path]).read_bytes()
        if item.path in given and Path(given[item.path]).is_file()
        else None
        for items in SECTIONS.values()
        for item in items
    }
    captions = {Path(p).name: Path(p).read_text() for p in caption_paths}
    with atomic_path(out) as tmp:
        tmp.write_text(build_report(headline, contents, captions, generated), encoding="utf-8")
