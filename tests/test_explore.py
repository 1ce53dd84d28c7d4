"""The numbers behind the exploration and evaluation figures, on crafted data with known answers."""

import json

import numpy as np
import pandas as pd
import pytest

from gzmorph.evaluate import chosen_model_name, predictions_for, top_positions
from gzmorph.explore import (
    correlation_matrix,
    exclusive_correlation,
    ks_table,
    memory_estimate,
    prototypes,
    question_correlation_summary,
    within_question_correlations,
)
from gzmorph.labels import COLUMN_INDEX, ID_COLUMN, LABEL_COLUMNS, N_LABELS, QUESTIONS


def exclusive_votes(n: int, rng: np.random.Generator) -> np.ndarray:
    """Labels where every volunteer agrees: per question a 0/1 path weight and all of it on one random answer."""
    labels = np.zeros((n, N_LABELS))
    for q in QUESTIONS:
        weight = rng.random(n) < 0.7 if q.number > 1 else np.ones(n, dtype=bool)
        answer = rng.integers(len(q.columns), size=n)
        for k, col in enumerate(q.columns):
            labels[:, COLUMN_INDEX[col]] = weight & (answer == k)
    return labels


def test_correlation_matrix_matches_numpy_and_marks_constant_columns():
    rng = np.random.default_rng(0)
    labels = rng.random((200, N_LABELS))
    np.testing.assert_allclose(correlation_matrix(labels), np.corrcoef(labels, rowvar=False), atol=1e-12)
    labels[:, 5] = 0.3
    corr = correlation_matrix(labels)
    assert np.isnan(corr[5, 0]) and np.isnan(corr[0, 5])
    assert not np.isnan(np.delete(np.delete(corr, 5, 0), 5, 1)).any()


def test_two_exclusive_answers_summing_to_one_give_minus_one():
    rng = np.random.default_rng(1)
    yes = (rng.random(500) < 0.3).astype(float)
    answers = np.column_stack([yes, 1 - yes])
    assert exclusive_correlation(answers)[0, 1] == pytest.approx(-1.0)
    assert correlation_matrix(answers)[0, 1] == pytest.approx(-1.0)


def test_exclusive_correlation_of_one_hot_answers_is_the_categorical_formula():
    p = np.array([0.5, 0.3, 0.2])
    answers = np.repeat(np.eye(3), (p * 1000).astype(int), axis=0)  # shares exactly p, constant sum 1
    expected = -np.sqrt(p[0] * p[1] / ((1 - p[0]) * (1 - p[1])))
    assert exclusive_correlation(answers)[0, 1] == pytest.approx(expected)
    assert correlation_matrix(answers)[0, 1] == pytest.approx(expected)


def test_perfectly_agreeing_votes_match_the_exclusive_reference_for_every_pair():
    pairs = within_question_correlations(exclusive_votes(3000, np.random.default_rng(2)))
    assert len(pairs) == sum(len(q.columns) * (len(q.columns) - 1) // 2 for q in QUESTIONS)
    np.testing.assert_allclose(pairs["observed_r"], pairs["exclusive_r"], atol=1e-9)
    assert (pairs["exclusive_r"] < 0).all()


def test_split_votes_correlate_above_the_exclusive_reference():
    rng = np.random.default_rng(3)
    labels = exclusive_votes(2000, rng)
    q = QUESTIONS[8]  # Q9: three answers under a varying path weight (Class2.1)
    idx = [COLUMN_INDEX[c] for c in q.columns]
    weight = labels[:, idx].sum(axis=1) * rng.random(len(labels))
    labels[:, idx] = weight[:, None] / len(idx)  # every galaxy: votes shared equally between the answers
    pairs = within_question_correlations(labels)
    q9 = pairs[pairs["question"] == q.number]
    np.testing.assert_allclose(q9["observed_r"], 1.0)
    assert (q9["exclusive_r"] < 0).all() and (q9["difference"] > 1).all()


def test_question_summary_averages_each_question_pairs():
    pairs = within_question_correlations(exclusive_votes(1000, np.random.default_rng(4)))
    summary = question_correlation_summary(pairs)
    assert summary["question"].tolist() == [q.number for q in QUESTIONS]
    q8 = summary.set_index("question").loc[8]
    assert q8["n_answers"] == 7 and q8["n_pairs"] == 21
    assert q8["mean_observed_r"] == pytest.approx(pairs.loc[pairs["question"] == 8, "observed_r"].mean())


def test_ks_of_identical_samples_is_zero_and_of_disjoint_samples_is_one():
    rng = np.random.default_rng(5)
    sample = rng.random((300, N_LABELS))
    same = ks_table(sample, sample.copy())
    assert (same["ks_statistic"] == 0).all() and (same["p_value"] == 1).all()
    assert same["column"].tolist() == list(LABEL_COLUMNS)
    apart = ks_table(sample * 0.4, 0.5 + sample[:100] * 0.4)
    assert (apart["ks_statistic"] == 1).all() and (apart["p_value"] < 1e-10).all()
    assert (apart["n_train"] == 300).all() and (apart["n_validation"] == 100).all()


def test_memory_estimate_arithmetic():
    estimate = memory_estimate(61578, (424, 424, 3), (68, 68, 3), (48, 48, 3))
    full = 61578 * 424 * 424 * 3
    assert estimate["bytes"]["original_uint8"] == full
    assert estimate["bytes"]["original_float32"] == 4 * full
    assert estimate["bytes"]["downsized_field_uint8"] == 61578 * 68 * 68 * 3
    assert estimate["bytes"]["downsized_view_float32"] == 4 * 61578 * 48 * 48 * 3
    assert estimate["gib"]["original_float32"] == pytest.approx(4 * full / 2**30)
    assert estimate["reduction_factor_uint8"] == pytest.approx(424 * 424 / (68 * 68))
    assert estimate["n_images"] == 61578 and estimate["field_shape"] == [68, 68, 3]


def test_prototypes_pick_the_argmax_of_each_label():
    rng = np.random.default_rng(6)
    labels = rng.random((50, N_LABELS)) * 0.5
    winners = rng.integers(50, size=N_LABELS)
    labels[winners, np.arange(N_LABELS)] = 0.9
    np.testing.assert_array_equal(prototypes(labels), winners)


def test_top_positions_highest_first_and_stable_on_ties():
    np.testing.assert_array_equal(top_positions(np.array([0.1, 0.9, 0.5, 0.9, 0.0]), 3), [1, 3, 2])


def test_figures_name_the_best_model_with_its_architecture(tmp_path):
    best = {"model": "best", "candidate": "resnet18", "architecture": "resnet18"}
    (tmp_path / "best.json").write_text(json.dumps(best))
    (tmp_path / "cnn.json").write_text(json.dumps({"model": "cnn"}))
    assert chosen_model_name(tmp_path / "best.json") == "best (resnet18)"
    assert chosen_model_name(tmp_path / "cnn.json") == "cnn"


def test_predictions_are_aligned_to_the_requested_ids():
    ids = np.array([30, 10, 20], dtype=np.uint64)
    values = np.arange(3 * N_LABELS, dtype=float).reshape(3, N_LABELS)
    table = pd.DataFrame(values, columns=list(LABEL_COLUMNS))
    table.insert(0, ID_COLUMN, np.array([10, 20, 30], dtype=np.uint64))
    np.testing.assert_array_equal(predictions_for(ids, table, "p.parquet"), values[[2, 0, 1]])
    with pytest.raises(ValueError, match=r"p.parquet: no prediction for 1 galaxies"):
        predictions_for(np.array([10, 40], dtype=np.uint64), table, "p.parquet")
    with pytest.raises(ValueError, match=r"p.parquet: missing columns \['Class1.1'\]"):
        predictions_for(ids, table.drop(columns="Class1.1"), "p.parquet")


def test_test_scores_give_rmse_with_interval_merger_rmse_and_auc():
    from gzmorph.evaluate import per_label_rmse, spread_error_bins, test_scores, tta_effect
    from gzmorph.labels import COLUMN_INDEX

    rng = np.random.default_rng(1)
    true = rng.random((400, N_LABELS)) * 0.5
    merger = COLUMN_INDEX["Class8.6"]
    true[:, merger] *= 0.5
    true[:40, merger] = 0.6  # 40 true mergers, the rest below 0.25
    perfect, noisy = true.copy(), true + rng.normal(0, 0.05, true.shape)
    scores = test_scores(true, {("a", 1): perfect, ("b", 8): noisy}, true.mean(axis=0), 0.4).set_index("model")
    assert scores.loc["a", "rmse"] == 0 and scores.loc["a", "merger_auc"] == 1.0
    assert scores.loc["b", "rmse_low68"] < scores.loc["b", "rmse"] < scores.loc["b", "rmse_high68"]
    assert scores.loc["b", "rmse"] == pytest.approx(0.05, rel=0.05) and scores.loc["b", "n_true_mergers"] == 40
    assert scores.loc["b", "merger_rmse"] < scores.loc["b", "merger_rmse_mean_baseline"]
    with_views = test_scores(true, {("best", 1): noisy, ("best", 8): perfect}, true.mean(axis=0), 0.4)
    effect = tta_effect(with_views, 8)
    assert effect["rmse_with_tta"] == 0 and effect["change"] == pytest.approx(-effect["rmse_without_tta"])
    table = per_label_rmse(true, {("b", 8): noisy}, true.mean(axis=0))
    assert list(table.columns) == ["column", "name", "rmse_mean_baseline", "rmse_b_tta8", "n_galaxies"]

    spread = rng.random(true.shape) * 0.1 + 1e-6
    errors_that_follow = true + rng.normal(0, 1, true.shape) * spread
    bins = spread_error_bins(true, errors_that_follow, spread, n_bins=5)
    assert bins["n_predictions"].sum() == true.size and bins["rms_error"].is_monotonic_increasing
