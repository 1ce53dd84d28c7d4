"""Number formats and the reference tables of the merger report: literature, corrections, physical scale."""

from collections.abc import Mapping

QUANTITY_NAMES = {
    "merger_fraction": "merger fraction",
    "companions_per_galaxy": "close companions per galaxy",
    "merger_rate": "merger rate per galaxy",
    "volume_merger_rate": "merger rate per comoving volume",
}


def pct(value: float) -> str:
    return f"{100 * value:.2f} %"


def pp(value: float) -> str:
    """A difference of fractions, in percentage points."""
    return f"{100 * value:.2f} pp"


def rate(value: float) -> str:
    return f"{value:.3g}"


def span(values, show=pct) -> str:
    """'low - high' (or one value when equal) with ``show``; '-' for None."""
    if values is None:
        return "-"
    low, high = values
    return show(low) if low == high else f"{show(low)} - {show(high)}"


def _own_units(entry: Mapping) -> str:
    if not entry["filled_in"]:
        return "**not filled in**"
    show = pct if entry["quantity"] == "merger_fraction" else rate
    published = span(entry["published"], show)
    if entry["correction"]:
        published += f" x C = {entry['correction']:g} -> {span(entry['value_used'], show)}"
    return f"{published} ({entry['units']})"


def _literature_table(result: Mapping) -> list[str]:
    lines = [
        "| source | quantity | value in its own units | selection | redshift | its timescale | rate per galaxy "
        "(Gyr^-1) | as our fraction (our T_obs) | verdict | verified |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in result["literature"]:
        timescale = e["timescale"]["how"] if e["timescale"] else "-"
        verdicts = [
            f"{what}: {e[key]}" for what, key in (("rate", "rate_verdict"), ("fraction", "fraction_verdict")) if e[key]
        ]
        verdict = "; ".join(verdicts) or "not comparable per galaxy"
        lines.append(
            f"| {e['citation']} | {QUANTITY_NAMES[e['quantity']]} | {_own_units(e)} | {e['selection']} | "
            f"{e['redshift']} | {timescale} | {span(e['rate_gyr'], rate)} | "
            f"{span(e['fraction_with_our_timescale'])} | {verdict} | {'yes' if e['verified'] else '**no**'} |"
        )
    return lines


def _rate_comparisons(result: Mapping) -> list[str]:
    """A sentence per literature *rate* (such as Lotz et al. 2011), or why it is missing."""
    r = result["rate"]
    ours = (
        f"ours R = {rate(r['rate_gyr'])} Gyr^-1 (+{rate(r['stat_high'])} / -{rate(r['stat_low'])} stat, "
        f"sys +{rate((r['sys_fraction'] ** 2 + r['sys_timescale_high'] ** 2) ** 0.5)} / "
        f"-{rate((r['sys_fraction'] ** 2 + r['sys_timescale_low'] ** 2) ** 0.5)})"
    )
    lines = []
    for e in result["literature"]:
        if e["quantity"] not in ("merger_rate", "volume_merger_rate"):
            continue
        if not e["filled_in"]:
            lines.append(
                f"- **{e['name']} is not filled in**: nothing from {e['citation']} is used. {e['note']} Set its "
                "`value` in config `mergers.literature` (and `verified: true` once checked against the paper)."
            )
        elif e["rate_gyr"] is None:
            lines.append(
                f"- {e['name']}: {_own_units(e)} is per comoving volume; without the number density of its "
                "sample it has no rate per galaxy, so it is not compared."
            )
        else:
            lines.append(
                f"- {e['name']}: R = {span(e['rate_gyr'], rate)} Gyr^-1; {ours} -> {e['rate_verdict']}. As a fraction "
                f"with our T_obs it would be {span(e['fraction_with_our_timescale'])}, against our "
                f"{pct(result['adopted_fraction']['fraction'])} -> {e['fraction_verdict']}."
                + ("" if e["verified"] else " (value marked unverified in the config)")
            )
    return lines


def literature_section(result: Mapping) -> list[str]:
    return [
        "## Literature, each value in its own units",
        "",
        "Papers quote different quantities: fractions of galaxies (ours is one), close companions per galaxy, and "
        "rates per galaxy per Gyr or per comoving volume. Each fraction becomes a rate per galaxy with the "
        "timescale of *its own* method (R = f / T_obs); each rate becomes the fraction our method would see with our "
        "T_obs. Verdicts compare total 68 % intervals with the published ranges: overlapping intervals are a tie.",
        "",
        *_literature_table(result),
        "",
        *_rate_comparisons(result),
    ]


def corrections_table(result: Mapping) -> list[str]:
    lines = [
        "## Corrections",
        "",
        "| correction | applied to our fraction | size | source | note |",
        "|---|---|---|---|---|",
    ]
    for c in result["corrections"]:
        applied = "yes" if c["applied"] else "no"
        lines.append(f"| {c['name']} | {applied} | {c['size']} | {c['source']} | {' '.join(c['note'].split())} |")
    return lines


def scale_section(result: Mapping) -> list[str]:
    s = result["scale"]
    rows = s["rows"]
    network = "network_pixel_kpc_typical_r90" in rows[0]
    header = (
        "| z | kpc per arcsec | field (kpc), petroR90_r = "
        f'{s["petro_r90_minimum_arcsec"]:g}" | field (kpc), petroR90_r = {s["petro_r90_typical_arcsec"]:g}" |'
    )
    lines = [
        "## Physical scale of the images",
        "",
        f"A GZ2 image is {s['field_in_r90']:g} petroR90_r on a side (424 px x 0.02 petroR90_r arcsec per px; "
        f'Willett et al. 2013); {s["cosmology"]}. petroR90_r = {s["petro_r90_minimum_arcsec"]:g}" is the GZ2 '
        f'minimum; {s["petro_r90_typical_arcsec"]:g}" is {s["petro_r90_typical_why"]}.',
        "",
        header + (" network view (kpc) | network pixel (kpc) |" if network else ""),
        "|---|---|---|---|" + ("---|---|" if network else ""),
    ]
    for row in rows:
        cells = [
            f"{row['z']:g}",
            f"{row['kpc_per_arcsec']:.3f}",
            f"{row['field_kpc_minimum_r90']:.1f}",
            f"{row['field_kpc_typical_r90']:.1f}",
        ]
        if network:
            cells += [f"{row['network_view_kpc_typical_r90']:.1f}", f"{row['network_pixel_kpc_typical_r90']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
