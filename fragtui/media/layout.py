"""A row of cells as drawing primitives, in cell units; the SVG and GIF renderers share it.

Adjacent cells that draw alike are merged: one background rectangle per run of equal
background, one rectangle per run of equal block glyphs (a row of `▀` in one colour is one
rectangle), one text run per stretch of words in one style (single spaces kept inside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from fragtui.media.frame import RGB, WIDE_TAIL, Cell, blend
from fragtui.media.graphemes import is_cluster
from fragtui.media.glyphs import ARCS, BLOCKS, BOXES, Arms


@dataclass(slots=True)
class Text:
    x: int  # first cell
    cells: int  # how many cells the text covers (wide characters count two)
    text: str
    fg: RGB
    bold: bool
    italic: bool


@dataclass(slots=True)
class Paint:
    """What to draw for cells [x0, x1) of one row, painted in this order."""

    backgrounds: list[tuple[int, int, RGB]] = field(default_factory=list)  # (x0, x1, colour)
    blocks: list[tuple[float, float, float, float, RGB]] = field(default_factory=list)  # (x0, x1, y0, y1)
    boxes: list[tuple[int, Arms, bool, RGB]] = field(default_factory=list)  # (x, arms, is_arc, colour)
    lines: list[tuple[int, int, str, RGB]] = field(default_factory=list)  # (x0, x1, "underline"|"strike", colour)
    texts: list[Text] = field(default_factory=list)


def paint_row(cells: Sequence[Cell], x0: int = 0, x1: int | None = None, *, skip_bg: RGB | None = None) -> Paint:
    """The primitives for cells[x0:x1]; backgrounds equal to `skip_bg` are left out (the canvas has them)."""
    x1 = len(cells) if x1 is None else x1
    paint = Paint()
    backgrounds, blocks, lines = paint.backgrounds, paint.blocks, paint.lines
    run: Text | None = None
    gap = 0  # spaces seen since the text run's last character
    for x in range(x0, x1):
        char, style = cells[x]
        fg, bg = style.fg, style.bg
        if bg != skip_bg:
            if backgrounds and backgrounds[-1][1] == x and backgrounds[-1][2] == bg:
                backgrounds[-1] = (backgrounds[-1][0], x + 1, bg)
            else:
                backgrounds.append((x, x + 1, bg))
        if style.underline or style.strike:
            for kind, on in (("underline", style.underline), ("strike", style.strike)):
                if on:
                    if lines and lines[-1][1] == x and lines[-1][2] == kind and lines[-1][3] == fg:
                        lines[-1] = (lines[-1][0], x + 1, kind, fg)
                    else:
                        lines.append((x, x + 1, kind, fg))
        if char == WIDE_TAIL:  # the second cell of a wide character
            if run is not None and gap == 0:
                run.cells += 1
            else:
                gap += 1
            continue
        if char == " ":
            gap += 1
            continue
        rects = BLOCKS.get(char)
        if rects is not None:
            for fx0, fy0, fx1, fy1, ink in rects:
                colour = fg if ink == 1 else blend(bg, fg, ink)
                if colour == bg:
                    continue
                left, right = x + fx0, x + fx1
                for i in range(len(blocks) - 1, -1, -1):  # merge with a rectangle ending here
                    b = blocks[i]
                    if b[1] == left and b[2] == fy0 and b[3] == fy1 and b[4] == colour:
                        blocks[i] = (b[0], right, fy0, fy1, colour)
                        break
                    if b[1] < left:
                        blocks.append((left, right, fy0, fy1, colour))
                        break
                else:
                    blocks.append((left, right, fy0, fy1, colour))
            gap = 2  # geometry ends a text run
            continue
        arms = BOXES.get(char)
        if arms is not None:
            paint.boxes.append((x, arms, char in ARCS, fg))
            gap = 2
            continue
        if not char.isprintable() and not is_cluster(char):
            gap += 1
            continue
        if run is not None and gap <= 1 and run.fg == fg and run.bold == style.bold and run.italic == style.italic:
            run.text += " " * gap + char
            run.cells += gap + 1
        else:
            run = Text(x, 1, char, fg, style.bold, style.italic)
            paint.texts.append(run)
        gap = 0
    return paint


def changed_spans(old: Sequence[Cell], new: Sequence[Cell], join: int = 6) -> list[tuple[int, int]]:
    """The cell ranges [x0, x1) where two rows differ; ranges closer than `join` cells become one,
    and each range is widened to whole words so no text run is redrawn in part."""
    spans: list[list[int]] = []
    for x, (a, b) in enumerate(zip(old, new)):
        if a != b:
            if spans and x - spans[-1][1] < join:
                spans[-1][1] = x + 1
            else:
                spans.append([x, x + 1])
    width = len(new)

    def wordy(x: int) -> bool:
        return old[x].char != " " or new[x].char != " "

    out: list[tuple[int, int]] = []
    for x0, x1 in spans:
        while x0 > 0 and wordy(x0 - 1) and not _geometry(old[x0 - 1].char) and not _geometry(new[x0 - 1].char):
            x0 -= 1
        while x1 < width and wordy(x1) and not _geometry(old[x1].char) and not _geometry(new[x1].char):
            x1 += 1
        if out and x0 <= out[-1][1]:
            out[-1] = (out[-1][0], max(x1, out[-1][1]))
        else:
            out.append((x0, x1))
    return out


def _geometry(char: str) -> bool:
    return char in BLOCKS or char in BOXES
