"""The end-of-run summary: the few numbers that matter and where the report and the merger write-up are.

Read from the run's own result files, as the workflow names them (rules/report.smk, ``HEADLINE``); a file that a
partial run (one named target) did not build is left out.
"""

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from gzmorph.mergers.result import MergerResult
from gzmorph.mergers.tables import headline


def _read(path: str | Path | None) -> dict | None:
    return json.loads(Path(path).read_text()) if path and Path(path).exists() else None


def summary_lines(files: Mapping[str, str | Path], documents: Mapping[str, str | Path] = {}) -> list[str]:
    """``files``: the landing section's files by key (rules/report.smk ``HEADLINE``: baseline, best, test_rmse,
    mergers; others ignored); ``documents``: name -> path of the files to point at (the HTML page, the write-up)."""
    lines = []
    baseline = _read(files.get("baseline"))
    if baseline:
        lines.append(f"mean-label baseline: test RMSE {baseline['test_rmse']:.4f}")
    best = _read(files.get("best"))
    if best:
        lines.append(
            f"best model: {best['model']} ({best['architecture']} ensemble of {best['folds']} fold models), "
            f"out-of-fold RMSE {best['out_of_fold_rmse']:.4f}"
        )
    scores_path = files.get("test_rmse")
    if scores_path and Path(scores_path).exists():
        lines += _test_lines(pd.read_csv(scores_path))
    mergers = _read(files.get("mergers"))
    if mergers:
        lines += _merger_lines(mergers)
    for label, path in documents.items():
        if Path(path).exists():
            lines.append(f"{label}: {path}")
    return lines


def _test_lines(scores: pd.DataFrame) -> list[str]:
    """The best model's RMSE on the held-out test subset, per number of TTA views, with its 68 % interval."""
    best = scores[scores["model"] == "best"].sort_values("tta_views")
    return [
        f"  test RMSE with {row.tta_views} view(s): {row.rmse:.4f} (68% interval {row.rmse_low68:.4f}-"
        f"{row.rmse_high68:.4f}), merger AUC {row.merger_auc:.3f}"
        for row in best.itertuples()
    ]


def _merger_lines(numbers: dict) -> list[str]:
    """The merger result's headline sentences, as the reports write them (a partial result: none)."""
    try:
        result = MergerResult.from_json(numbers)
    except (KeyError, TypeError, ValueError):
        return []
    return headline(result)
