"""The end-of-run summary: the few numbers that matter and where the report and the merger write-up are.

Read from the run's own result files; a file that a partial run (one named target) did not build is left out.
"""

import json
from pathlib import Path

REPORT = "results/report/index.html"
MERGER_REPORT = "results/report/merger_fraction.md"


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def summary_lines(results: str | Path = "results") -> list[str]:
    results = Path(results)
    lines = []
    baseline = _read(results / "baseline" / "mean.json")
    if baseline:
        lines.append(f"mean-label baseline: validation RMSE {baseline['validation_rmse']:.4f}")
    best = _read(results / "models" / "best.json")
    if best:
        lines.append(
            f"best model: {best['model']} ({best['architecture']}), validation RMSE {best['validation_rmse']:.4f}"
        )
    tta = _read(results / "tables" / "tta_effect.json")
    if tta:
        lines.append(f"  with {tta['tta']}-fold test-time augmentation: RMSE {tta['rmse_with_tta']:.4f}")
    mergers = _read(results / "tables" / "merger_fraction.json")
    if mergers:
        lines += _merger_lines(mergers)
    for label, path in (("HTML report", REPORT), ("merger write-up", MERGER_REPORT)):
        if (results.parent / path).exists():
            lines.append(f"{label}: {path}")
    return lines


def _merger_lines(numbers: dict) -> list[str]:
    adopted = numbers["adopted_fraction"]
    text = f"merger fraction ({numbers['adopted']}): {100 * adopted['fraction']:.2f}%"
    if "interval_68" in adopted:
        low, high = adopted["interval_68"]
        text += f", 68% interval {100 * low:.2f}-{100 * high:.2f}% (statistical and systematic)"
    lines = [text]
    rate = numbers.get("rate")
    if rate:
        low, high = rate["interval_68"]
        lines.append(f"merger rate per galaxy: {rate['rate_gyr']:.3g} Gyr^-1, 68% interval {low:.3g}-{high:.3g}")
    return lines
