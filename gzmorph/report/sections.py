"""Which file of the run goes in which section of the HTML page, and the headline files: data only.

The Snakefile (rules/report.smk) imports this module to list the report's inputs, so it stays light: no Jinja, no
docutils, no Markdown.
"""

import re
from dataclasses import dataclass

from gzmorph.settings import ARCHITECTURES


@dataclass(frozen=True)
class Item:
    """One figure or table of the report: the file the workflow writes, a title, and its caption."""

    path: str  # as written by the workflow, relative to the working directory
    title: str
    caption: str | None = None  # name of a caption file in report/ (shared with ``snakemake --report``)
    note: str = ""  # caption text for files that have no caption file
    max_rows: int | None = None  # show only the first rows of a long CSV


SECTIONS: dict[str, tuple[Item, ...]] = {
    "Data": (
        Item(
            "results/data/train/summary.json",
            "Preprocessing of the labelled set",
            note="Sizes, geometry, reduction factor against the 424x424x3 originals and decoding throughput.",
        ),
        Item("results/data/test/summary.json", "Preprocessing of the unlabelled set"),
        Item(
            "results/data/train/rejects.csv",
            "Labelled images that failed to decode",
            note="Skipped, with the reason; the run fails if more than ingest.max_reject_fraction of the images do.",
        ),
        Item("results/data/test/rejects.csv", "Unlabelled images that failed to decode"),
        Item(
            "results/figures/split/label_histograms_split.png",
            "Label distributions: held-out fold 0 against the other folds",
            "label_histograms_split.rst",
        ),
        Item("results/tables/split_ks.csv", "Fold 0 vs the other folds: KS test per label", "split_ks.rst"),
    ),
    "Exploration": (
        Item("results/figures/explore/random_images.png", "Random labelled galaxies", "random_images.rst"),
        Item("results/figures/explore/label_histograms.png", "Label histograms", "label_histograms.rst"),
        Item("results/figures/explore/prototypes.png", "The prototype of each label", "prototypes.rst"),
        Item("results/figures/explore/correlation_matrix.png", "Correlation matrix", "correlation_matrix.rst"),
        Item(
            "results/tables/within_question_correlation_summary.csv",
            "Within-question correlations per question",
            "within_question_correlation_summary.rst",
        ),
        Item(
            "results/tables/within_question_correlations.csv",
            "Within-question correlations per pair",
            "within_question_correlations.rst",
        ),
        Item("results/figures/explore/downsizing.png", "Before and after downsizing", "downsizing.rst"),
        Item("results/tables/memory_estimate.json", "Memory estimate", "memory_estimate.rst"),
    ),
    "Models": (
        Item("results/baseline/mean.json", "Mean-label baseline", "baseline.rst"),
        Item("results/figures/models/cv_scores.png", "Cross-validation of the custom CNN", "cv_scores.rst"),
        Item("results/models/cv/folds.csv", "Cross-validation folds", "cv_folds.rst"),
        *(
            Item(f"results/figures/models/{model}_training.png", f"Training curve: {model}", "training_curve.rst")
            for model in ARCHITECTURES
        ),
        Item("results/tables/parameters.csv", "Parameters against training pixels", "parameters.rst"),
        Item("results/models/best/metrics.json", "The chosen model", "best_choice.rst"),
    ),
    "Evaluation": (
        Item(
            "results/figures/evaluate/validation_curves.png",
            "Held-out curves of the fold models",
            "validation_curves.rst",
        ),
        Item("results/figures/evaluate/true_vs_predicted.png", "True vs predicted", "true_vs_predicted.rst"),
        Item("results/tables/test_rmse.csv", "Final scores on the held-out test subset", "test_rmse.rst"),
        Item("results/tables/per_label_rmse.csv", "RMSE per label (test subset)", "per_label_rmse.rst"),
        Item("results/figures/evaluate/spread_vs_error.png", "Predicted spread against error", "spread_vs_error.rst"),
        Item("results/figures/evaluate/extremes.png", "Most extreme galaxies", "extremes.rst"),
        Item("results/tables/tta_effect.json", "Test-time augmentation", "tta_effect.rst"),
    ),
    "Predictions": (
        Item(
            "results/predictions/test_catalogue.csv",
            "Catalogue of the unlabelled set",
            max_rows=10,
            note="Predicted vote fractions in the Kaggle submission format; the Parquet copy holds the same.",
        ),
    ),
    "Mergers": (
        Item("results/figures/mergers/threshold_sweep.png", "Threshold sweep", "merger_threshold_sweep.rst"),
        Item("results/figures/mergers/rate_comparison.png", "Merger rate against T_obs", "merger_rate_comparison.rst"),
        Item("results/figures/mergers/calibration.png", "Calibration on held-out galaxies", "merger_calibration.rst"),
        Item("results/figures/mergers/coverage.png", "Known-answer diagnostic: figure", "merger_coverage.rst"),
        Item("results/figures/mergers/candidates.png", "Merger candidates", "merger_candidates.rst"),
    ),
}
HEADLINE_FILES = {
    "baseline": "results/baseline/mean.json",
    "best": "results/models/best/metrics.json",
    "tta": "results/tables/tta_effect.json",
    "test_rmse": "results/tables/test_rmse.csv",
    "mergers": "results/tables/merger_fraction.json",
}


def section_files() -> list[str]:
    """Every file shown in a section, in report order (the rule's inputs)."""
    return [item.path for items in SECTIONS.values() for item in items]


def caption_files() -> list[str]:
    """Names of the caption files in report/ that the sections use."""
    return sorted({item.caption for items in SECTIONS.values() for item in items if item.caption})


def anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
