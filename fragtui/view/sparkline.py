"""A one-line sparkline on a fixed 0..1 scale, so two of them can be compared by eye."""

from __future__ import annotations

BARS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int) -> str:
    """`values` (each 0..1) squeezed into `width` characters, each the mean of its share."""
    if not values or width <= 0:
        return ""
    n = len(values)
    out = []
    for i in range(min(width, n)):
        lo, hi = i * n // min(width, n), (i + 1) * n // min(width, n)
        mean = sum(values[lo:hi]) / (hi - lo)
        out.append(BARS[min(8, max(0, round(mean * 8)))])
    return "".join(out)
