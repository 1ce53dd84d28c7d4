"""Which file of the run goes in which section of the HTML page: derived from the workflow's rules.

Every rule output marked ``report(path, caption=..., category=..., labels={"title": ...})`` is shown, in the section
named by its ``category`` (``SECTION_ORDER`` first, others after), titled by its ``title`` label (else its file
name), with its caption file if it has one (else the title only). Optional labels: ``max_rows`` (show the first rows
of a long CSV), ``note`` (a sentence instead of a caption file) and ``html: "no"`` (a file the page does not show as
an item: the landing section renders it). Snakemake's own report (``snakemake --report``) reads the same
declarations, so adding a figure is its script and its rule. rules/report.smk hands the sections to the report job
as a param (``to_params`` / ``from_params``); ``all_targets()`` in rules/common.smk lists ``report_files``.

The Snakefile imports this module, so it stays light: no Jinja, no docutils, no Markdown, not even Snakemake (the
rules are read through their ``output`` items and those items' ``flags``).
"""

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import product

SECTION_ORDER = ("Data", "Exploration", "Models", "Evaluation", "Predictions", "Mergers")
HEADLINE_KEYS = ("baseline", "best", "tta", "test_rmse", "mergers")  # the landing section's inputs
NOT_SHOWN = "no"  # labels={"html": "no"}
_WILDCARD = re.compile(r"\{(\w+)(?:,[^}]*)?\}")


@dataclass(frozen=True)
class Item:
    """One figure or table of the report: the file the workflow writes, a title, and its caption."""

    path: str  # as written by the workflow, relative to the working directory
    title: str
    caption: str | None = None  # path of a caption file (reStructuredText, shared with ``snakemake --report``)
    note: str = ""  # caption text for files that have no caption file
    max_rows: int | None = None  # show only the first rows of a long CSV


@dataclass(frozen=True)
class ReportOutput:
    """One output marked ``report()`` with its wildcards filled in: the section it goes in and whether it is shown."""

    section: str
    item: Item
    shown: bool = True


def report_outputs(rules: Iterable, wildcard_values: Mapping[str, Sequence[str]]) -> list[ReportOutput]:
    """Every output marked ``report()`` of ``rules`` (Snakemake's ``workflow.rules``, in order), one per value of
    each wildcard in its path (``wildcard_values``: e.g. every architecture for ``{model}``)."""
    found = []
    for rule in rules:
        for output in rule.output:
            flag = getattr(output, "flags", {}).get("report")
            if flag is None:
                continue
            labels = flag.labels if isinstance(flag.labels, Mapping) else {}
            caption = flag.caption and os.path.normpath(getattr(flag.caption, "path", str(flag.caption)))
            names = list(dict.fromkeys(_WILDCARD.findall(str(output))))
            missing = [name for name in names if name not in wildcard_values]
            if missing:
                raise KeyError(f"rule {rule.name}: report output {output} has wildcards {missing} with no values")
            for values in product(*(wildcard_values[name] for name in names)):
                fill = dict(zip(names, values, strict=True))
                path = _fill(str(output), fill)
                item = Item(
                    path=path,
                    title=_fill(str(labels.get("title", os.path.basename(path))), fill),
                    caption=caption or None,
                    note=_fill(str(labels.get("note", "")), fill),
                    max_rows=int(labels["max_rows"]) if "max_rows" in labels else None,
                )
                found.append(ReportOutput(flag.category or "Other", item, labels.get("html") != NOT_SHOWN))
    return found


def _fill(text: str, values: Mapping[str, str]) -> str:
    return _WILDCARD.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def by_section(outputs: Iterable[ReportOutput]) -> dict[str, tuple[Item, ...]]:
    """The shown outputs grouped by section: ``SECTION_ORDER`` first, then other categories as they come."""
    grouped: dict[str, list[Item]] = {name: [] for name in SECTION_ORDER}
    for output in outputs:
        if output.shown:
            grouped.setdefault(output.section, []).append(output.item)
    return {name: tuple(items) for name, items in grouped.items() if items}


def report_files(outputs: Iterable[ReportOutput]) -> list[str]:
    """Every report output's path, shown or not (targets of a full run)."""
    return [output.item.path for output in outputs]


def section_files(sections: Mapping[str, Sequence[Item]]) -> list[str]:
    """Every file shown in a section, in report order (the rule's inputs)."""
    return [item.path for items in sections.values() for item in items]


def caption_files(sections: Mapping[str, Sequence[Item]]) -> list[str]:
    """The caption files the sections use."""
    return sorted({item.caption for items in sections.values() for item in items if item.caption})


def to_params(sections: Mapping[str, Sequence[Item]]) -> dict[str, list[dict]]:
    """The sections as plain data, for the report rule's params (so a new title or caption reruns the page)."""
    return {name: [asdict(item) for item in items] for name, items in sections.items()}


def from_params(params: Mapping[str, Sequence[Mapping]]) -> dict[str, tuple[Item, ...]]:
    return {name: tuple(Item(**item) for item in items) for name, items in params.items()}


def anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
