"""The page from its template (gzmorph/report/templates/page.html.j2, autoescaped; CSS in report.css): the landing
section, then each section's figures and tables with their captions (report/*.rst, by docutils). Pure: parsed
headline files, file contents and caption texts in, one HTML string out; gzmorph.report.files reads and writes."""

import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from gzmorph.report.convert import csv_table, data_uri, json_table, markdown_html, rst_html
from gzmorph.report.landing import landing, mergers_section
from gzmorph.report.sections import Item, anchor

TEMPLATES = Path(__file__).resolve().parent / "templates"  # package data
TITLE = "gzmorph: Galaxy Zoo morphology and the merger fraction"


class ReportInputError(RuntimeError):
    """A required input of the report is missing or unreadable; the message names the file."""


@dataclass(frozen=True)
class Content:
    """What one item shows, by kind: missing, image (a data URI), table, sentence, markdown or text."""

    kind: str
    value: object = None
    path: str = ""
    alt: str = ""


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    env.filters["anchor"] = anchor
    return env


def content(item: Item, data: bytes | None, figure_anchors: Mapping[str, str]) -> Content:
    """The body of one item, by its file type; a note when the run did not produce the file."""
    if data is None:
        return Content("missing", path=item.path)
    suffix = Path(item.path).suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg"):
        return Content("image", data_uri(data), alt=item.title)
    text = data.decode("utf-8", errors="replace")
    if suffix == ".csv":
        found = csv_table(text, item.max_rows)
        return Content("sentence", found) if isinstance(found, str) else Content("table", found)
    if suffix == ".json":
        try:
            return Content("table", json_table(json.loads(text)))
        except json.JSONDecodeError as error:
            raise ReportInputError(f"{item.path}: not valid JSON ({error})") from error
    if suffix == ".md":
        return Content("markdown", markdown_html(text, posixpath.dirname(item.path), figure_anchors))
    return Content("text", text)


def run_facts(contents: Mapping[str, bytes | None]) -> list[str]:
    """'500 labelled images from X', '200 unlabelled images from Y' from the preprocessing summaries present."""
    facts = []
    summaries = {Path(path).parent.name: data for path, data in contents.items() if Path(path).name == "summary.json"}
    for imageset, what in (("train", "labelled"), ("target", "unlabelled")):
        data = summaries.get(imageset)
        try:
            summary = json.loads(data) if data else {}
        except json.JSONDecodeError:
            summary = {}
        if isinstance(summary, Mapping) and summary.get("n_images") is not None:
            facts.append(f"{summary['n_images']} {what} images from {summary.get('images', 'n/a')}")
    return facts


def landing_html(headline: Mapping[str, object], facts: Sequence[str] = ()) -> str:
    """The first section alone (the page's ``summary`` macro)."""
    return str(environment().get_template("macros.html.j2").module.summary(landing(headline, facts)))


def mergers_html(mergers: Mapping) -> str:
    """The merger result alone, as the landing section shows it (the ``mergers`` macro)."""
    return str(environment().get_template("macros.html.j2").module.mergers(mergers_section(mergers)))


def build_report(
    headline: Mapping[str, object],
    contents: Mapping[str, bytes | None],
    captions: Mapping[str, str],
    sections: Mapping[str, Sequence[Item]],
    generated: str = "",
) -> str:
    """The whole page. ``sections``: the items of each section (gzmorph.report.sections); ``headline``: the parsed
    headline files by key (JSON as loaded, a CSV as ``csv_records``);
    ``contents``: the bytes of each section file by its path (None or absent: not produced); ``captions``: caption
    file (``Item.caption``) -> reStructuredText."""
    figures = {i.path: anchor(i.path) for items in sections.values() for i in items if i.path.endswith(".png")}
    shown = {i.path: content(i, contents.get(i.path), figures) for items in sections.values() for i in items}
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            title=TITLE,
            css=Markup((TEMPLATES / "report.css").read_text()),  # the package's own file, not user text
            sections=sections,
            landing=landing(headline, run_facts(contents)),
            contents=shown,
            captions={name: rst_html(text) for name, text in captions.items()},
            generated=generated,
        )
    )
