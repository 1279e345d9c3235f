"""A reader for the BDF bitmap fonts shipped in `fonts/`, giving each glyph as a cell-sized mask.

Pillow's own `BdfFontFile` keeps only code points below 256, and the screen needs `│ · → ≤ …`,
so this small reader is used instead. It needs nothing outside the standard library.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONTS = Path(__file__).with_name("fonts")


class BitmapFont:
    """A fixed-cell font: `glyph(char)` is the character's cell as `width * height` bytes, 0 or 255."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.width = self.height = self.ascent = 0
        self.bitmaps: dict[int, tuple[int, int, int, int, list[int]]] = {}
        self._cells: dict[str, bytes | None] = {}
        self._parse(path.read_text(encoding="latin-1").splitlines())

    def _parse(self, lines: list[str]) -> None:
        code = -1
        box = (0, 0, 0, 0)
        rows: list[int] | None = None
        for line in lines:
            key, _, value = line.partition(" ")
            if rows is not None:
                if key == "ENDCHAR":
                    self.bitmaps[code] = (*box, rows)
                    rows = None
                else:
                    rows.append(int(key, 16))
            elif key == "ENCODING":
                code = int(value)
            elif key == "BBX":
                w, h, x, y = map(int, value.split())
                box = (w, h, x, y)
            elif key == "BITMAP":
                rows = []
            elif key == "FONTBOUNDINGBOX":
                self.width, self.height = map(int, value.split()[:2])
            elif key == "FONT_ASCENT":
                self.ascent = int(value)
        if not (self.width and self.height and self.ascent):
            raise ValueError(f"{self.path}: not a fixed-cell BDF font")

    def __contains__(self, char: str) -> bool:
        return ord(char) in self.bitmaps

    def glyph(self, char: str) -> bytes | None:
        """The cell for `char` (0 background, 255 ink), or None when the font lacks it."""
        if char in self._cells:
            return self._cells[char]
        found = self.bitmaps.get(ord(char))
        cell = None
        if found is not None:
            w, h, x, y, rows = found
            pixels = bytearray(self.width * self.height)
            pad = (w + 7) // 8 * 8
            top = self.ascent - (y + h)
            for i, row in enumerate(rows):
                py = top + i
                if not 0 <= py < self.height:
                    continue
                for j in range(w):
                    if row >> (pad - 1 - j) & 1:
                        px = x + j
                        if 0 <= px < self.width:
                            pixels[py * self.width + px] = 255
            cell = bytes(pixels)
        self._cells[char] = cell
        return cell


@lru_cache(maxsize=None)
def load(name: str) -> BitmapFont:
    """A font shipped in `fonts/`, by file stem (e.g. "7x14")."""
    return BitmapFont(FONTS / f"{name}.bdf")
