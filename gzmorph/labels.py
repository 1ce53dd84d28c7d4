"""The 37 Galaxy Zoo 2 answers in the Kaggle format: the one source of truth for columns, names and the tree.

Each value is the fraction of *all* volunteers who reached that answer (Willett et al. 2013, Table 2), so the
answers of one question sum to the weight of the path into it (see ``QUESTIONS``).
"""

import re
from dataclasses import dataclass

import numpy as np

ID_COLUMN = "GalaxyID"


@dataclass(frozen=True)
class Question:
    """One question of the decision tree: its answers' columns and the column whose value they sum to."""

    number: int
    text: str
    answers: tuple[str, ...]
    columns: tuple[str, ...]
    parent: str | None  # None: the answers sum to 1


QUESTIONS: tuple[Question, ...] = (
    Question(
        1,
        "Smooth, features or disk?",
        ("smooth", "features or disk", "star or artifact"),
        ("Class1.1", "Class1.2", "Class1.3"),
        None,
    ),
    Question(2, "Edge-on disk?", ("edge-on: yes", "edge-on: no"), ("Class2.1", "Class2.2"), "Class1.2"),
    Question(3, "Bar?", ("bar", "no bar"), ("Class3.1", "Class3.2"), "Class2.2"),
    Question(4, "Spiral arms?", ("spiral", "no spiral"), ("Class4.1", "Class4.2"), "Class2.2"),
    Question(
        5,
        "Bulge prominence?",
        ("no bulge", "bulge: just noticeable", "bulge: obvious", "bulge: dominant"),
        ("Class5.1", "Class5.2", "Class5.3", "Class5.4"),
        "Class2.2",
    ),
    # Q6 should sum to 1 - Class1.3, but sums to 1 in the Kaggle files (a quirk of how they were generated).
    Question(6, "Anything odd?", ("odd: yes", "odd: no"), ("Class6.1", "Class6.2"), None),
    Question(
        7,
        "How rounded?",
        ("completely round", "round: in between", "cigar-shaped"),
        ("Class7.1", "Class7.2", "Class7.3"),
        "Class1.1",
    ),
    Question(
        8,
        "Odd feature?",
        (
            "odd: ring",
            "odd: lens or arc",
            "odd: disturbed",
            "odd: irregular",
            "odd: other",
            "odd: merger",
            "odd: dust lane",
        ),
        ("Class8.1", "Class8.2", "Class8.3", "Class8.4", "Class8.5", "Class8.6", "Class8.7"),
        "Class6.1",
    ),
    Question(
        9,
        "Bulge shape (edge-on)?",
        ("bulge: rounded", "bulge: boxy", "edge-on: no bulge"),
        ("Class9.1", "Class9.2", "Class9.3"),
        "Class2.1",
    ),
    Question(
        10,
        "Arm winding?",
        ("arms: tight", "arms: medium", "arms: loose"),
        ("Class10.1", "Class10.2", "Class10.3"),
        "Class4.1",
    ),
    Question(
        11,
        "Number of arms?",
        ("arms: 1", "arms: 2", "arms: 3", "arms: 4", "arms: more than 4", "arms: can't tell"),
        ("Class11.1", "Class11.2", "Class11.3", "Class11.4", "Class11.5", "Class11.6"),
        "Class4.1",
    ),
)

LABEL_COLUMNS: tuple[str, ...] = tuple(c for q in QUESTIONS for c in q.columns)
N_LABELS = len(LABEL_COLUMNS)
LABEL_NAMES: dict[str, str] = {c: a for q in QUESTIONS for c, a in zip(q.columns, q.answers, strict=True)}
COLUMN_INDEX: dict[str, int] = {c: i for i, c in enumerate(LABEL_COLUMNS)}
KAGGLE_HEADER: tuple[str, ...] = (ID_COLUMN, *LABEL_COLUMNS)
MERGER_COLUMN = "Class8.6"
QUESTION_OF: dict[str, Question] = {c: q for q in QUESTIONS for c in q.columns}


def _identifier(answer: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", answer.lower().replace("'", "")).strip("_")


# Column names for catalogues, one identifier per answer: 'smooth', 'edge_on_yes', 'odd_merger', 'arms_cant_tell'.
READABLE_NAMES: dict[str, str] = {c: _identifier(a) for c, a in LABEL_NAMES.items()}


def describe(column: str) -> str:
    """'Q8 Odd feature? odd: merger (Class8.6)': the question and the answer of a column, for catalogue headers."""
    question = QUESTION_OF[column]
    return f"Q{question.number} {question.text} {LABEL_NAMES[column]} ({column})"


def display_name(column: str) -> str:
    """'smooth (Class1.1)': the descriptive name with its Kaggle column, for figure titles."""
    return f"{LABEL_NAMES[column]} ({column})"


def question_residuals(labels: np.ndarray) -> np.ndarray:
    """Per galaxy and question, sum of the answers minus the path weight they should sum to; shape (n, 11)."""
    labels = np.asarray(labels, dtype=np.float64)
    out = np.empty((labels.shape[0], len(QUESTIONS)))
    for k, q in enumerate(QUESTIONS):
        total = labels[:, [COLUMN_INDEX[c] for c in q.columns]].sum(axis=1)
        weight = 1.0 if q.parent is None else labels[:, COLUMN_INDEX[q.parent]]
        out[:, k] = total - weight
    return out
