"""Figures that compare numbers: our fraction and rate against the literature and Illustris, and the diagnostic.

Our fraction carries its 68 % interval; a value or end at 0 is drawn at the axis' edge with an arrow. Literature
fractions are drawn as published (times their own correction); the rate is drawn against T_obs, since which
timescale fits a Galaxy Zoo merger vote is an assumption; literature rates sit at their own timescales.
"""

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from gzmorph.formatting import pct, rate, span
from gzmorph.mergers.result import ESTIMATORS, NAMES, MergerResult

T_OBS_RANGE = (0.2, 2.0)  # Gyr: from automated indicators' timescales to close pairs'

QUANTITY_LABELS = {
    "merger_fraction": "merger fraction",
    "companions_per_galaxy": "companions per galaxy",
    "merger_rate": "rate x our T_obs",
}


def _ours(ax, y: float, value: float, interval: tuple[float, float], floor: float) -> None:
    """Our value with its 68 % interval; a value or end at or below ``floor`` (the axis' left edge on a log scale,
    where zero cannot be drawn) is drawn at the edge with an arrow saying it reaches further."""
    low, high = (max(v, floor) for v in interval)
    shown = min(max(value, low), high)
    ax.errorbar(shown, y, xerr=[[shown - low], [high - shown]], fmt="D", color="k", ms=6, capsize=5, lw=1.2)
    if interval[0] <= floor:
        ax.annotate("to 0", (floor, y), xytext=(4, 8), textcoords="offset points", fontsize=7, va="bottom")
        ax.plot(floor, y, "<", color="k", ms=8, clip_on=False)


def _literature(ax, y: float, span: list[float] | None) -> None:
    if span is None:
        ax.text(0.02, y, "not filled in (config)", transform=ax.get_yaxis_transform(), va="center", color="C1")
    elif span[0] == span[1]:
        ax.plot(span[0], y, "o", color="C1", ms=7)
    else:
        ax.plot(span, [y, y], color="C1", lw=6, alpha=0.7, solid_capstyle="butt")


def _fraction_rows(result: MergerResult) -> list[tuple[str, list[float] | None]]:
    rows = []
    for entry in result.literature:
        if entry["quantity"] in ("merger_fraction", "companions_per_galaxy"):
            label = f"{entry['name']}, {entry['redshift']}\n({QUANTITY_LABELS[entry['quantity']]})"
            rows.append((label, entry["value_used"]))
    return rows


def _fraction_panel(ax, result: MergerResult) -> None:
    """Our fraction and the literature's fractions, each in its own quantity, on a log axis."""
    rows = _fraction_rows(result)
    f, interval = result.fraction.fraction, result.fraction.interval
    positive = [v for v in (f, *interval, *(v for _, ends in rows if ends for v in ends)) if v > 0] or [0.01]
    floor, ceiling = min(positive) / 1.5, max(positive) * 1.5
    ax.axvspan(max(interval[0], floor), max(interval[1], floor), color="0.85", lw=0, zorder=0)
    _ours(ax, 0, f, interval, floor)
    for y, (_, ends) in enumerate(rows, start=1):
        _literature(ax, y, ends)
    ax.set_yticks(range(len(rows) + 1), ["this work", *[label for label, _ in rows]], fontsize=8)
    ax.set_ylim(len(rows) + 0.5, -0.5)
    ax.set_xscale("log")
    ax.set_xlim(floor, ceiling)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("fraction of galaxies (merger fraction; companions per galaxy)")
    ax.set_title("Fractions, each in its own quantity")
    ax.grid(axis="x", which="both", alpha=0.3)


def _rate_panel(ax, result: MergerResult) -> None:
    """R = f / T_obs against T_obs, with the Illustris bands and each literature rate at its own timescale."""
    t = np.geomspace(*T_OBS_RANGE, 100)
    f, (low, high) = result.fraction.fraction, result.fraction.interval
    ax.fill_between(t, low / t, high / t, color="k", alpha=0.15, lw=0, label="this work: R = f / T_obs, 68 %")
    ax.plot(t, f / t, "k-", lw=1.5)
    t_low, t_high = result.rate["timescale_gyr"]
    ax.axvspan(t_low, t_high, color="C0", alpha=0.1, lw=0, label="adopted T_obs (close pairs)")
    for i, colour in zip(result.illustris, ("C2", "C4"), strict=False):
        ax.axhspan(
            *i["band"], color=colour, alpha=0.25, lw=0, label=f"Illustris, mass ratio >= {i['mass_ratio_min']:g}"
        )
    literature = [e for e in result.literature if e["rate_gyr"] is not None]
    for entry, colour in zip(literature, ("C1", "C5", "C6", "C8", "C9"), strict=False):
        label = f"{entry['name']}: {_own_units(entry)}"
        if entry["quantity"] == "merger_rate":
            ax.axhspan(*entry["rate_gyr"], color=colour, alpha=0.3, lw=0, label=f"{label} (as published)")
            continue
        f_low, f_high = entry["value_used"]
        ts = np.geomspace(*entry["timescale"]["gyr"], 20)
        if ts[0] == ts[-1]:
            ax.plot([ts[0], ts[0]], [f_low / ts[0], f_high / ts[0]], "o-", color=colour, lw=3, label=f"{label}, own T")
        else:
            ax.fill_between(ts, f_low / ts, f_high / ts, color=colour, alpha=0.5, lw=0, label=f"{label}, own T")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*T_OBS_RANGE)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks([0.2, 0.3, 0.5, 1.0, 2.0])
    positive = [v for v in (low / T_OBS_RANGE[1], high / T_OBS_RANGE[0], f / 1.0) if v > 0]
    bands = [v for i in result.illustris for v in i["band"]]
    ax.set_ylim(min([*positive, *bands]) / 2, max([*positive, *bands]) * 2)
    ax.set_xlabel("observability timescale T_obs (Gyr)")
    ax.set_ylabel("merger rate per galaxy R (Gyr$^{-1}$)")
    ax.set_title("Rate against the assumed timescale")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)


def _own_units(entry: dict) -> str:
    show = pct if entry["quantity"] == "merger_fraction" else rate
    return f"{span(entry['value_used'], show)} {entry['units']}"


def rate_figure(result: MergerResult) -> Figure:
    """Left: fractions of galaxies; right: R against T_obs with Illustris and the literature."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 6), layout="constrained")
    _fraction_panel(left, result)
    _rate_panel(right, result)
    fig.suptitle("Merger fraction and rate: this work against the literature and Illustris")
    return fig


def _skipped(reason: str) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 2.5), layout="constrained")
    ax.axis("off")
    ax.text(0.5, 0.5, f"Known-answer diagnostic not run:\n{reason}", ha="center", va="center", wrap=True)
    return fig


def coverage_figure(coverage: Mapping) -> Figure:
    """Left: median estimate and median interval ends against the true fraction (the mean as an open marker);
    right: coverage of each estimator."""
    if "skipped" in coverage:
        return _skipped(coverage["skipped"])
    factors = coverage["factors"]
    names = list(factors[0]["estimators"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    truths = np.array([f["true_fraction"] for f in factors])
    for e, name in enumerate(names):
        offset = 1 + 0.04 * (e - (len(names) - 1) / 2)
        rows = [f["estimators"][name] for f in factors]
        valid = [k for k, row in enumerate(rows) if row.get("valid_repeats", 0) >= 2]
        median = np.array([rows[k]["median_estimate"] for k in valid])
        low, high = (np.array([rows[k]["median_interval"][i] for k in valid]) for i in (0, 1))
        left.errorbar(
            truths[valid] * offset,
            median,
            yerr=[np.maximum(median - low, 0), np.maximum(high - median, 0)],
            fmt="o",
            color=ESTIMATORS[name].colour,
            capsize=3,
            label=NAMES[name],
        )
        left.plot(
            truths[valid] * offset,
            [truths[k] + rows[k]["bias"] for k in valid],
            "o",
            mfc="none",
            color=ESTIMATORS[name].colour,
        )
        right.errorbar(
            np.array(valid) + 0.08 * (e - (len(names) - 1) / 2),
            [rows[k]["coverage"] for k in valid],
            yerr=[rows[k]["coverage_error"] for k in valid],
            fmt="o",
            color=ESTIMATORS[name].colour,
            capsize=3,
        )
    span = np.geomspace(truths.min() / 2, truths.max() * 2, 50)  # dense: the y axis is not logarithmic below 1 %
    left.plot(span, span, "k:", lw=1, label="estimate = truth")
    left.set_xscale("log")
    left.set_yscale("symlog", linthresh=0.01)  # linear below 1 %: a median interval may reach 0
    left.set_ylim(bottom=0)
    left.set_xlabel("true merger fraction of the target set")
    left.set_ylabel("estimated merger fraction (median, median 68 % interval; open: mean)")
    left.set_title(f"{coverage['repeats']} target sets of {coverage['target_size']} galaxies per factor")
    confidence = coverage["confidence"]
    right.axhline(confidence, color="k", ls="--", lw=1, label=f"nominal {confidence:.0%}")
    right.set_xticks(range(len(factors)), [f"{f['factor']:g}x ({f['true_fraction']:.3f})" for f in factors])
    right.set_xlabel("true fraction, as a multiple of the calibration galaxies' merger fraction")
    right.set_ylabel("coverage: share of intervals holding the truth")
    right.set_ylim(-0.02, 1.02)
    right.set_title("Coverage of the bootstrap 68 % interval")
    fig.legend(*left.get_legend_handles_labels(), loc="outside right center", fontsize=9)
    fig.suptitle("Known-answer diagnostic on held-out labelled galaxies")
    return fig
