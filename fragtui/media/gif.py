"""Frames as an animated GIF, rasterized cell by cell with a shipped bitmap font.

Every cell is `font.width` × `font.height` pixels (7 × 14 with the default font, so a 160×50
screen is 1120×700; `scale` multiplies that). Backgrounds, block and shade glyphs and box lines
are filled rectangles on pixel boundaries (a half block is exactly 7 of 14 rows), text is the
font's glyphs, bold from the bold font where it has the glyph (else drawn twice, one pixel
apart). One global palette holds every colour of every frame. A frame is redrawn only in the
rows that changed, and is stored as the box around the pixels that changed, with the unchanged
ones inside it transparent (disposal "do not dispose"), so a step that changes a few rows costs a
few hundred bytes. Frames are encoded one at a time with Pillow's GIF encoder (`getheader`,
`getdata`), so memory does not grow with the number of frames.
"""

from __future__ import annotations

from types import ModuleType

import io
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from rich.cells import get_character_cell_size

from fragtui.files import write_bytes
from fragtui.media.bitmap_font import FONTS, BitmapFont, load
from fragtui.media.frame import RGB, Frame, blend, merge_repeats
from fragtui.media.glyphs import BLOCKS, DOUBLE, HEAVY, Arms, is_geometry
from fragtui.media.graphemes import clusters
from fragtui.media.layout import paint_row
from fragtui.sim.errors import FragtuiError

if TYPE_CHECKING:
    from PIL.Image import Image

INSTALL_HINT = "pip install 'fragtui[media]'"
MIN_DELAY_MS = 20  # browsers show shorter GIF delays as 100 ms


def require_pillow() -> None:
    """Fail now, with the one line that names the extra, if GIF output could not be written."""
    _pillow()


def _pillow() -> ModuleType:
    try:
        from PIL import Image
    except ImportError:
        raise FragtuiError(f"GIF output needs Pillow, which is not installed: {INSTALL_HINT}") from None
    return Image


def undrawable(text: str, font: str = "7x14") -> list[str]:
    """The characters of `text` (grapheme clusters) a GIF in `font` cannot draw: one its font
    lacks and no geometry stands for, or a cluster of several code points (a bitmap cell holds one)."""
    glyphs = load(font)
    return [c for c in clusters(text) if len(c) > 1 or not (c == " " or c in glyphs or is_geometry(c))]


def gif_bytes(
    frames: Sequence[Frame], durations_seconds: Sequence[float], *, scale: int = 1, font: str = "7x14"
) -> bytes:
    """The GIF of `frames`, each shown for its duration (to 10 ms, at least 20 ms), looping forever.

    Consecutive equal frames are merged. Raises FragtuiError naming the extra when Pillow is missing.
    """
    return _encode(frames, durations_seconds, scale, font)[0]


def write_gif(
    frames: Sequence[Frame], durations_seconds: Sequence[float], path: str | Path, *, scale: int = 1, font: str = "7x14"
) -> int:
    """Write the GIF of `frames` to `path` (see `gif_bytes`); returns the number of frames written."""
    data, count = _encode(frames, durations_seconds, scale, font)
    write_bytes(str(path), data)  # beside it, then renamed over it: a failed write loses nothing
    return count


def _encode(frames: Sequence[Frame], durations_seconds: Sequence[float], scale: int, font: str) -> tuple[bytes, int]:
    pil = _pillow()
    from PIL import GifImagePlugin, ImageChops

    frames, durations = merge_repeats(frames, durations_seconds)
    if not frames:
        raise ValueError("a GIF needs at least one frame")
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a whole number ≥ 1, got {scale!r}")
    first = frames[0]
    for frame in frames[1:]:
        if (frame.width, frame.height) != (first.width, first.height):
            raise ValueError(f"frame of {frame.width}×{frame.height} in a GIF of {first.width}×{first.height}")
    raster = _Raster(load(font), load(font + "B") if _has_font(font + "B") else None, _palette(frames))
    palette, transparent = raster.palette_bytes()
    unchanged_to_mask = [255, *(0,) * 255]  # a zero difference (same palette index) -> masked

    def as_p(image: Image) -> Image:
        if scale > 1:
            image = image.resize((image.width * scale, image.height * scale), pil.NEAREST)
        out = pil.frombytes("P", image.size, image.tobytes())
        out.putpalette(palette)
        return out

    out = io.BytesIO()
    pending: list = []  # the last frame, written once its duration is final: [image, offset, milliseconds]
    count = 0
    clock = [0.0, 0]  # exact milliseconds so far, milliseconds written so far

    def flush() -> None:
        """Write the pending frame. Its delay (GIF counts hundredths of a second) is rounded so
        that the frames' ends, not each delay, land on the nearest 10 ms: no drift over many frames."""
        image, offset, ms = pending
        clock[0] += ms
        delay = max(MIN_DELAY_MS, round(clock[0] / 10) * 10 - clock[1])
        clock[1] += delay
        params = {"duration": delay, "disposal": 1, "transparency": transparent}
        out.write(b"".join(GifImagePlugin.getdata(image, offset=offset, **params)))

    previous_frame: Frame | None = None
    previous: Image | None = None
    for frame, seconds in zip(frames, durations):
        image = raster.draw(frame, previous_frame, previous)  # "L": palette indices
        if previous is None:
            full = as_p(image)
            header, _ = GifImagePlugin.getheader(full, None, {"loop": 0, "transparency": transparent})
            out.write(b"".join(header))
            pending[:] = [full, (0, 0), seconds * 1000]
        else:
            delta = ImageChops.difference(image, previous)
            box = delta.getbbox()
            if box is None:  # drew the same pixels (a difference nothing shows): a longer previous frame
                pending[2] += seconds * 1000
            else:
                flush()
                count += 1
                part = image.crop(box)
                part.paste(transparent, mask=delta.crop(box).point(unchanged_to_mask, "1"))
                pending[:] = [as_p(part), (box[0] * scale, box[1] * scale), seconds * 1000]
        previous_frame, previous = frame, image
    flush()
    count += 1
    out.write(b";")
    return out.getvalue(), count


def _has_font(name: str) -> bool:
    return (FONTS / f"{name}.bdf").is_file()


SHADES = {char: rects[0][4] for char, rects in BLOCKS.items() if rects[0][4] != 1}


def _palette(frames: Sequence[Frame]) -> dict[RGB, int]:
    """Every colour the frames draw, in order of first use (past 255, `_Raster.index` maps to the nearest)."""
    colours: dict[RGB, int] = {}
    for frame in frames:
        colours.setdefault(frame.background, len(colours))
        for row in frame.rows:
            for text, style in row:
                colours.setdefault(style.bg, len(colours))
                colours.setdefault(style.fg, len(colours))
                if not text.isascii():
                    for char in set(text) & SHADES.keys():
                        colours.setdefault(blend(style.bg, style.fg, SHADES[char]), len(colours))
    return colours


class _Raster:
    def __init__(self, font: BitmapFont, bold: BitmapFont | None, colours: dict[RGB, int]) -> None:
        self._Image = _pillow()
        self.font, self.bold = font, bold
        self.cw, self.ch = font.width, font.height
        self.colours = colours
        self._nearest: dict[RGB, int] = {}
        self._masks: dict[tuple[str, bool], Image] = {}
        self._glyphs: dict[tuple[str, bool], Image | None] = {}

    def index(self, colour: RGB) -> int:
        found = self.colours.get(colour)
        if found is not None and found < 255:
            return found
        if colour not in self._nearest:  # more than 255 colours: the nearest of the first 255
            kept = [c for c, i in self.colours.items() if i < 255]
            self._nearest[colour] = self.colours[min(kept, key=lambda c: sum((a - b) ** 2 for a, b in zip(c, colour)))]
        return self._nearest[colour]

    def palette_bytes(self) -> tuple[bytes, int]:
        """The palette, and the index of an extra, unused entry used for transparency."""
        kept = sorted(((i, c) for c, i in self.colours.items() if i < 255))
        used = {c for _, c in kept}
        spare = (255, 0, 255)
        while spare in used:
            spare = (spare[0], spare[1] + 1, spare[2])
        data = b"".join(bytes(c) for _, c in kept) + bytes(spare)
        return data, len(kept)

    def draw(self, frame: Frame, previous: Frame | None, image: Image | None) -> Image:
        """`frame` as an "L" image of palette indices: the previous frame's image, copied and
        redrawn in the rows that changed."""
        if previous is None or image is None:
            image = self._Image.new("L", (frame.width * self.cw, frame.height * self.ch), self.index(frame.background))
            changed: Iterable[int] = range(frame.height)
        else:
            image = image.copy()
            changed = [y for y in range(frame.height) if frame.rows[y] != previous.rows[y]]
        for y in changed:
            self._row(image, frame, y)
        return image

    def _row(self, image: Image, frame: Frame, y: int) -> None:
        cw, ch = self.cw, self.ch
        top = y * ch
        fill = image.paste
        idx = self.index
        fill(idx(frame.background), (0, top, image.width, top + ch))
        paint = paint_row(frame.row_cells(y), skip_bg=frame.background)
        for x0, x1, colour in paint.backgrounds:
            fill(idx(colour), (x0 * cw, top, x1 * cw, top + ch))
        for left, right, fy0, fy1, colour in paint.blocks:
            fill(idx(colour), (_px(left * cw), top + _px(fy0 * ch), _px(right * cw), top + _px(fy1 * ch)))
        for x, arms, is_arc, colour in paint.boxes:
            for box in self._box(x * cw, top, arms, is_arc):
                fill(idx(colour), box)
        for x0, x1, kind, colour in paint.lines:
            at = top + (ch - 1 if kind == "underline" else ch // 2)
            fill(idx(colour), (x0 * cw, at, x1 * cw, at + 1))
        for run in paint.texts:
            mask = self._mask(run.text, run.bold, run.cells)
            image.paste(idx(run.fg), (run.x * cw, top, run.x * cw + mask.width, top + ch), mask)

    def _box(self, left: int, top: int, arms: Arms, is_arc: bool) -> list[tuple[int, int, int, int]]:
        """Pixel rectangles for a box-drawing character: 1-pixel lines through the cell's centre
        pixel (2 for heavy, two 1-pixel lines for double); rounded corners step diagonally."""
        cw, ch = self.cw, self.ch
        cx, cy = left + cw // 2, top + ch // 2
        right, bottom = left + cw, top + ch
        if is_arc:  # the shape of the font's own ╭: along, one diagonal pixel, then down
            hx0, hx1 = (cx + 2, right) if arms.right else (left, cx - 1)
            vy0, vy1 = (cy + 2, bottom) if arms.down else (top, cy - 1)
            dx = cx + 1 if arms.right else cx - 1
            dy = cy + 1 if arms.down else cy - 1
            return [(hx0, cy, hx1, cy + 1), (cx, vy0, cx + 1, vy1), (dx, dy, dx + 1, dy + 1)]
        out = []
        for weight, horizontal, lo, hi in (
            (arms.left, True, left, cx + 1),
            (arms.right, True, cx, right),
            (arms.up, False, top, cy + 1),
            (arms.down, False, cy, bottom),
        ):
            if not weight:
                continue
            centre = cy if horizontal else cx
            lines = [(centre - 1, centre + 1)] if weight == HEAVY else [(centre - 1, centre), (centre + 1, centre + 2)] if weight == DOUBLE else [(centre, centre + 1)]
            for a, b in lines:
                out.append((lo, a, hi, b) if horizontal else (a, lo, b, hi))
        return out

    def _mask(self, text: str, bold: bool, cells: int) -> Image:
        """An "L" mask of a text run: 255 where its glyphs have ink."""
        key = (text, bold)
        mask = self._masks.get(key)
        if mask is None:
            cw, ch = self.cw, self.ch
            mask = self._Image.new("L", (cells * cw, ch), 0)
            x = 0
            for char in text:
                glyph = self._glyph(char, bold)
                if glyph is not None:
                    mask.paste(255, (x, 0, x + cw, ch), glyph)
                x += cw * (2 if _wide(char) else 1)
            if len(self._masks) > 4096:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def _glyph(self, char: str, bold: bool) -> Image | None:
        """The glyph's cell as an "L" mask; bold from the bold font, or drawn twice a pixel
        apart where it lacks the glyph; a missing glyph is the font's replacement character."""
        key = (char, bold)
        if key in self._glyphs:
            return self._glyphs[key]
        cw, ch = self.cw, self.ch
        if bold and self.bold is not None and char in self.bold:
            cell = self.bold.glyph(char)
            doubled = False
        else:
            cell = self.font.glyph(char) if char in self.font else self.font.glyph("\ufffd")
            doubled = bold
        image = None
        if cell is not None:
            image = self._Image.frombytes("L", (cw, ch), cell)
            if doubled:
                image.paste(255, (1, 0, cw, ch), image.crop((0, 0, cw - 1, ch)))
        self._glyphs[key] = image
        return image


def _wide(char: str) -> bool:
    return get_character_cell_size(char) == 2


def _px(value: float) -> int:
    """A pixel boundary: halves round up, so a 14-pixel cell splits 7 + 7 and 1/8 of it is 2."""
    return int(value + 0.5)
