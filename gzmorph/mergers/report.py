"""The merger report as Markdown, written from the result of ``analyse`` alone: every number comes from there."""

from collections.abc import Mapping

from gzmorph.labels import MERGER_COLUMN
from gzmorph.mergers.comparison_figures import NAMES
from gzmorph.mergers.report_tables import corrections_table, literature_section, pct, pp, rate, scale_section, span


def _headline(result: Mapping) -> list[str]:
    b, r = result["adopted_fraction"], result["rate"]
    t_low, t_high = r["timescale_gyr"]
    lines = [
        f"**Merger fraction f = {pct(b['fraction'])}** (+{pp(b['stat_high'])} / -{pp(b['stat_low'])} stat, "
        f"+/- {pp(b['sys_definition'])} sys merger definition, +/- {pp(b['sys_model'])} sys model, "
        f"+/- {pp(b['sys_calibration_bias'])} sys calibration bias); "
        f"total 68 % interval **{span(b['interval_68'])}** ({b['combination']}). Estimator: "
        f"{NAMES[b['estimator']]}.",
        "",
        f"**Merger rate R = f / T_obs = {rate(r['rate_gyr'])} per galaxy per Gyr** at T_obs = {(t_low + t_high) / 2:g} "
        f"Gyr (+{rate(r['stat_high'])} / -{rate(r['stat_low'])} stat, +/- {rate(r['sys_fraction'])} sys from the "
        f"fraction, +{rate(r['sys_timescale_high'])} / -{rate(r['sys_timescale_low'])} sys from T_obs = "
        f"{t_low:g} - {t_high:g} Gyr, {r['timescale_citation']}); total 68 % interval "
        f"**{span(r['interval_68'], rate)} Gyr^-1**.",
    ]
    if result["adopted_because"]:
        lines += ["", f"**Fallback: {result['adopted_because']}.**"]
    return lines


def _budget_table(result: Mapping) -> list[str]:
    b = result["adopted_fraction"]
    definition = ", ".join(f"true merger >= {k}: {pct(v)}" for k, v in b["definition_values"].items())
    models = ", ".join(f"{k}: {pct(v)}" for k, v in b["model_values"].items())
    model_how = models if len(b["model_values"]) > 1 else "no other model given: not estimated"
    return [
        "| term | size | how |",
        "|---|---|---|",
        f"| statistical | +{pp(b['stat_high'])} / -{pp(b['stat_low'])} | bootstrap, {result['resamples']} "
        "resamples of the target set and the calibration galaxies together, central 68 % |",
        f"| systematic: merger definition | {pp(b['sys_definition'])} | half the range of {definition} |",
        f"| systematic: model | {pp(b['sys_model'])} | half the range of {model_how} |",
        f"| systematic: calibration bias | {pp(b['sys_calibration_bias'])} | mean predicted vote minus the true merger "
        "fraction of the calibration galaxies, counted only when the unadjusted mean vote is adopted |",
        f"| total | {span(b['interval_68'])} | {b['combination']} |",
    ]


def _estimator_table(result: Mapping) -> list[str]:
    passes = result["coverage"].get("passes", {})
    lines = [
        "| estimator | what it computes | fraction | 68 % bootstrap interval | known-answer test |",
        "|---|---|---|---|---|",
    ]
    for name, e in result["estimators"].items():
        adopted = " (adopted)" if name == result["adopted"] else ""
        verdict = {True: "passes", False: "fails"}.get(passes.get(name), "not run")
        lines.append(
            f"| {NAMES[name]}{adopted} | {e['description']} | {pct(e['fraction'])} | {span(e['interval'])} | "
            f"{verdict} |"
        )
    c = result["classification"]
    lines += [
        "",
        f"CC and ACC count galaxies with predicted {MERGER_COLUMN} >= {c['threshold']:.2f} ({c['chosen_by']}), where "
        f"the calibration galaxies give TPR = {c['tpr']:.3f} and FPR = {c['fpr']:.4f}.",
    ]
    return lines


def _coverage_section(result: Mapping) -> list[str]:
    c = result["coverage"]
    if "skipped" in c:
        return [f"Not run: {c['skipped']}."]
    lines = [
        f"{c['repeats']} repeats: the {c['pool']} calibration galaxies ({c['pool_mergers']} true mergers, fraction "
        f"{pct(c['pool_fraction'])}) are split into a calibration half and a half that supplies target sets of "
        f"{c['target_size']} galaxies with a known merger fraction. Median bias = median estimate - truth (the mean "
        "of an estimator clipped at 0 is pulled up wherever the truth lies within its noise of 0; the mean bias, +/- "
        "its standard error, is shown beside it); coverage = share of 68 % bootstrap intervals that hold the truth "
        "(+/- binomial error; 68 % is right). An estimator passes when, at every factor, its median bias is within "
        "half its typical 68 % half-interval and its coverage is no more than 3 binomial errors below 68 %.",
        "",
        "| estimator | "
        + " | ".join(f"{f['factor']:g}x: truth {pct(f['true_fraction'])}" for f in c["factors"])
        + " |",
        "|---|" + "---|" * len(c["factors"]),
    ]
    for name in c["factors"][0]["estimators"]:
        cells = []
        for f in c["factors"]:
            s = f["estimators"][name]
            if not s["valid_repeats"]:
                cells.append("no valid repeat")
                continue
            cells.append(
                f"median bias {100 * s['median_bias']:+.2f} pp (mean {100 * s['bias']:+.2f} +/- "
                f"{100 * s['bias_error']:.2f}), coverage {s['coverage']:.2f} +/- {s['coverage_error']:.2f}"
            )
        verdict = "passes" if c["passes"][name] else "fails"
        lines.append(f"| {NAMES[name]} ({verdict}) | {' | '.join(cells)} |")
    lines += [
        "",
        "The test draws mergers and non-mergers as they are (prior shift). A target whose near-mergers (votes just "
        "below the threshold) also change in number would move FPR too; the threshold sweep (ACC should be flat) and "
        "the merger-definition systematic show how much that matters.",
    ]
    return lines


def _illustris_section(result: Mapping) -> list[str]:
    i, r = result["illustris"], result["rate"]
    at_z0 = ", ".join(f"{rate(v)} Gyr^-1 at M* = {k} Msun" for k, v in i["at_z0"].items())
    z_low, z_high = i["redshift"]
    m_low, m_high = i["stellar_mass_msun"]
    return [
        f"Major mergers (mass ratio >= {i['mass_ratio_min']:g}) per galaxy per Gyr from the fitting function of "
        f"{i['citation']}, integrated over mass ratio with scipy.integrate.quad; mass term {i['mass_term']}.",
        "",
        f"- z = 0: {at_z0}.",
        f"- Sample average over {m_low:.0e} - {m_high:.0e} Msun and z = {z_low:g} - {z_high:g} ({i['averaging']}): "
        f"**{rate(i['sample_average'])} Gyr^-1**, band {span(i['band'], rate)} Gyr^-1.",
        f"- This work: {span(r['interval_68'], rate)} Gyr^-1 -> {i['verdict']}. Our visual fraction includes minor "
        "mergers and projected pairs (see the corrections), so it bounds the major-merger rate from above.",
    ]


def _figures(figures: Mapping[str, str]) -> list[str]:
    return [f"![{title}]({path})" for title, path in figures.items()]


def render_markdown(
    result: Mapping, figures: Mapping[str, str] | None = None, sources: Mapping[str, str] | None = None
) -> str:
    """The whole report. ``figures``: title -> path relative to the report; ``sources``: what -> input file."""
    lines = [
        "# Merger fraction and rate of the unlabelled set",
        "",
        *[f"- {what}: `{path}`" for what, path in (sources or {}).items()],
        f"- {result['n_test']} target galaxies; {result['n_calibration']} calibration galaxies (held-out labelled, "
        f"never used in training or model selection), {result['n_calibration_true_mergers']} of them true mergers "
        f"(volunteer {MERGER_COLUMN} >= {result['true_threshold']:g}).",
        "",
        "## Result",
        "",
        *_headline(result),
        "",
        *_budget_table(result),
        "",
        "## Estimators",
        "",
        *_estimator_table(result),
        "",
        "## Known-answer test",
        "",
        *_coverage_section(result),
        "",
        "## Illustris expectation",
        "",
        *_illustris_section(result),
        "",
        *literature_section(result),
        "",
        *corrections_table(result),
        "",
        *scale_section(result),
        "",
        "## Figures",
        "",
        *_figures(figures or {}),
        "",
    ]
    return "\n".join(lines)
