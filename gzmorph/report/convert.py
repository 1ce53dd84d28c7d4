"""Generic converters of the run's files into what the page template shows: values to short text, CSV and JSON to
:class:`Table` (data, rendered by the template), Markdown and reStructuredText captions to HTML fragments, images
to data URIs. Pure: bytes or text in, data out; nothing here escapes by hand (the template autoescapes, and the
Markdown and docutils converters escape the raw HTML of their input themselves)."""

import base64
import csv
import io
import math
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from markupsafe import Markup

COLLAPSE_ROWS = 40  # longer tables are folded into a <details> element
_IMAGE_LINK = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")
_INTEGER = re.compile(r"[+-]?\d+")


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
    if _INTEGER.fullmatch(text):
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


def mapping(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


# ---- tables ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table as the template draws it: all-numeric columns right-aligned, row ``chosen`` bold, long ones folded."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    chosen: int | None = None
    numeric: frozenset[int] = frozenset()
    collapse: int = COLLAPSE_ROWS
    count: str = ""  # a line above the table ("12 rows")


def table(header: Sequence[object], rows: Sequence[Sequence[object]], chosen: int | None = None, count="") -> Table:
    """A :class:`Table` of text cells; the columns whose every non-empty cell is a number are marked numeric."""
    cells = tuple(tuple(str(v) for v in row) for row in rows)
    columns = list(zip_longest(*cells, fillvalue=""))
    numeric = frozenset(
        j
        for j, col in enumerate(columns)
        if all(_NUMBER.fullmatch(v.strip()) or not v.strip() for v in col) and any(v.strip() for v in col)
    )
    return Table(tuple(str(h) for h in header), cells, chosen, numeric, count=count)


def csv_records(text: str) -> list[dict[str, object]]:
    """A CSV file as one dict per row; integer cells become int, other numbers float, the rest stays text."""

    def value(cell: str) -> object:
        if _INTEGER.fullmatch(cell.strip()):
            return int(cell)
        try:
            return float(cell)
        except ValueError:
            return cell

    return [{key: value(cell or "") for key, cell in row.items() if key} for row in csv.DictReader(io.StringIO(text))]


def csv_table(text: str, max_rows: int | None = None) -> Table | str:
    """A CSV file as a table (the first ``max_rows`` data rows if given); a sentence when it has no rows."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return "Empty file."
    header, body = rows[0], rows[1:]
    shown = body if max_rows is None else body[:max_rows]
    count = f"{len(body)} rows" if len(shown) == len(body) else f"the first {len(shown)} of {len(body)} rows"
    if not body:
        return f"No rows (columns: {', '.join(header)})."
    return table(header, [[fmt_cell(c) for c in row] for row in shown], count=count)


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


def json_table(data: object) -> Table:
    """A JSON document as a key/value table with dotted keys."""
    return table(["key", "value"], [(key, fmt_number(value)) for key, value in flatten(data)])


# ---- text and images -------------------------------------------------------------------------------------------


def markdown_html(text: str, base: str, figure_anchors: Mapping[str, str]) -> Markup:
    """Markdown as HTML, raw HTML in it escaped, headings two levels down (the page has h1 and h2 already).

    Image links are resolved against ``base`` (the Markdown file's folder); one that names a figure of this report
    becomes a link to it (``figure_anchors``: path -> anchor), so no image is embedded twice.
    """
    import markdown  # here, not at the top: only the report job converts Markdown

    def link(match: re.Match) -> str:
        resolved = posixpath.normpath(posixpath.join(base, match.group(2)))
        if resolved in figure_anchors:
            return f"[Figure: {match.group(1)}](#{figure_anchors[resolved]})"
        return f"{match.group(1)} (figure not embedded: `{match.group(2)}`)"

    converter = markdown.Markdown(extensions=["tables"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    body = converter.convert(_IMAGE_LINK.sub(link, text))
    return Markup(_HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", body))


def rst_html(text: str) -> Markup:
    """A caption file (reStructuredText, as ``snakemake --report`` reads it) as HTML by docutils; raw HTML and file
    inclusion are off, so a caption cannot inject markup."""
    from docutils.core import publish_parts
    from docutils.writers.html5_polyglot import Writer

    settings = {"raw_enabled": False, "file_insertion_enabled": False, "report_level": 5, "halt_level": 5,
                "doctitle_xform": False, "initial_header_level": 4}  # fmt: skip
    return Markup(publish_parts(text, writer=Writer(), settings_overrides=settings)["body"])


def data_uri(data: bytes) -> str:
    """An image as a base64 data URI (PNG, or JPEG by its signature)."""
    mime = "image/jpeg" if data[:2] == b"\xff\xd8" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
