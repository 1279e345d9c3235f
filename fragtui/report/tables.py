"""How reports lay numbers out: one table of a label and values, columns as wide as their values."""

from __future__ import annotations

import json


def columns(table: list[tuple[str, list[str]]], label_min: int = 0, value_min: int = 0) -> list[str]:
    """Rows of (label, values) as text: labels left-aligned, every column right-aligned as wide
    as its widest value plus two (at least `value_min`), the labels at least `label_min` wide."""
    label_width = max(label_min, *(len(label) for label, _ in table))
    count = max(len(values) for _, values in table)
    widths = [max(value_min, max(len(values[i]) for _, values in table if i < len(values)) + 2) for i in range(count)]
    return [(f"{label:<{label_width}}" + "".join(f"{v:>{w}}" for v, w in zip(values, widths))).rstrip()
            for label, values in table]


def members(data: dict[str, object]) -> str:
    """`data`'s members as they sit inside a JSON object indented by one space."""
    return json.dumps(data, indent=1)[2:-2]
