"""Every figure of the workflow: functions that take data and return a matplotlib Figure, one module per stage
(``explore``, ``evaluate``, ``training``, ``mergers``), and :func:`save_figure`, the one way they reach disk.

Importing this package selects the non-interactive Agg backend, once, so figures render on nodes without a display.
"""

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.figure import Figure  # noqa: E402

from gzmorph.io import atomic_path  # noqa: E402

DPI = 120


def save_figure(figure: Figure, path: str | os.PathLike) -> None:
    """Write ``figure`` as PNG atomically (complete or absent) and free its memory."""
    try:
        with atomic_path(path) as partial:
            figure.savefig(partial, dpi=DPI, format="png")
    finally:
        plt.close(figure)
