"""Numbers as a student checks them by hand: halves round up (6.25 → 6.3, like 93.75 → 93.8).

Python's own formatting rounds a binary float's exact value, half to even, so 6.25 (exact in
binary) becomes "6.2" while 93.75 becomes "93.8". `fixed` rounds the decimal a person would
write instead. A ratio computed in floating point can land a hair below a true half
(6.249999999999999); nine decimals first put it back on the half it means.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def fixed(value: float, places: int) -> str:
    """`value` with `places` decimals, halves rounded away from zero: fixed(6.25, 1) == "6.3"."""
    rounded = Decimal(f"{value:.9f}").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return str(abs(rounded) if rounded == 0 else rounded)  # never "-0.0"
