"""Frames as the bytes a terminal is sent: for asciicast recordings.

Each row is written after a cursor move, every run with its colours as truecolor SGR, so a
recording plays the same in any terminal that asciinema supports. After the first frame only
the cells that changed since the previous frame are written.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from fragtui.media.frame import WIDE_TAIL, CellStyle, Frame, Row
from fragtui.media.graphemes import spelt

HIDE_CURSOR_AND_CLEAR = "\x1b[?25l\x1b[2J"
SHOW_CURSOR = "\x1b[?25h"
RESET = "\x1b[0m"


@lru_cache(maxsize=4096)
def sgr(style: CellStyle) -> str:
    """The escape sequence that sets `style` from any previous one."""
    codes = ["0", "38;2;%d;%d;%d" % style.fg, "48;2;%d;%d;%d" % style.bg]
    for on, code in ((style.bold, "1"), (style.italic, "3"), (style.underline, "4"), (style.strike, "9")):
        if on:
            codes.append(code)
    return f"\x1b[{';'.join(codes)}m"


@lru_cache(maxsize=16384)
def sgr_change(before: CellStyle | None, style: CellStyle) -> str:
    """The shortest escape that turns `before`'s style into `style`: only the colours that
    differ, unless an attribute must be switched off (then all of `style`)."""
    flags = ("bold", "italic", "underline", "strike")
    if before is None or any(getattr(before, f) and not getattr(style, f) for f in flags):
        return sgr(style)
    codes = []
    if style.fg != before.fg:
        codes.append("38;2;%d;%d;%d" % style.fg)
    if style.bg != before.bg:
        codes.append("48;2;%d;%d;%d" % style.bg)
    codes += [code for f, code in zip(flags, ("1", "3", "4", "9")) if getattr(style, f) and not getattr(before, f)]
    return f"\x1b[{';'.join(codes)}m" if codes else ""


def ansi_row(row: Row) -> str:
    return "".join(sgr(style) + spelt(text.replace(WIDE_TAIL, "")) for text, style in row) + RESET


def ansi_update(frame: Frame, previous: Frame | None) -> str:
    """What to send to turn a terminal showing `previous` (None: anything) into `frame`: the
    runs of cells that changed, and no more (a recording stores what changed, not repaints:
    the paper scenario's 301 frames in about a megabyte)."""
    if previous is None or (previous.width, previous.height) != (frame.width, frame.height):
        return HIDE_CURSOR_AND_CLEAR + "".join(_at(y, row) for y, row in enumerate(frame.rows))
    runs = [run for y, (row, old) in enumerate(zip(frame.rows, previous.rows)) if row != old
            for run in _runs(y, row, old)]
    # Runs that start in the same colours are written together: each colour set once, not at
    # every switch between the pools and the sidebar's text.
    runs.sort(key=lambda run: (run.cells[0][1].bg, run.cells[0][1].fg, run.y, run.x))
    out: list[str] = []
    style: CellStyle | None = None  # the terminal's colours now: a cursor move keeps them
    for run in runs:
        out.append(f"\x1b[{run.y + 1};{run.x + 1}H")
        for char, cell_style in run.cells:
            if char == WIDE_TAIL:
                continue
            if style is not None:
                char, cell_style = _cheapest(char, cell_style, style)
            if cell_style != style:
                out.append(sgr_change(style, cell_style))
                style = cell_style
            out.append(spelt(char))
    return "".join(out) + (RESET if out else "")


def _at(y: int, row: Row) -> str:
    return f"\x1b[{y + 1};1H{ansi_row(row)}"


SOLID = frozenset("▀▄█")  # glyphs that fill their cell where foreground and background agree
GAP = 8  # unchanged cells between two changed runs cheaper to rewrite than to jump over


def _cheapest(char: str, cell: CellStyle, now: CellStyle) -> tuple[str, CellStyle]:
    """The same cell drawn with the fewest colour changes from the terminal's `now`: a half
    block of one colour is a space on it (or a full block in it, if that is the colour now);
    an upper half block may be a lower one with the colours swapped."""
    if char in SOLID and cell.fg == cell.bg:
        if now.fg == cell.fg and now.bg != cell.bg:
            return "█", cell._replace(bg=now.bg)
        return " ", cell._replace(fg=now.fg)
    if char == "▀":
        swapped = cell._replace(fg=cell.bg, bg=cell.fg)
        if _differences(swapped, now) < _differences(cell, now):
            return "▄", swapped
    return char, cell


def _differences(style: CellStyle, now: CellStyle) -> int:
    return (style.fg != now.fg) + (style.bg != now.bg)


class _Run(NamedTuple):
    y: int
    x: int
    cells: list[tuple[str, CellStyle]]


def _runs(y: int, row: Row, old: Row) -> list[_Run]:
    """The runs of cells of `row` that differ from `old`, runs closer than GAP joined."""
    new_cells = [(char, style) for text, style in row for char in text]
    old_cells = [(char, style) for text, style in old for char in text]
    changed = [x for x, (a, b) in enumerate(zip(new_cells, old_cells)) if a != b]
    runs, start = [], 0
    while start < len(changed):
        end = start
        while end + 1 < len(changed) and changed[end + 1] - changed[end] <= GAP:
            end += 1
        low, high = changed[start], changed[end] + 1
        if new_cells[low][0] == WIDE_TAIL or old_cells[low][0] == WIDE_TAIL:
            low -= 1  # (from a wide character's first cell: the tail is not a place to write)
        if high < len(new_cells) and new_cells[high][0] == WIDE_TAIL:
            high += 1
        runs.append(_Run(y, low, new_cells[low:high]))
        start = end + 1
    return runs
