"""Frames as SVG that needs no network and no particular font.

Backgrounds, block and shade glyphs and box-drawing lines are geometry (`<path>` rectangles,
stroked arcs for rounded corners), so the grid is exact in any viewer. Other text is `<text>`
in the generic monospace family, each run with `textLength` and
`lengthAdjust="spacingAndGlyphs"`, so it occupies exactly its cells whatever font the viewer
substitutes, and clipped to its row as a terminal would (a glyph's ink never strays into the
row above or below). Rectangles of one colour share one `<path>`; texts of one style in one row
share one `<g>`. Class names, keyframes and ids carry a hash of the document, so several of
these SVGs can be inlined in one HTML page without their styles colliding.

`svg_animation` plays frames with CSS alone (no script, so it animates where an SVG is shown
as an image, as on a repository page): the first frame is drawn in full; every later frame is
an overlay of only the cell ranges that changed since the frame before it, and overlay k is
shown from frame k's start to the end of the loop by its own `@keyframes` (opacity 0 → 1 at
that instant, `step-end` timing, `infinite`). Overlays are opaque and later ones lie on top, so
at any moment the screen is exactly the current frame; when the loop restarts all overlays
hide and the first frame shows again. Where motion is unwanted (`prefers-reduced-motion`) all
overlays show, which is the last frame.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence
import zlib
from xml.sax.saxutils import escape

from fragtui.media.frame import RGB, Frame, merge_repeats
from fragtui.media.glyphs import DOUBLE, HEAVY, Arms
from fragtui.media.graphemes import spelt
from fragtui.media.layout import Paint, changed_spans, paint_row

CELL = (10, 20)  # px per cell in the SVG's own units (it scales as a whole)
PREFIX = "<@>"  # stands for the document's own prefix until it is hashed; never in escaped text
FONT_FAMILY = "ui-monospace,'SF Mono',Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace"


def svg_frame(frame: Frame, *, cell: tuple[int, int] = CELL, font_size: float | None = None, title: str | None = None) -> str:
    """One frame as a standalone SVG document."""
    canvas = _Canvas(frame, cell, font_size)
    body = canvas.draw([(y, canvas.paint(frame, y, skip_bg=frame.background)) for y in range(frame.height)])
    return canvas.document(body, title=title)


def svg_animation(
    frames: Sequence[Frame],
    durations_seconds: Sequence[float],
    *,
    cell: tuple[int, int] = CELL,
    font_size: float | None = None,
    title: str | None = None,
) -> str:
    """Frames shown for their durations, looping forever, as one SVG document (CSS animation, no script).

    Consecutive equal frames are merged. Every frame must have the first frame's size.
    """
    frames, durations = merge_repeats(frames, durations_seconds)
    if not frames:
        raise ValueError("an animation needs at least one frame")
    first = frames[0]
    for frame in frames[1:]:
        if (frame.width, frame.height) != (first.width, first.height):
            raise ValueError(f"frame of {frame.width}×{frame.height} in an animation of {first.width}×{first.height}")
    total = sum(durations)
    if len(frames) > 1 and total <= 0:
        raise ValueError("an animation needs a positive total duration")
    canvas = _Canvas(first, cell, font_size)
    parts = [canvas.draw([(y, canvas.paint(first, y, skip_bg=first.background)) for y in range(first.height)])]
    rules = []
    start = 0.0
    previous_cells = [first.row_cells(y) for y in range(first.height)]
    for k, frame in enumerate(frames[1:], 1):
        start += durations[k - 1]
        paints = []
        for y in range(frame.height):
            if frame.rows[y] == frames[k - 1].rows[y]:
                continue
            cells = frame.row_cells(y)
            for x0, x1 in changed_spans(previous_cells[y], cells):
                paints.append((y, paint_row(cells, x0, x1)))
            previous_cells[y] = cells
        at = _num(100 * start / total, 4)
        rules.append(f"@keyframes {PREFIX}k{k}{{0%{{opacity:0}}{at}%,to{{opacity:1}}}}")
        parts.append(f'<g class="o" style="animation-name:{PREFIX}k{k}">{canvas.draw(paints)}</g>')
    style = ""
    if rules:
        style = (
            f".{PREFIX} .o{{opacity:0;animation-duration:{_num(total, 3)}s;animation-timing-function:step-end;"
            "animation-iteration-count:infinite}"
            + "".join(rules)
            + f"@media (prefers-reduced-motion:reduce){{.{PREFIX} .o{{animation:none;opacity:1}}}}"
        )
    return canvas.document("".join(parts), title=title, style=style)


class _Canvas:
    def __init__(self, frame: Frame, cell: tuple[int, int], font_size: float | None) -> None:
        self.cw, self.ch = cell
        if self.cw <= 0 or self.ch <= 0:
            raise ValueError(f"cell size must be positive, got {cell}")
        self.font_size = font_size if font_size is not None else round(self.ch * 0.8, 2)
        self.baseline = (self.ch - self.font_size) / 2 + 0.78 * self.font_size
        self.width, self.height = frame.width * self.cw, frame.height * self.ch
        self.background = frame.background
        self.light = round(max(1.0, self.cw * 0.12), 2)
        self.clipped_rows: set[int] = set()

    def paint(self, frame: Frame, y: int, skip_bg: RGB | None) -> Paint:
        return paint_row(frame.row_cells(y), skip_bg=skip_bg)

    def document(self, body: str, *, title: str | None, style: str = "") -> str:
        """The SVG around `body`. Its class names, keyframes and ids are unique to its content
        (PREFIX is replaced by a hash), so several can be inlined in one HTML page."""
        w, h = self.width, self.height
        clips = "".join(
            f'<clipPath id="{self._clip_id(y)}"><rect y="{_num(y * self.ch)}" width="{w}" height="{self.ch}"/></clipPath>'
            for y in sorted(self.clipped_rows)
        )
        text = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{PREFIX}" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
            + (f"<title>{escape(title)}</title>" if title else "")
            + f"<style>.{PREFIX} text{{white-space:pre;font-family:{FONT_FAMILY};font-size:{_num(self.font_size)}px}}"
            f".{PREFIX} .r{{shape-rendering:crispEdges}}" + style + "</style>"
            + (f"<defs>{clips}</defs>" if clips else "")
            + f'<rect width="{w}" height="{h}" fill="{_hex(self.background)}"/>'
            + body
            + "</svg>\n"
        )
        return text.replace(PREFIX, "t%08x" % zlib.crc32(text.encode()))

    def _clip_id(self, y: int) -> str:
        return f"{PREFIX}r{y}"

    def draw(self, paints: list[tuple[int, Paint]]) -> str:
        """Everything the painted rows need, in paint order: backgrounds, geometry, arcs, text."""
        cw, ch = self.cw, self.ch
        backgrounds: dict[RGB, list[str]] = defaultdict(list)
        fills: dict[RGB, list[str]] = defaultdict(list)
        arcs: dict[RGB, list[str]] = defaultdict(list)
        texts: dict[tuple[int, RGB, bool, bool], list[str]] = defaultdict(list)
        for y, paint in paints:
            top = y * ch
            for x0, x1, colour in paint.backgrounds:
                backgrounds[colour].append(_rect(x0 * cw, top, (x1 - x0) * cw, ch))
            rects: dict[RGB, list[tuple[float, float, float, float]]] = defaultdict(list)
            for left, right, fy0, fy1, colour in paint.blocks:
                rects[colour].append((left * cw, top + fy0 * ch, (right - left) * cw, (fy1 - fy0) * ch))
            for x, arms, is_arc, colour in paint.boxes:
                if is_arc:
                    arcs[colour].append(self._arc(x * cw, top, arms))
                else:
                    rects[colour].extend(self._box(x * cw, top, arms))
            for x0, x1, kind, colour in paint.lines:
                at = top + (ch - self.light if kind == "underline" else ch / 2 - self.light / 2)
                rects[colour].append((x0 * cw, at, (x1 - x0) * cw, self.light))
            for colour, found in rects.items():
                fills[colour].extend(_rect(*r) for r in _merge(found))
            for run in paint.texts:
                texts[(y, run.fg, run.bold, run.italic)].append(
                    f'<text x="{_num(run.x * cw)}" y="{_num(top + self.baseline)}" textLength="{_num(run.cells * cw)}" '
                    f'lengthAdjust="spacingAndGlyphs">{escape(spelt(run.text))}</text>'
                )
        out = [f'<path class="r" fill="{_hex(c)}" d="{"".join(d)}"/>' for c, d in backgrounds.items()]
        out += [f'<path class="r" fill="{_hex(c)}" d="{"".join(d)}"/>' for c, d in fills.items()]
        out += [
            f'<path fill="none" stroke="{_hex(c)}" stroke-width="{_num(self.light)}" d="{"".join(d)}"/>'
            for c, d in arcs.items()
        ]
        for (y, colour, bold, italic), items in texts.items():  # text is clipped to its row, as in a terminal
            self.clipped_rows.add(y)
            attrs = f' fill="{_hex(colour)}"' + (' font-weight="bold"' if bold else "") + (' font-style="italic"' if italic else "")
            out.append(f'<g{attrs} clip-path="url(#{self._clip_id(y)})">{"".join(items)}</g>')
        return "".join(out)

    def _box(self, left: float, top: float, arms: Arms) -> list[tuple[float, float, float, float]]:
        """Rectangles for a box-drawing character's arms, meeting at the cell centre."""
        cw, ch, t = self.cw, self.ch, self.light
        cx, cy = left + cw / 2, top + ch / 2
        out = []
        for pair, horizontal in (((arms.left, arms.right), True), ((arms.up, arms.down), False)):
            for side, weight in enumerate(pair):
                if not weight:
                    continue
                if side == 1 and pair[0] == weight:
                    continue  # drawn with the left (upper) arm, as one line across the cell
                through = pair[0] == pair[1]
                thick = 2 * t if weight == HEAVY else t
                offsets = (-t, t) if weight == DOUBLE else (0.0,)
                for offset in offsets:
                    if horizontal:
                        x0 = left if side == 0 else cx - thick / 2
                        x1 = left + cw if (side == 1 or through) else cx + thick / 2
                        out.append((x0, cy + offset - thick / 2, x1 - x0, thick))
                    else:
                        y0 = top if side == 0 else cy - thick / 2
                        y1 = top + ch if (side == 1 or through) else cy + thick / 2
                        out.append((cx + offset - thick / 2, y0, thick, y1 - y0))
        return out

    def _arc(self, left: float, top: float, arms: Arms) -> str:
        """A rounded corner (╭ ╮ ╯ ╰) as a stroked path from one cell edge to the other."""
        cw, ch = self.cw, self.ch
        cx, cy, r = left + cw / 2, top + ch / 2, cw / 2
        vertical_end = top + ch if arms.down else top
        if arms.down:  # ╭ ╮: from the side edge round to the bottom edge
            start_x, sweep = (left + cw, 0) if arms.right else (left, 1)
            return f"M{_num(start_x)} {_num(cy)}A{_num(r)} {_num(r)} 0 0 {sweep} {_num(cx)} {_num(cy + r)}V{_num(vertical_end)}"
        end_x, sweep = (left + cw, 0) if arms.right else (left, 1)  # ╰ ╯: from the top edge round to the side
        return f"M{_num(cx)} {_num(top)}V{_num(cy - r)}A{_num(r)} {_num(r)} 0 0 {sweep} {_num(end_x)} {_num(cy)}"


def _merge(rects: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Horizontally touching rectangles of the same height and top become one."""
    rects.sort(key=lambda r: (r[1], r[3], r[0]))
    out: list[tuple[float, float, float, float]] = []
    for r in rects:
        if out and out[-1][1] == r[1] and out[-1][3] == r[3] and abs(out[-1][0] + out[-1][2] - r[0]) < 1e-9:
            last = out[-1]
            out[-1] = (last[0], last[1], r[0] + r[2] - last[0], last[3])
        else:
            out.append(r)
    return out


def _rect(x: float, y: float, w: float, h: float) -> str:
    return f"M{_num(x)} {_num(y)}h{_num(w)}v{_num(h)}h{_num(-w)}z"


def _num(value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _hex(colour: RGB) -> str:
    return "#%02x%02x%02x" % colour
