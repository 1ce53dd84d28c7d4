import numpy as np
import pytest

from gzmorph.labels import (
    COLUMN_INDEX,
    KAGGLE_HEADER,
    LABEL_COLUMNS,
    LABEL_NAMES,
    QUESTIONS,
    display_name,
    question_residuals,
)


def test_columns_follow_the_kaggle_header():
    assert len(LABEL_COLUMNS) == 37
    assert KAGGLE_HEADER[0] == "GalaxyID"
    assert LABEL_COLUMNS[0] == "Class1.1" and LABEL_COLUMNS[-1] == "Class11.6"
    assert [len(q.columns) for q in QUESTIONS] == [3, 2, 2, 2, 4, 2, 3, 7, 3, 3, 6]
    assert display_name("Class8.6") == "odd: merger (Class8.6)"
    assert LABEL_NAMES["Class1.1"] == "smooth"


def test_every_parent_is_a_column_that_leads_to_its_question():
    for q in QUESTIONS:
        assert q.parent is None or q.parent in COLUMN_INDEX


def test_real_labels_obey_the_sum_constraints(sample_labels):
    residuals = question_residuals(sample_labels[list(LABEL_COLUMNS)].to_numpy())
    assert np.abs(residuals).max() < 1e-5


def test_residuals_detect_a_broken_constraint(sample_labels):
    labels = sample_labels[list(LABEL_COLUMNS)].to_numpy().astype(np.float64)
    labels[0, COLUMN_INDEX["Class8.6"]] += 0.1
    residuals = question_residuals(labels)
    assert residuals[0, 7] == pytest.approx(0.1, abs=1e-5)  # Q8
    assert np.abs(np.delete(residuals[0], 7)).max() < 1e-5
