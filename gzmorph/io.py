"""Atomic output writers: a file appears complete or not at all, even if the run is killed mid-write."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.partial")
    try:
        yield partial
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)


def write_json(data: dict, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def write_text(text: str, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_table(table: pd.DataFrame, path: str | os.PathLike, float_format: str | None = None) -> None:
    """Parquet or CSV by suffix, without the index; ``float_format`` (e.g. "%.4f") rounds the floats of a CSV."""
    with atomic_path(path) as tmp:
        if Path(path).suffix == ".parquet":
            if float_format is not None:
                raise ValueError(f"{path}: float_format applies to CSV tables only")
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False, float_format=float_format)
