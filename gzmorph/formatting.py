"""Every number of the reports formatted one way: the Markdown report, the HTML page and the terminal summary."""

import math

DASH = " – "  # between the ends of an interval


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float | None) -> str:
    """A fraction as a percentage: '1.23 %'."""
    return "n/a" if _missing(value) else f"{100 * value:.2f} %"


def pp(value: float | None) -> str:
    """A difference of fractions in percentage points: '0.50 pp'."""
    return "n/a" if _missing(value) else f"{100 * value:.2f} pp"


def rate(value: float | None) -> str:
    """A rate per galaxy in Gyr^-1, three significant digits: '0.0123'."""
    return "n/a" if _missing(value) else f"{value:.3g}"


def span(values, show=pct) -> str:
    """An interval 'a – b' with ``show`` (one value when both ends agree); 'n/a' when missing."""
    if values is None or any(_missing(v) for v in values):
        return "n/a"
    low, high = values
    return show(low) if show(low) == show(high) else f"{show(low)}{DASH}{show(high)}"
