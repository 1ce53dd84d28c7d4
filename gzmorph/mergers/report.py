"""The merger report as Markdown: the headline sentences and every table of ``tables``, then the figures."""

from collections.abc import Mapping

from gzmorph.mergers.result import MergerResult
from gzmorph.mergers.tables import headline, markdown, tables


def render_markdown(
    result: MergerResult, figures: Mapping[str, str] | None = None, sources: Mapping[str, str] | None = None
) -> str:
    """The whole report. ``figures``: title -> path relative to the report; ``sources``: what -> input file."""
    sentences = headline(result)
    if sentences[0].startswith("WARNING"):
        sentences[0] = f"**{sentences[0]}**"
    lines = ["# Merger fraction and rate of the unlabelled set", ""]
    for sentence in sentences:
        lines += [sentence, ""]
    lines += [f"- {what}: `{path}`" for what, path in (sources or {}).items()] + [""]
    for table in tables(result):
        lines += [*markdown(table), ""]
    lines += ["## Figures", "", *(f"![{title}]({path})" for title, path in (figures or {}).items()), ""]
    return "\n".join(lines)
