"""The numbers behind the exploration figures: label correlations and their exclusive-answer reference, train vs
validation KS tests, the memory estimate and the prototype of each label."""

from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from gzmorph.labels import COLUMN_INDEX, LABEL_COLUMNS, LABEL_NAMES, QUESTIONS, display_name


def correlation_matrix(labels: np.ndarray) -> np.ndarray:
    """Pearson correlation of every pair of label columns, (37, 37); NaN where a column is constant."""
    x = np.asarray(labels, dtype=np.float64)
    x = x - x.mean(axis=0)
    std = np.sqrt((x**2).mean(axis=0))
    std[std < 1e-12] = np.nan  # constant up to rounding
    with np.errstate(invalid="ignore"):
        corr = (x.T @ x) / len(x) / np.outer(std, std)
    return np.clip(corr, -1.0, 1.0)


def exclusive_correlation(answers: np.ndarray) -> np.ndarray:
    """The correlation matrix the answers of one question would have if they were perfectly exclusive.

    Perfectly exclusive means every volunteer who reached the question gave the same answer: galaxy g has
    ``x_gi = w_g * I_gi`` with ``w_g`` the question's path weight (the sum of its answers) and ``I_g`` one-hot. With
    answer i chosen with probability ``p_i = <x_i> / <w>``, independently of ``w``,

        cov_ij = -p_i p_j <w>^2  (i != j),   var_i = p_i <w^2> - p_i^2 <w>^2.

    For a constant weight this is the one-hot correlation ``-sqrt(p_i p_j / ((1 - p_i)(1 - p_j)))``, exactly -1 for a
    two-answer question; a varying path weight (deeper questions) makes it less negative.
    """
    x = np.asarray(answers, dtype=np.float64)
    w = x.sum(axis=1)
    m1, m2 = w.mean(), (w**2).mean()
    p = x.mean(axis=0) / m1
    var = p * m2 - p**2 * m1**2
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = -np.outer(p, p) * m1**2 / np.sqrt(np.outer(var, var))
    np.fill_diagonal(corr, 1.0)
    return np.clip(corr, -1.0, 1.0)


def within_question_correlations(labels: np.ndarray) -> pd.DataFrame:
    """One row per pair of answers of the same question: observed Pearson r next to the exclusive-answer r."""
    labels = np.asarray(labels, dtype=np.float64)
    observed = correlation_matrix(labels)
    rows = []
    for q in QUESTIONS:
        idx = [COLUMN_INDEX[c] for c in q.columns]
        exclusive = exclusive_correlation(labels[:, idx])
        share = labels[:, idx].mean(axis=0) / labels[:, idx].sum(axis=1).mean()
        for a, b in combinations(range(len(idx)), 2):
            col_a, col_b = q.columns[a], q.columns[b]
            rows.append(
                {
                    "question": q.number,
                    "column_a": col_a,
                    "column_b": col_b,
                    "answer_a": LABEL_NAMES[col_a],
                    "answer_b": LABEL_NAMES[col_b],
                    "share_a": share[a],
                    "share_b": share[b],
                    "observed_r": observed[idx[a], idx[b]],
                    "exclusive_r": exclusive[a, b],
                    "difference": observed[idx[a], idx[b]] - exclusive[a, b],
                }
            )
    return pd.DataFrame(rows)


def question_correlation_summary(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per question: mean observed and mean exclusive-answer r over its answer pairs (from within_question_...)."""
    texts = {q.number: q.text for q in QUESTIONS}
    summary = (
        pairs.groupby("question", sort=True)
        .agg(
            n_pairs=("observed_r", "size"),
            mean_observed_r=("observed_r", "mean"),
            mean_exclusive_r=("exclusive_r", "mean"),
            mean_difference=("difference", "mean"),
        )
        .reset_index()
    )
    summary.insert(1, "text", summary["question"].map(texts))
    summary.insert(2, "n_answers", summary["question"].map({q.number: len(q.columns) for q in QUESTIONS}))
    return summary


def ks_table(train: np.ndarray, validation: np.ndarray) -> pd.DataFrame:
    """Two-sample Kolmogorov-Smirnov statistic and p-value of every label, train against validation."""
    rows = []
    for j, col in enumerate(LABEL_COLUMNS):
        result = ks_2samp(train[:, j], validation[:, j])
        rows.append(
            {"column": col, "name": display_name(col), "ks_statistic": result.statistic, "p_value": result.pvalue}
        )
    table = pd.DataFrame(rows)
    table["n_train"], table["n_validation"] = len(train), len(validation)
    return table


def memory_estimate(
    n_images: int, original_shape: tuple[int, ...], field_shape: tuple[int, ...], view_shape: tuple[int, ...]
) -> dict:
    """Bytes to hold n images at full size (uint8, float32) and after downsizing (uint8 field, float32 view)."""
    pixels = {
        name: n_images * int(np.prod(shape))
        for name, shape in (("original", original_shape), ("field", field_shape), ("view", view_shape))
    }
    nbytes = {
        "original_uint8": pixels["original"],
        "original_float32": 4 * pixels["original"],
        "downsized_field_uint8": pixels["field"],
        "downsized_view_float32": 4 * pixels["view"],
    }
    return {
        "n_images": int(n_images),
        "original_shape": list(original_shape),
        "field_shape": list(field_shape),
        "view_shape": list(view_shape),
        "bytes": nbytes,
        "gib": {k: v / 2**30 for k, v in nbytes.items()},
        "reduction_factor_uint8": nbytes["original_uint8"] / nbytes["downsized_field_uint8"],
    }


def prototypes(labels: np.ndarray) -> np.ndarray:
    """Position of the galaxy with the highest value of each label (the first one on ties); shape (n_labels,)."""
    return np.argmax(np.asarray(labels), axis=0)
