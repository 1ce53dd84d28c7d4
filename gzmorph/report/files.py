"""The report's file I/O, the only part that touches the disk: read the headline files and the section files the
rule names, write the page atomically."""

import json
import os
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from gzmorph.io import atomic_path
from gzmorph.report.convert import csv_records
from gzmorph.report.render import ReportInputError, build_report
from gzmorph.report.sections import Item


def read_headline(key: str, path: str) -> object:
    """One headline file, parsed: a CSV as ``csv_records``, else JSON; a missing or invalid file names itself."""
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
    out: str,
    headline_paths: Mapping[str, str],
    files: Iterable[str],
    caption_paths: Iterable[str],
    sections: Mapping[str, Sequence[Item]],
    generated: str = "",
) -> None:
    """Read the inputs and write the page of ``sections`` atomically. A missing headline file stops with its name;
    section files not given (or not existing) are shown as not produced, caption files not given as none."""
    headline = {key: read_headline(key, path) for key, path in headline_paths.items()}
    given = {posixpath.normpath(Path(p).as_posix()): p for p in files}
    contents = {
        item.path: Path(given[item.path]).read_bytes()
        if item.path in given and Path(given[item.path]).is_file()
        else None
        for items in sections.values()
        for item in items
    }
    texts = {os.path.abspath(p): Path(p).read_text() for p in caption_paths}
    captions = {
        item.caption: texts[os.path.abspath(item.caption)]
        for items in sections.values()
        for item in items
        if item.caption and os.path.abspath(item.caption) in texts
    }
    with atomic_path(out) as tmp:
        tmp.write_text(build_report(headline, contents, captions, sections, generated), encoding="utf-8")
