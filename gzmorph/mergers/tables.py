"""The merger result as sentences and tables, rendered once here and shown by the Markdown report, the HTML page
and the terminal summary alike (light: no numpy)."""

import math
from dataclasses import dataclass

from gzmorph.formatting import pct, pp, rate, span
from gzmorph.mergers.result import DESCRIPTIONS, NAMES, MergerResult

QUANTITY_NAMES = {
    "merger_fraction": "merger fraction",
    "companions_per_galaxy": "close companions per galaxy",
    "merger_rate": "merger rate per galaxy",
    "volume_merger_rate": "merger rate per comoving volume",
}


@dataclass(frozen=True)
class Table:
    title: str
    note: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def warning(r: MergerResult) -> str | None:
    return r.diagnostic.get("warning")


def meaning(r: MergerResult) -> list[str]:
    """What the numbers mean at an edge: clipped at 0, an interval touching 0 or 1, few target galaxies."""
    f, (low, high) = r.fraction.fraction, r.fraction.interval
    n, failed = r.counts["n_target"], r.fraction.failed_resamples
    if math.isnan(f):
        return [
            f"{NAMES[r.estimator]} is undefined here: on the calibration galaxies the model's predictions do not "
            "separate true mergers from the others, so there is nothing to adjust the count by and no merger "
            "fraction can be measured; the cross-checks below are not a substitute."
        ]
    lines = []
    if failed:
        lines.append(
            f"In {failed} of {r.resamples} bootstrap resamples {NAMES[r.estimator]} was undefined (no separation of "
            "mergers from the others); the interval comes from the rest and is too optimistic."
        )
    if f <= 0:
        lines.append(
            "The estimate is clipped at 0: the target galaxies look no more merger-like than the calibration's "
            "non-mergers, so no merger is detected beyond what false positives explain."
        )
    if low <= 0 < high:
        lines.append(
            f"The interval reaches 0: the data are consistent with no mergers at all, and with up to {pct(high)}."
        )
    if high >= 1:
        lines.append("The interval reaches 100 %: the data do not exclude that every target galaxy is a merger.")
    if n < 30:
        lines.append(
            f"Only {n} target {'galaxy' if n == 1 else 'galaxies'}: the fraction moves in steps of {pct(1 / n)} and "
            "a bootstrap of so few galaxies understates the uncertainty; read it as an indication only."
        )
    return lines


def headline(r: MergerResult) -> list[str]:
    """The result in sentences: the warning first, the fraction, what it means, the rate, what compares with what."""
    c, rt = r.counts, r.rate
    t_low, t_high = rt["timescale_gyr"]
    folds = (
        "one model, calibrated on the labelled test subset it never trained on"
        if c["n_folds"] == 1
        else f"{c['n_folds']} fold models, each calibrated on galaxies it never trained on; their mean"
    )
    lines = [f"WARNING: {warning(r)}"] if warning(r) else []
    lines += [
        f"Merger fraction {pct(r.fraction.fraction)} (68 % interval {span(r.fraction.interval)}) of "
        f"{c['n_target']} target galaxies: {NAMES[r.estimator]}, named before the analysis, with a true merger "
        f"at volunteer Class8.6 >= {r.true_threshold:g}; calibrated on {c['n_calibration_galaxies']} labelled "
        f"galaxies ({c['n_calibration_true_mergers']} true mergers; {folds}).",
        *meaning(r),
        f"Merger rate R = f / T_obs = {rate(rt['rate_gyr'])} per galaxy per Gyr at T_obs = {(t_low + t_high) / 2:g} "
        f"Gyr (68 % interval {span(rt['interval_68'], rate)} Gyr^-1, with T_obs = {t_low:g} – {t_high:g} Gyr, "
        f"{rt['timescale_citation']}): {rt['timescale_why']}.",
        "Like with like: the Illustris rate for mass ratios >= 1/10 and pair-based numbers with their own pair "
        "timescale; the major-merger values (Illustris >= 1/4, Darg's 1:3 pairs) bound only part of ours, which "
        "includes minor mergers and projected pairs; a rate per comoving volume is not comparable per galaxy.",
    ]
    return lines


def estimates_table(r: MergerResult) -> Table:
    quoted = (NAMES[r.estimator], "quoted", pct(r.fraction.fraction), span(r.fraction.interval))
    rows = [(*quoted, DESCRIPTIONS[r.estimator])]
    rows += [
        (NAMES[e.name], "cross-check", pct(e.fraction), span(e.interval), DESCRIPTIONS[e.name]) for e in r.cross_checks
    ]
    iid = r.iid
    rows.append(
        (
            "labelled fraction",
            "sanity check",
            pct(iid["fraction"]),
            span(iid["interval"]),
            f"{iid['mergers']} of {iid['n']} labelled galaxies, binomial (Wilson) interval; applies {iid['applies']}",
        )
    )
    folds = ", ".join(pct(v) for v in r.fold_estimates)
    note = (
        f"{r.resamples} bootstrap resamples of target and calibration galaxies together (by GalaxyID). Fold models' "
        f"own {NAMES[r.estimator]} values: {folds} (a consistency check, not added to the interval). "
        f"{interval_sources_sentence(r)}"
    )
    return Table("Estimates", note, ("estimator", "role", "fraction", "68 % interval", "what it computes"), tuple(rows))


def _half_width(interval) -> float:
    low, high = interval
    return (high - low) / 2


def interval_sources_sentence(r: MergerResult) -> str:
    """Which galaxies set the quoted interval's width: its half-width with only one side resampled."""
    both, alone = _half_width(r.fraction.interval), {k: _half_width(v) for k, v in r.interval_sources.items()}
    if any(math.isnan(v) for v in (both, *alone.values())):
        return ""
    larger = max(alone, key=alone.get)
    more = "labelled (calibration)" if larger == "calibration" else "target"
    return (
        f"Where the width comes from: resampling only the calibration galaxies gives a half-width of "
        f"{pp(alone['calibration'])}, only the target galaxies {pp(alone['target'])} (both: {pp(both)}), so more "
        f"{more} galaxies would narrow the interval most."
    )


def definitions_table(r: MergerResult) -> Table:
    rows = tuple(
        (
            f">= {d.threshold:g}" + (" (adopted)" if d.threshold == r.true_threshold else ""),
            pct(d.estimate.fraction),
            span(d.estimate.interval),
            pct(d.labelled_fraction),
        )
        for d in r.definitions
    )
    note = (
        "Each definition of a true merger (volunteer Class8.6 threshold) is its own quantity with its own interval; "
        "the definition does not enter the error bar. A higher threshold keeps clearer, on average more equal-mass "
        "mergers, which matters when comparing with a mass-ratio range."
    )
    header = ("true merger: volunteer Class8.6", f"{NAMES[r.estimator]} fraction", "68 % interval", "labelled fraction")
    return Table("Merger definitions", note, header, rows)


def _diagnostic_cell(s: dict) -> str:
    if s.get("valid_repeats", 0) < 2:
        return "no valid repeat"
    return (
        f"bias {pp(s['median_bias'])} ({s['bias_in_sigma']:+.2f} sigma), coverage {s['coverage']:.2f} "
        f"(truth below {s['truth_below']:.2f}, above {s['truth_above']:.2f})"
    )


def diagnostic_table(r: MergerResult) -> Table:
    d = r.diagnostic
    if "skipped" in d:
        return Table("Known-answer diagnostic", f"Not run: {d['skipped']}.", (), ())
    note = (
        f"{d['repeats']} repeats: every fold model draws its targets from the galaxies it never trained on (its "
        f"held-out fold and the test subset; {d['pool']} galaxies, {d['pool_mergers']} true mergers, "
        f"{pct(d['pool_fraction'])}, in all). Each repeat halves each fold model's pool; the model calibrates outside "
        f"its target half, which supplies target sets of {d['target_size']} galaxies drawn with replacement at each "
        f"known fraction, and the fold models' estimates are averaged. Bias: median "
        f"estimate - truth, in pp and in the estimator's own sigma at that size; passes within "
        f"{d['bias_tolerance_sigma']:g} sigma and with coverage not below {r.confidence:.0%}, each up to "
        f"{d['noise_allowance']:g} standard errors over the repeats (closer to the limit than that is a tie). Truth "
        "below / above: share of intervals above / below it (0.16 each is right)."
    )
    header = ("estimator", *(f"{f['factor']:g}x: truth {pct(f['true_fraction'])}" for f in d["factors"]))
    rows = []
    for name in d["passes"]:
        verdict = "passes" if d["passes"][name] else "fails"
        quoted = " (quoted)" if name == r.estimator else ""
        cells = (_diagnostic_cell(f["estimators"][name]) for f in d["factors"])
        rows.append((f"{NAMES[name]}{quoted}: {verdict}", *cells))
    return Table("Known-answer diagnostic", note, header, tuple(rows))


def rates_table(r: MergerResult) -> Table:
    rt = r.rate
    rows = [
        (
            "this work, adopted T_obs",
            f"{rate(rt['rate_gyr'])} Gyr^-1",
            f"{span(rt['interval_68'], rate)} Gyr^-1",
            rt["timescale_citation"],
        )
    ]
    for i in r.illustris:
        rows.append(
            (
                f"Illustris, mass ratio >= {i['mass_ratio_min']:g}",
                f"{rate(i['sample_average'])} Gyr^-1",
                f"{span(i['band'], rate)} Gyr^-1",
                f"{i['citation']}; ours against it: {i['verdict']}",
            )
        )
    note = (
        "Illustris: the fitting function integrated from the minimum mass ratio, averaged uniformly over "
        f"{r.illustris[0]['stellar_mass_msun'][0]:.0e} – {r.illustris[0]['stellar_mass_msun'][1]:.0e} Msun and "
        f"z = {r.illustris[0]['redshift'][0]:g} – {r.illustris[0]['redshift'][1]:g} (band: lowest to highest). "
        "The figure shows R against T_obs from 0.2 to 2 Gyr."
    )
    return Table("Merger rate per galaxy", note, ("", "rate", "68 % interval / band", "source"), tuple(rows))


def _own_units(e: dict) -> str:
    if not e["filled_in"]:
        return "not filled in"
    show = pct if e["quantity"] == "merger_fraction" else rate
    text = span(e["published"], show)
    if e["correction"]:
        text += f" x C = {e['correction']:g} -> {span(e['value_used'], show)}"
    return f"{text} ({e['units']})"


def literature_table(r: MergerResult) -> Table:
    rows = []
    for e in r.literature:
        verdicts = [f"{w}: {e[k]}" for w, k in (("rate", "rate_verdict"), ("fraction", "fraction_verdict")) if e[k]]
        rows.append(
            (
                e["citation"],
                QUANTITY_NAMES[e["quantity"]],
                _own_units(e),
                e["selection"],
                e["timescale"]["how"] if e["timescale"] else "-",
                span(e["rate_gyr"], rate),
                "; ".join(verdicts) or "not comparable per galaxy",
                "yes" if e["verified"] else "no",
            )
        )
    note = (
        "Each value in its own quantity; a fraction becomes a rate per galaxy with the timescale of its own method, "
        "a rate becomes the fraction our method would see with our T_obs. Overlapping intervals are a tie."
    )
    header = ("source", "quantity", "value in its own units", "selection", "its timescale", "rate (Gyr^-1)",
              "verdict", "verified")  # fmt: skip
    return Table("Literature, each value in its own units", note, header, tuple(rows))


def corrections_table(r: MergerResult) -> Table:
    rows = tuple(
        (c["name"], "yes" if c["applied"] else "no", c["size"], c["source"], " ".join(c["note"].split()))
        for c in r.corrections
    )
    return Table("Corrections", "", ("correction", "applied to our fraction", "size", "source", "note"), rows)


def scale_table(r: MergerResult) -> Table:
    s = r.scale
    network = "network_pixel_kpc_typical_r90" in s["rows"][0]
    header = ("z", "kpc per arcsec", f'field (kpc), petroR90_r = {s["petro_r90_minimum_arcsec"]:g}"',
              f'field (kpc), petroR90_r = {s["petro_r90_typical_arcsec"]:g}"')  # fmt: skip
    rows = []
    for row in s["rows"]:
        cells = [f"{row['z']:g}", f"{row['kpc_per_arcsec']:.3f}", f"{row['field_kpc_minimum_r90']:.1f}",
                 f"{row['field_kpc_typical_r90']:.1f}"]  # fmt: skip
        if network:
            cells += [f"{row['network_view_kpc_typical_r90']:.1f}", f"{row['network_pixel_kpc_typical_r90']:.2f}"]
        rows.append(tuple(cells))
    note = (
        f"A GZ2 image is {s['field_in_r90']:g} petroR90_r on a side (Willett et al. 2013); {s['cosmology']}. "
        f'petroR90_r = {s["petro_r90_minimum_arcsec"]:g}" is the GZ2 minimum; {s["petro_r90_typical_arcsec"]:g}" '
        f"is {s['petro_r90_typical_why']}."
    )
    extra = ("network view (kpc)", "network pixel (kpc)") if network else ()
    return Table("Physical scale of the images", note, (*header, *extra), tuple(rows))


def tables(r: MergerResult) -> list[Table]:
    """Every table of the merger result, in the order the reports show them."""
    return [
        estimates_table(r),
        definitions_table(r),
        diagnostic_table(r),
        rates_table(r),
        literature_table(r),
        corrections_table(r),
        scale_table(r),
    ]


def markdown(table: Table) -> list[str]:
    lines = [f"## {table.title}", ""]
    lines += [table.note, ""] if table.note else []
    if table.header:
        lines += ["| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
        lines += ["| " + " | ".join(row) + " |" for row in table.rows]
    return lines
