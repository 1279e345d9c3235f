"""Frames as the bytes a terminal is sent: for asciicast recordings.

Each row is written after a cursor move, every run with its colours as truecolor SGR, so a
recording plays the same in any terminal that asciinema supports. Only the rows that changed
since the previous frame are written.
"""

from __future__ import annotations

from functools import lru_cache

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


def ansi_row(row: Row) -> str:
    return "".join(sgr(style) + spelt(text.replace(WIDE_TAIL, "")) for text, style in row) + RESET


def ansi_update(frame: Frame, previous: Frame | None) -> str:
    """What to send to turn a terminal showing `previous` (None: anything) into `frame`."""
    if previous is None or (previous.width, previous.height) != (frame.width, frame.height):
        return HIDE_CURSOR_AND_CLEAR + "".join(_at(y, row) for y, row in enumerate(frame.rows))
    return "".join(_at(y, row) for y, (row, old) in enumerate(zip(frame.rows, previous.rows)) if row != old)


def _at(y: int, row: Row) -> str:
    return f"\x1b[{y + 1};1H{ansi_row(row)}"
