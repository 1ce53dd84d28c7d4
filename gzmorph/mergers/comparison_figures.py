"""Figures that compare numbers: our fraction and rate against the literature and Illustris, and the coverage test.

Our values carry two bars: the thick one is the statistical 68 % interval, the thin one with caps the total
(statistics and systematics in quadrature). Literature values are drawn in the panel of their own quantity, as the
range they were published with (times their own correction); a value not filled in is named, not drawn.
"""

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

NAMES = {"cc": "CC", "acc": "ACC", "pacc": "PACC", "mean_vote": "mean vote", "count_matching": "count matching"}
COLOURS = {"cc": "C0", "acc": "C2", "pacc": "C3", "mean_vote": "C1", "count_matching": "C4"}
QUANTITY_LABELS = {
    "merger_fraction": "merger fraction",
    "companions_per_galaxy": "companions per galaxy",
    "merger_rate": "rate x our T_obs",
}


def _ours(ax, y: float, value: float, stat: tuple[float, float], total: list[float], floor: float) -> None:
    """Our value with its statistical bar and total whiskers; a limit at or below ``floor`` (the axis' left edge on
    a log scale, where zero cannot be drawn) is drawn at the edge with an arrow saying it reaches further."""
    stat, total = [max(v, floor) for v in stat], [max(v, floor) for v in total]
    ax.plot(stat, [y, y], color="k", lw=6, solid_capstyle="butt")
    ax.errorbar(value, y, xerr=[[value - total[0]], [total[1] - value]], fmt="D", color="k", ms=6, capsize=5, lw=1.2)
    if total[0] <= floor:
        ax.annotate("to 0", (floor, y), xytext=(4, 8), textcoords="offset points", fontsize=7, va="bottom")
        ax.plot(floor, y, "<", color="k", ms=8, clip_on=False)


def _literature(ax, y: float, span: list[float] | None) -> None:
    if span is None:
        ax.text(0.02, y, "not filled in (config)", transform=ax.get_yaxis_transform(), va="center", color="C1")
    elif span[0] == span[1]:
        ax.plot(span[0], y, "o", color="C1", ms=7)
    else:
        ax.plot(span, [y, y], color="C1", lw=6, alpha=0.7, solid_capstyle="butt")


def _fraction_rows(result: Mapping) -> list[tuple[str, list[float] | None]]:
    rows = []
    for entry in result["literature"]:
        quantity = entry["quantity"]
        if quantity in ("merger_fraction", "companions_per_galaxy"):
            rows.append((f"{entry['name']}, {entry['redshift']}\n({QUANTITY_LABELS[quantity]})", entry["value_used"]))
        elif quantity == "merger_rate":
            rows.append(
                (
                    f"{entry['name']}, {entry['redshift']}\n({QUANTITY_LABELS[quantity]})",
                    entry["fraction_with_our_timescale"],
                )
            )
    return rows


def _rate_rows(result: Mapping) -> list[tuple[str, list[float] | None]]:
    rows = []
    for entry in result["literature"]:
        if entry["quantity"] == "volume_merger_rate" and entry["rate_gyr"] is None:
            continue
        via = {"merger_rate": "as published"}.get(entry["quantity"], "f / its own T")
        rows.append((f"{entry['name']}, {entry['redshift']}\n({via})", entry["rate_gyr"]))
    return rows


def _panel(ax, rows, ours: tuple, xlabel: str, extra: tuple[float, ...] = ()) -> None:
    """One panel on a log axis whose limits hold every positive value drawn (zero has no place on it)."""
    value, stat, total = ours
    drawn = [value, *stat, *total, *extra, *(v for _, span in rows if span for v in span)]
    positive = [v for v in drawn if v > 0]
    floor, ceiling = min(positive) / 1.5, max(positive) * 1.5
    ax.axvspan(max(total[0], floor), total[1], color="0.85", lw=0, zorder=0)
    _ours(ax, 0, value, stat, total, floor)
    for y, (_, span) in enumerate(rows, start=1):
        _literature(ax, y, span)
    ax.set_yticks(range(len(rows) + 1), ["this work", *[label for label, _ in rows]], fontsize=8)
    ax.set_ylim(len(rows) + 0.5, -0.5)
    ax.set_xscale("log")
    ax.set_xlim(floor, ceiling)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", which="both", alpha=0.3)


def rate_figure(result: Mapping) -> Figure:
    """Left: fractions of galaxies; right: mergers per galaxy per Gyr with the Illustris expectation."""
    budget, rate, illustris = result["adopted_fraction"], result["rate"], result["illustris"]
    f, r = budget["fraction"], rate["rate_gyr"]
    fraction_rows, rate_rows = _fraction_rows(result), _rate_rows(result)
    height = 1.2 + 0.55 * max(len(fraction_rows), len(rate_rows))
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, height + 1.2), layout="constrained")
    _panel(
        left,
        fraction_rows,
        (f, (f - budget["stat_low"], f + budget["stat_high"]), budget["interval_68"]),
        "fraction of galaxies (merger fraction; companions per galaxy)",
    )
    left.set_title("Fractions, each in its own quantity")
    band = illustris["band"]
    right.axvspan(*band, color="C2", alpha=0.2, lw=0)
    right.axvline(illustris["sample_average"], color="C2", lw=1.5)
    _panel(
        right,
        rate_rows,
        (r, (r - rate["stat_low"], r + rate["stat_high"]), rate["interval_68"]),
        "merger rate per galaxy, R = f / T_obs (Gyr$^{-1}$)",
        (*band, illustris["sample_average"]),
    )
    t_low, t_high = rate["timescale_gyr"]
    right.set_title(f"Rates per galaxy (ours with T_obs = {t_low:g} - {t_high:g} Gyr)")
    handles = [
        plt.Line2D([], [], color="k", lw=6, label="this work: statistical 68 %"),
        plt.Line2D([], [], color="k", marker="D", lw=1.2, label="this work: total 68 % (stat + sys; grey band)"),
        plt.Line2D([], [], color="C1", lw=6, alpha=0.7, label="literature, as published (x own correction)"),
        plt.Rectangle(
            (0, 0), 1, 1, color="C2", alpha=0.2, label=f"Illustris major mergers, {_illustris_label(illustris)}"
        ),
        plt.Line2D([], [], color="C2", lw=1.5, label="Illustris, sample average"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8)
    fig.suptitle("Merger fraction and rate: this work against the literature and Illustris")
    return fig


def _illustris_label(illustris: Mapping) -> str:
    m_low, m_high = (np.log10(m) for m in illustris["stellar_mass_msun"])
    z_low, z_high = illustris["redshift"]
    return f"10^{m_low:g} - 10^{m_high:g} Msun, z = {z_low:g} - {z_high:g}"


def _skipped(reason: str) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 2.5), layout="constrained")
    ax.axis("off")
    ax.text(0.5, 0.5, f"Known-answer test not run:\n{reason}", ha="center", va="center", wrap=True)
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
        valid = [k for k, row in enumerate(rows) if row.get("valid_repeats")]
        median = np.array([rows[k]["median_estimate"] for k in valid])
        low, high = (np.array([rows[k]["median_interval"][i] for k in valid]) for i in (0, 1))
        left.errorbar(
            truths[valid] * offset,
            median,
            yerr=[median - low, high - median],
            fmt="o",
            color=COLOURS[name],
            capsize=3,
            label=NAMES[name],
        )
        left.plot(
            truths[valid] * offset, [rows[k]["mean_estimate"] for k in valid], "o", mfc="none", color=COLOURS[name]
        )
        right.errorbar(
            np.array(valid) + 0.08 * (e - (len(names) - 1) / 2),
            [rows[k]["coverage"] for k in valid],
            yerr=[rows[k]["coverage_error"] for k in valid],
            fmt="o",
            color=COLOURS[name],
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
    fig.suptitle("Known-answer test on held-out labelled galaxies")
    return fig
