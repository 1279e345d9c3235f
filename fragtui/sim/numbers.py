"""Every number a user gives is read here: options, editor fields, op lists, trace fields,
model shapes, sizes, memory amounts, speeds.

The rules, the same everywhere:
- ASCII digits only. `str.isdigit` also accepts '²' and '①', which `int` refuses, and `int`
  and `float` accept other scripts' digits ('١٢'); we take none of them, and say so.
- A whole number may group its digits with `_` or `,` (16_777_216, 16,777,216) and carry a sign.
- The text is bounded (MAX_CHARS) before it is converted: Python's `int` refuses strings past
  4,300 digits, and no bound here needs more than twenty.
- The bounds are checked, and the error says what is allowed: `must be a whole number from 1
  to 16,777,216`. Callers put the name and the source in front (`--block-size 0: …`,
  `trace.csv:3: used 'abc' is not a whole number`).
"""

from __future__ import annotations

import math
import re

from fragtui.sim.errors import FragtuiError, quoted

MAX_CHARS = 40
MAX_TOKENS = 1 << 24  # the most tokens one request may hold: the largest pool
_WHOLE = re.compile(r"[+-]?[0-9][0-9_,]*")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
ASCII_NOTE = " (ASCII digits 0-9 only)"


class NumberError(FragtuiError):
    """`text` is not a number from `low` to `high`.

    `allowed` is the option form ("must be a whole number from 1 to 16,777,216"), `problem` the
    file-line form ("is not a whole number", "is below 1", "is more than 16,777,216 tokens"),
    `shown` the value as an error shows it (the whole number read, or the text quoted and escaped)."""

    def __init__(self, text: str, low: float, high: float, *, whole: bool, unit: str = "",
                 value: float | None = None) -> None:
        kind = "a whole number" if whole else "a number"
        fmt = "{:,}" if whole else "{:g}"
        bounds = f"from {fmt.format(low)} to {fmt.format(high)}"
        # Someone who typed '²' or '١' meant a digit: tell them which digits count.
        note = ascii_note(text)
        self.text = text
        self.parsed = value if value is not None and math.isfinite(value) else None  # the number read, if any
        self.allowed = f"must be {kind} {bounds}{note}"
        if value is None:
            self.problem = f"is not {kind}{note}"
        elif value < low:
            self.problem = f"is below {fmt.format(low)}"
        else:
            self.problem = f"is more than {fmt.format(high)}{' ' + unit if unit else ''}"
        self.shown = str(value) if whole and self.parsed is not None else quoted(text)
        super().__init__(f"{self.shown}: {self.allowed}")


def whole(text: str, low: int, high: int, *, unit: str = "") -> int:
    """The whole number `text` spells, from `low` to `high`; NumberError otherwise."""
    digits = text.strip()
    if digits.isascii() and digits.isdigit() and len(digits) <= MAX_CHARS:  # the common case, fast
        value = int(digits)
    elif not _WHOLE.fullmatch(digits):
        raise NumberError(text, low, high, whole=True, unit=unit)
    else:
        cleaned = digits.replace("_", "").replace(",", "")
        negative = cleaned[0] == "-"
        cleaned = cleaned.lstrip("+-").lstrip("0") or "0"
        if len(cleaned) > MAX_CHARS:  # far past any bound: say so without converting it
            raise NumberError(text, low, high, whole=True, unit=unit, value=-math.inf if negative else math.inf)
        value = -int(cleaned) if negative else int(cleaned)
    if not low <= value <= high:
        raise NumberError(text, low, high, whole=True, unit=unit, value=value)
    return value


def decimal(text: str, low: float, high: float) -> float:
    """The finite number `text` spells (3, 0.5, 1e-3), from `low` to `high`; NumberError otherwise."""
    digits = text.strip()
    if len(digits) > MAX_CHARS or not _DECIMAL.fullmatch(digits):
        raise NumberError(text, low, high, whole=False)
    value = float(digits)
    if not (math.isfinite(value) and low <= value <= high):
        raise NumberError(text, low, high, whole=False, value=value)
    return value


def is_whole(text: str) -> bool:
    """Whether `text` is written as a whole number (whatever its size): for telling formats apart."""
    return bool(_WHOLE.fullmatch(text.strip()))


def ascii_note(text: str) -> str:
    """What to add to an error for someone who typed '²' or '١' and meant a digit."""
    return ASCII_NOTE if any(c.isnumeric() and not c.isascii() for c in text) else ""
