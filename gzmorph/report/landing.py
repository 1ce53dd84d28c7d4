"""The page's first section as data for the template: headline cards, the models on the test subset, and the
merger result with every merger table once (the one rendering of gzmorph.mergers.tables, formatted by
gzmorph.formatting like the Markdown and the terminal summary). Pure: parsed headline files in, data out."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gzmorph import formatting as fmt
from gzmorph.mergers.result import NAMES, MergerResult
from gzmorph.mergers.tables import Table as MergerTable
from gzmorph.mergers.tables import headline, tables, warning
from gzmorph.report.convert import Table, fmt_number, mapping, number, table


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class MergerSection:
    """The merger result as shown: the warning (if any) first, the headline sentences, and each table once."""

    warning: str | None = None
    sentences: tuple[str, ...] = ()
    tables: tuple[tuple[MergerTable, Table | None], ...] = ()  # each with its drawn table (None: no rows)
    missing: bool = False


@dataclass(frozen=True)
class Landing:
    facts: tuple[str, ...]
    cards: tuple[Card, ...]
    models: Table
    notes: tuple[str, ...]
    mergers: MergerSection = field(default_factory=MergerSection)


def rmse_text(value: object) -> str:
    return "n/a" if number(value) is None else f"{number(value):.4f}"


def rmse_interval(row: Mapping) -> str:
    low, high = number(row.get("rmse_low68")), number(row.get("rmse_high68"))
    return "n/a" if low is None or high is None else f"[{low:.4f}, {high:.4f}]"


def model_description(best: Mapping) -> str:
    """One line on the chosen model from the keys of best/metrics.json that are present."""
    spec = mapping(best.get("model_spec"))
    parts = [f"{best[k]} {what}" for k, what in (("architecture", "architecture"), ("head", "head")) if best.get(k)]
    detail = f"width {fmt_number(spec['width'])}" if spec.get("width") else spec.get("timm_model")
    if best.get("architecture") and detail:
        parts[0] += f" ({detail})"
    if parts and best.get("folds") is not None:
        parts[0] += f", ensemble of {fmt_number(best['folds'])} fold models"
    pretrained = mapping(best.get("pretrained"))
    if parts and pretrained.get("sha256"):
        parts[0] += f", finetuned from {pretrained.get('path')} (SHA-256 {pretrained['sha256']})"
    if best.get("steps") is not None:
        parts.append(f"{fmt_number(best['steps'])} steps ({fmt_number(best.get('epochs'))} epochs), last weights kept")
    if best.get("scheduler"):
        parts.append(f"scheduler {best['scheduler']}")
    if "rotate" in best:
        parts.append(augmentation_text(best["rotate"], mapping(best.get("augment"))))
    if number(best.get("ema_decay")):
        parts.append(f"moving average of the weights (decay {best['ema_decay']})")
    if isinstance(best.get("n_parameters"), int):
        parts.append(f"{best['n_parameters']:,} parameters")
    if number(best.get("train_seconds")) is not None:
        where = best.get("device", "an unnamed device")
        parts.append(f"trained in {number(best['train_seconds']):.0f} s on {where}{precision_text(best)}")
    return ", ".join(parts)


def precision_text(best: Mapping) -> str:
    """The training passes' precision and, where recorded, why it was taken: ' in float32 (auto: ...)'."""
    if not best.get("precision"):
        return ""
    reason = f" ({best['precision_reason']})" if best.get("precision_reason") else ""
    return f" in {best['precision']}{reason}"


def augmentation_text(rotate: bool, augment: Mapping) -> str:
    """The training augmentation in words: rotation and mirror flip, with the shift and zoom where set."""
    if not rotate:
        return "no augmentation"
    extras = []
    if number(augment.get("shift_px")):
        extras.append(f"shifts up to {fmt_number(augment['shift_px'])} px")
    if number(augment.get("zoom")):
        extras.append(f"zoom within [1/{1 + augment['zoom']:g}, {1 + augment['zoom']:g}]")
    return "rotation augmentation" + (f" with {' and '.join(extras)}" if extras else "")


def score_records(scores: object) -> list[Mapping]:
    """The rows of test_rmse.csv (as parsed by :func:`csv_records`); anything else gives no rows."""
    return [row for row in scores if isinstance(row, Mapping)] if isinstance(scores, list) else []


def chosen_scores(scores: Sequence[Mapping], best: Mapping) -> tuple[Mapping | None, Mapping | None]:
    """(most views, one view) rows of the chosen model (best/metrics.json's ``model``) in test_rmse.csv."""
    name = best.get("model", "best")
    rows = [r for r in scores if r.get("model") == name and number(r.get("tta_views")) is not None]
    rows.sort(key=lambda r: number(r["tta_views"]))
    return (rows[-1], rows[0]) if rows else (None, None)


def best_card(scores: Sequence[Mapping], best: Mapping) -> Card:
    """The chosen model's test RMSE with test-time augmentation, its 68 % interval and the single-view RMSE."""
    with_tta, single = chosen_scores(scores, best)
    label = f"Best model ({best.get('model', 'best')}): test RMSE"
    if with_tta is None or single is None:
        return Card(label, "n/a", "the chosen model has no row in the test scores")
    detail = f"68% interval {rmse_interval(with_tta)}; "
    views = number(with_tta.get("tta_views"))
    if views is not None and views > 1:
        detail += f"{views:.0f}-view test-time augmentation; one view: {rmse_text(single.get('rmse'))}"
    else:
        detail += "no test-time augmentation"
    return Card(label, rmse_text(with_tta.get("rmse")), detail)


def merger_result(mergers: Mapping) -> MergerResult | None:
    """The merger numbers as a MergerResult; None when the run did not produce a complete one."""
    try:
        return MergerResult.from_json(dict(mergers))
    except (KeyError, TypeError, ValueError):
        return None


def merger_cards(mergers: Mapping) -> list[Card]:
    """The quoted merger fraction and the merger rate per galaxy, each with its 68 % interval."""
    r = merger_result(mergers)
    if r is None:
        return [Card("Merger fraction", "n/a"), Card("Merger rate per galaxy", "n/a")]
    t_low, t_high = r.rate["timescale_gyr"]
    return [
        Card(f"Merger fraction ({NAMES[r.estimator]})", fmt.pct(r.fraction.fraction),
             f"68 % interval {fmt.span(r.fraction.interval)}"),
        Card("Merger rate per galaxy", f"{fmt.rate(r.rate['rate_gyr'])} Gyr⁻¹",
             f"68 % interval {fmt.span(r.rate['interval_68'], fmt.rate)} Gyr⁻¹; T_obs {t_low:g} – {t_high:g} Gyr"),
    ]  # fmt: skip


def headline_cards(baseline: Mapping, best: Mapping, scores: Sequence[Mapping], mergers: Mapping) -> list[Card]:
    """The four headline numbers: baseline and best test RMSE, merger fraction and merger rate."""
    detail = "the training mean predicted for every galaxy"
    if baseline.get("n_test") is not None:
        detail += f"; {fmt_number(baseline['n_test'])} test galaxies"
    return [
        Card("Mean-label baseline: test RMSE", rmse_text(baseline.get("test_rmse")), detail),
        best_card(scores, best),
        *merger_cards(mergers),
    ]


def model_row(row: Mapping, base: float | None, validation: Mapping, views: float | None) -> list[str]:
    """One row of test_rmse.csv for the models table; the fold-0 held-out RMSE (used to choose) on the row with the
    ``views`` it was measured with."""
    rmse, auc = number(row.get("rmse")), number(row.get("merger_auc"))
    change = "" if rmse is None or not base else f"{100 * (rmse / base - 1):+.1f}%"
    merger = f"{rmse_text(row.get('merger_rmse'))} vs {rmse_text(row.get('merger_rmse_mean_baseline'))}"
    used = row.get("model") in validation and number(row.get("tta_views")) == views
    chosen_on = rmse_text(validation[row["model"]]) if used else ""
    return [
        str(row.get("model", "n/a")),
        fmt_number(row.get("tta_views")),
        f"{rmse_text(rmse)} {rmse_interval(row)}",
        change,
        merger,
        "n/a" if auc is None else f"{auc:.3f}",
        chosen_on,
    ]


def models_table(baseline: Mapping, best: Mapping, scores: Sequence[Mapping]) -> Table:
    """Test RMSE of the mean baseline and of every model and number of views; the chosen model with TTA bold."""
    base = number(baseline.get("test_rmse"))
    validation = mapping(best.get("compared"))  # by row name: <architecture>_fold0
    merger_base = rmse_text(scores[0].get("merger_rmse_mean_baseline")) if scores else "n/a"
    rows = [
        ["mean-label baseline", "", rmse_text(base), "", merger_base, "", rmse_text(baseline.get("validation_rmse"))]
    ]
    views = max((number(row.get("tta_views")) or 0 for row in scores), default=None)  # predict.tta: the choice's
    rows += [model_row(row, base, validation, views) for row in scores]
    with_tta, _ = chosen_scores(scores, best)
    chosen = next((k + 1 for k, row in enumerate(scores) if row is with_tta), None)
    header = ["model", "views", "test RMSE [68% interval]", "vs baseline", "merger RMSE vs its baseline",
              "merger AUC", "fold-0 held-out RMSE (used to choose)"]  # fmt: skip
    return table(header, rows, chosen)


def models_notes(best: Mapping, scores: Sequence[Mapping], tta: Mapping) -> list[str]:
    """The test subset, the tie rule, the architecture choice, the chosen model and the effect of TTA."""
    first = scores[0] if scores else {}
    counts = ""
    if first.get("n_galaxies") is not None:
        counts = (
            f" ({fmt_number(first['n_galaxies'])} galaxies, {fmt_number(first.get('n_true_mergers'))} true mergers)"
        )
    lines = [
        f"Scores on the held-out test subset{counts}, which neither training nor the model choice saw. Intervals are "
        "68% bootstrap intervals over the test galaxies: differences inside them are ties, not rankings."
    ]
    choice = mapping(best.get("architecture_choice"))
    if choice.get("reason"):
        chosen, reason = choice.get("chosen", "n/a"), choice["reason"]
        candidates = ", ".join(mapping(choice.get("held_out_rmse"))) or "n/a"
        lines.append(f"The best model's candidate, chosen among {candidates} on fold 0: {chosen} ({reason}).")
    if model_description(best):
        lines.append(f"Chosen model: {best.get('model', 'n/a')}: {model_description(best)}.")
    if best.get("selection_note"):
        lines.append(str(best["selection_note"]))
    if number(tta.get("rmse_with_tta")) is not None and number(tta.get("relative_change")) is not None:
        lines.append(
            f"Test-time augmentation ({fmt_number(tta.get('tta'))} views) changes the best model's test RMSE from "
            f"{rmse_text(tta.get('rmse_without_tta'))} to {rmse_text(tta['rmse_with_tta'])} "
            f"({100 * number(tta['relative_change']):+.1f}%)."
        )
    return lines


def mergers_section(mergers: Mapping) -> MergerSection:
    """The merger result: the warning (if any) first, the headline sentences, and every merger table once."""
    r = merger_result(mergers)
    if r is None:
        return MergerSection(missing=True)
    sentences = headline(r)
    first = sentences.pop(0) if warning(r) else None
    drawn = tuple(
        (t, table(t.header, t.rows, 0 if t.title == "Estimates" else None) if t.header else None) for t in tables(r)
    )
    return MergerSection(first, tuple(sentences), drawn)


def landing(headline_data: Mapping[str, object], facts: Sequence[str] = ()) -> Landing:
    """The first section: headline numbers, the models on the test subset, the merger result and the literature."""
    baseline, best, tta, mergers = (mapping(headline_data.get(k)) for k in ("baseline", "best", "tta", "mergers"))
    scores = score_records(headline_data.get("test_rmse"))
    return Landing(
        tuple(facts),
        tuple(headline_cards(baseline, best, scores, mergers)),
        models_table(baseline, best, scores),
        tuple(models_notes(best, scores, tta)),
        mergers_section(mergers),
    )
