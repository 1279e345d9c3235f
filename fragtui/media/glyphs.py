"""Glyphs drawn as geometry, so they fill their cells exactly whatever font a viewer has.

`BLOCKS` maps block and shade elements to rectangles in cell fractions, `(x0, y0, x1, y1, ink)`:
ink 1 is the foreground, a shade's ink (0.25, 0.5, 0.75) is the foreground blended over the
background by that much. `BOXES` maps box-drawing characters to their four arms (left, right,
up, down), each NONE, LIGHT, HEAVY or DOUBLE, read from the characters' Unicode names so the
whole block U+2500–U+257F is covered; `ARCS` are the rounded corners. Dashed and diagonal box
characters are left to the font.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

NONE, LIGHT, HEAVY, DOUBLE = 0, 1, 2, 3


class Arms(NamedTuple):
    left: int
    right: int
    up: int
    down: int


Rect = tuple[float, float, float, float, float]

_E = 1 / 8
BLOCKS: dict[str, tuple[Rect, ...]] = {
    "█": ((0, 0, 1, 1, 1),),
    "▀": ((0, 0, 1, 0.5, 1),),
    "▄": ((0, 0.5, 1, 1, 1),),
    "▌": ((0, 0, 0.5, 1, 1),),
    "▐": ((0.5, 0, 1, 1, 1),),
    "▔": ((0, 0, 1, _E, 1),),
    "▕": ((1 - _E, 0, 1, 1, 1),),
    "░": ((0, 0, 1, 1, 0.25),),
    "▒": ((0, 0, 1, 1, 0.5),),
    "▓": ((0, 0, 1, 1, 0.75),),
    "▖": ((0, 0.5, 0.5, 1, 1),),
    "▗": ((0.5, 0.5, 1, 1, 1),),
    "▘": ((0, 0, 0.5, 0.5, 1),),
    "▝": ((0.5, 0, 1, 0.5, 1),),
    "▙": ((0, 0, 0.5, 1, 1), (0.5, 0.5, 1, 1, 1)),
    "▚": ((0, 0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1, 1)),
    "▛": ((0, 0, 1, 0.5, 1), (0, 0.5, 0.5, 1, 1)),
    "▜": ((0, 0, 1, 0.5, 1), (0.5, 0.5, 1, 1, 1)),
    "▞": ((0.5, 0, 1, 0.5, 1), (0, 0.5, 0.5, 1, 1)),
    "▟": ((0.5, 0, 1, 0.5, 1), (0, 0.5, 1, 1, 1)),
}
for _k in range(1, 8):
    BLOCKS[chr(0x2581 + _k - 1)] = ((0, 1 - _k * _E, 1, 1, 1),)  # ▁ ▂ ▃ ▄ ▅ ▆ ▇: lower k eighths
    BLOCKS[chr(0x258F - _k + 1)] = ((0, 0, _k * _E, 1, 1),)  # ▏ ▎ ▍ ▌ ▋ ▊ ▉: left k eighths

_WEIGHTS = {"LIGHT": LIGHT, "SINGLE": LIGHT, "HEAVY": HEAVY, "DOUBLE": DOUBLE}
_DIRECTIONS = {"LEFT": (0,), "RIGHT": (1,), "UP": (2,), "DOWN": (3,), "HORIZONTAL": (0, 1), "VERTICAL": (2, 3)}


def _arms_from_name(name: str) -> Arms | None:
    """'BOX DRAWINGS DOWN LIGHT AND RIGHT HEAVY' -> Arms(0, 2, 0, 1); None when not arms alone."""
    words = name.removeprefix("BOX DRAWINGS ").replace("ARC ", "").split()
    if any(word not in _WEIGHTS and word not in _DIRECTIONS and word != "AND" for word in words):
        return None  # dashes, diagonals
    arms = [NONE] * 4
    weight_first = words[0] in _WEIGHTS
    current = NONE
    pending: list[int] = []
    for word in words:
        if word in _WEIGHTS:
            if weight_first:
                current = _WEIGHTS[word]
            else:
                for i in pending:
                    arms[i] = _WEIGHTS[word]
                pending = []
        elif word in _DIRECTIONS:
            if weight_first:
                for i in _DIRECTIONS[word]:
                    arms[i] = current
            else:
                pending.extend(_DIRECTIONS[word])
    return Arms(*arms) if any(arms) else None


BOXES: dict[str, Arms] = {}
for _code in range(0x2500, 0x2580):
    _char = chr(_code)
    _arms = _arms_from_name(unicodedata.name(_char, ""))
    if _arms is not None:
        BOXES[_char] = _arms
ARCS = frozenset("╭╮╯╰")


def is_geometry(char: str) -> bool:
    return char in BLOCKS or char in BOXES
