"""The merger-fraction report as Markdown: numbers, tables and discussion, every number with its source named."""

from collections.abc import Mapping, Sequence

from gzmorph.labels import MERGER_COLUMN
from gzmorph.mergers import ESTIMATORS, literature_range, literature_rate

DEFINITIONS = {
    "mean_vote": f"mean predicted {MERGER_COLUMN}",
    "threshold": f"fraction with predicted {MERGER_COLUMN} >= {{threshold:g}}",
    "calibrated": f"fraction with predicted {MERGER_COLUMN} >= {{calibrated:.3f}} (threshold calibrated on validation)",
}
QUANTITY_NAMES = {
    "merger_fraction": "merger fraction",
    "companions_per_galaxy": "companions per galaxy",
    "merger_rate": "merger rate (Gyr^-1)",
}


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def _span(span: tuple[float, float] | None, percent: bool) -> str:
    if span is None:
        return "not set"
    low, high = span
    show = _pct if percent else (lambda v: f"{v:.3g}")
    return show(low) if low == high else f"{show(low)} - {show(high)}"


def _estimator_table(result: dict) -> list[str]:
    s = result["settings"]
    lines = [
        "| estimator | definition | unlabelled set | "
        f"{result['confidence']:.0%} bootstrap interval | validation: true | validation: predicted | model error |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ESTIMATORS:
        e = result["estimators"][name]
        v = e["validation"]
        definition = DEFINITIONS[name].format(threshold=s["threshold"], calibrated=result["calibrated_threshold"])
        lines.append(
            f"| {name}{' (adopted)' if name == result['adopted'] else ''} | {definition} | {_pct(e['fraction'])} | "
            f"{_span(e['interval'], True)} | {_pct(v['true'])} | {_pct(v['predicted'])} | {100 * v['error']:+.2f} pp |"
        )
    return lines


def _systematics(result: dict) -> list[str]:
    systematic = result["systematic"]
    estimators = systematic["estimators"]
    lines = [
        "Systematics, each half the range of the values listed:",
        "",
        "- between estimators: "
        + ", ".join(f"{k} {_pct(v)}" for k, v in estimators["values"].items())
        + f" -> **{100 * estimators['half_range']:.2f} percentage points**;",
    ]
    for name, part in systematic["definition"].items():
        if part["values"]:
            values = ", ".join(f"{k}: {_pct(v)}" for k, v in part["values"].items())
            lines.append(f"- {name}, threshold definition: {values} -> **{100 * part['half_range']:.2f} pp**;")
    return lines


def _rate_table(result: dict, observability: Mapping[str, dict]) -> list[str]:
    kinds = list(observability)
    header = " | ".join(f"T_obs {k} {observability[k]['gyr'][0]:g}-{observability[k]['gyr'][1]:g} Gyr" for k in kinds)
    lines = [f"| estimator | {header} |", "|---" * (len(kinds) + 1) + "|"]
    for name in ESTIMATORS:
        cells = [
            f"{_span(result['rates_gyr'][name][k]['central'], False)} "
            f"(stat. {_span(result['rates_gyr'][name][k]['with_stat'], False)})"
            for k in kinds
        ]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


def _literature_table(literature: Sequence[dict], observability: Mapping[str, dict]) -> list[str]:
    timescales = {k: v["gyr"] for k, v in observability.items()}
    lines = [
        "| source | quantity | value as published | correction | value used | as a rate (Gyr^-1) | redshift | "
        "verified | citation |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in literature:
        quantity = entry["quantity"]
        percent = quantity != "merger_rate"
        value = entry.get("value")
        published = "**not filled in**" if value is None else _span(literature_range({"value": value}), percent)
        rate = literature_rate(entry, timescales)
        via = "" if quantity == "merger_rate" or rate is None else f" via T_obs {entry['timescale']}"
        lines.append(
            f"| {entry['name']} | {QUANTITY_NAMES[quantity]} | {published} | {entry.get('correction') or 'none'} | "
            f"{_span(literature_range(entry), percent)} | {_span(rate, False)}{via} | {entry.get('redshift', '')} | "
            f"{'yes' if entry.get('verified') else '**no**'} | {entry['citation']} |"
        )
    return lines


def _missing_values(literature: Sequence[dict]) -> list[str]:
    lines = []
    for entry in literature:
        if entry.get("value") is None:
            lines.append(
                f"- **{entry['name']} is not filled in**: no value from {entry['citation']} is used or shown anywhere "
                f"in this report. {entry.get('note', '')} Set `mergers.literature` -> `{entry['name']}` -> `value` "
                "in config.yaml (and `verified: true` once checked against the paper) to include it."
            )
        elif not entry.get("verified"):
            lines.append(f"- {entry['name']} ({entry['citation']}) is used but marked unverified in config.yaml.")
    return lines


def render(
    result: dict,
    literature: Sequence[dict],
    observability: Mapping[str, dict],
    sources: Mapping[str, str],
    figures: Mapping[str, str],
) -> str:
    """The Markdown report. ``sources`` names the input files; ``figures`` maps a title to a relative image path."""
    s = result["settings"]
    adopted = result["adopted_fraction"]
    morph = observability.get("morphological")
    lines = [
        "# Merger fraction of the unlabelled set",
        "",
        "## Inputs",
        "",
        *[f"- {what}: `{path}`" for what, path in sources.items()],
        f"- {result['n_test']} unlabelled galaxies; {result['n_validation']} validation galaxies, of which "
        f"{result['n_validation_true_mergers']} are *true mergers*, defined here as volunteer {MERGER_COLUMN} >= "
        f"{s['true_threshold']:g} (config `mergers.true_threshold`).",
        "",
        "## Estimates",
        "",
        "All fractions below are computed by this workflow from the files above. Intervals: bootstrap over galaxies "
        f"({result['n_resamples']} resamples of the unlabelled set, and of the validation pairs for the calibrated "
        "threshold). *Model error* is predicted minus true on the validation set; for the calibrated estimator it is "
        "measured on held-out halves of the validation set (threshold fitted on the other half, 200 random splits), "
        "since on the full validation set it agrees by construction.",
        "",
        *_estimator_table(result),
        "",
        *_systematics(result),
        "",
        f"**Adopted: `{result['adopted']}`, f = {_pct(adopted['fraction'])} "
        f"(+{100 * adopted['stat_high']:.2f} / -{100 * adopted['stat_low']:.2f} stat., "
        f"+/- {100 * adopted['sys_definition']:.2f} sys. from its threshold definition, "
        f"+/- {100 * adopted['sys_estimators']:.2f} sys. between estimators; percentage points).** "
        + (f"**Note: {result['adopted_because']}.** " if result["adopted_because"] else "")
        + "The calibrated threshold is adopted by default because it counts galaxies (like the literature fractions), "
        "and it corrects the regression of the network towards the mean vote (see its model error against that of "
        "the fixed threshold above, and the calibration figure), which makes a fixed threshold undercount; the mean "
        "vote instead adds up many small votes of galaxies nobody would call a merger. Its price is the dependence "
        "on the true-merger definition, which is the first systematic. The spread between estimators is quoted as "
        "well, but it includes estimators that the validation set shows to be biased.",
        "",
        "## As a rate per galaxy",
        "",
        "R = f / T_obs, with the observability timescales of config `mergers.observability`: "
        + "; ".join(f"{k} {v['gyr'][0]:g}-{v['gyr'][1]:g} Gyr ({v['citation']})" for k, v in observability.items())
        + ". Ranges are over T_obs; in brackets also over the bootstrap interval of f.",
        "",
        *_rate_table(result, observability),
        "",
    ]
    if morph:
        low, high = result["rates_gyr"][result["adopted"]]["morphological"]["central"]
        lines += [
            f"Adopted value as a rate (morphological timescale, the one that matches a visual classification): "
            f"**R = {low:.3g} - {high:.3g} Gyr^-1**.",
            "",
        ]
    lines += [
        "## Literature values used",
        "",
        "Values and citations are read from config `mergers.literature`; fractions are turned into rates by us with "
        "the timescale named in each entry (an assumption of this report, not of the papers).",
        "",
        *_literature_table(literature, observability),
        "",
        *_missing_values(literature),
        "",
        "## Corrections and why the numbers differ",
        "",
        "- **Major and minor mergers, pre- and post-mergers.** Volunteers answering 'merger' see tidal features, "
        "close interacting pairs and disturbed remnants of any mass ratio; Lotz et al. 2011 and the pair counts "
        "refer to major mergers (mass ratio above about 1:4). Our fraction is therefore an upper bound for major "
        "mergers; the images carry no mass ratios, so no correction is applied.",
        "- **A merging pair counted once or twice.** An SDSS cutout centred on one member usually shows both; a "
        "fraction of *systems* becomes a fraction of *galaxies in mergers* by up to a factor 2 "
        f"(adopted value: {_pct(adopted['fraction'])} of galaxies as counted, up to {_pct(2 * adopted['fraction'])} "
        "if every companion is also a catalogue galaxy). Close-pair statistics count companions per galaxy "
        "(Patton & Atfield 2008), which is the per-galaxy convention.",
        "- **Classification bias with redshift.** Fainter, smaller, more distant galaxies lose detail; Willett et al. "
        "2013 debias GZ2 vote fractions for it. The GZ2 images reach z of about 0.25 while Darg et al. 2010 work at "
        "0.005 < z < 0.1 and apply their correction factor C (shown in the literature table). We have no redshifts "
        "for these galaxies, so we cannot debias; the network reproduces whatever bias the training votes carry.",
        "- **Magnitude-limited, not mass-selected.** GZ2 is a magnitude-limited SDSS sample; the literature rates are "
        "for mass-selected samples. Without stellar masses no reweighting is possible here.",
        "- **A vote fraction is not a probability.** Class8.6 is the fraction of volunteers who chose 'merger' after "
        "answering 'odd' (P(odd) x P(merger | odd)); its mean is an estimate of a merger fraction only if votes "
        "were calibrated probabilities, which the validation check above tests (column *model error* and the "
        "calibration figure).",
        "",
        "## Figures",
        "",
        *[f"![{title}]({path})" for title, path in figures.items()],
        "",
    ]
    return "\n".join(lines)
