"""Make the shipped font files: a subset of a BDF font, each glyph cropped to its ink.

    pcf2bdf -o 7x14.bdf <(zcat /usr/share/fonts/X11/misc/7x14.pcf.gz)   # Debian: xfonts-base, pcf2bdf
    python fragtui/media/fonts/subset_bdf.py 7x14.bdf fragtui/media/fonts/7x14.bdf

Not imported by fragtui; kept so the fonts can be made again (or another size added).
"""

from __future__ import annotations

import sys

RANGES = [
    (0x20, 0x7E), (0xA0, 0x17F),  # ASCII, Latin-1, Latin Extended-A
    (0x391, 0x3C9),  # Greek
    (0x2010, 0x203A), (0x20AC, 0x20AC),  # punctuation, euro
    (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2300, 0x23FF),  # arrows, mathematics, technical
    (0x2500, 0x25FF), (0x2600, 0x26FF), (0x2700, 0x27BF),  # box drawing, blocks, shapes, symbols
    (0xFFFD, 0xFFFD),  # replacement character
]


def wanted(code: int) -> bool:
    return any(a <= code <= b for a, b in RANGES)


def crop(width: int, height: int, x: int, y: int, rows: list[int]) -> tuple[int, int, int, int, list[int]]:
    """Drop blank rows and columns around the ink (rows are ints, bit `width - 1` the leftmost)."""
    ink = [i for i, row in enumerate(rows) if row]
    if not ink:
        return 0, 0, 0, 0, []
    top, bottom = ink[0], ink[-1]
    used = 0
    for row in rows:
        used |= row
    left = width - used.bit_length()  # leftmost inked column
    right = (used & -used).bit_length() - 1  # rightmost inked column, counted from the right
    new_width = width - left - right
    new_rows = [row >> right for row in rows[top : bottom + 1]]
    return new_width, bottom - top + 1, x + left, y + (height - 1 - bottom), new_rows


def main(source: str, target: str) -> None:
    lines = open(source, encoding="latin-1").read().splitlines()
    header: list[str] = []
    glyphs: list[list[str]] = []
    i = 0
    while not lines[i].startswith("CHARS "):
        header.append(lines[i])
        i += 1
    i += 1
    while i < len(lines):
        if lines[i].startswith("STARTCHAR"):
            name = lines[i]
            props: dict[str, str] = {}
            i += 1
            while lines[i] != "BITMAP":
                key, _, value = lines[i].partition(" ")
                props[key] = value
                i += 1
            i += 1
            bits = []
            while lines[i] != "ENDCHAR":
                bits.append(lines[i])
                i += 1
            code = int(props["ENCODING"])
            if wanted(code):
                w, h, x, y = map(int, props["BBX"].split())
                pad = (w + 7) // 8 * 8
                rows = [int(b, 16) >> (pad - w) for b in bits]
                w, h, x, y, rows = crop(w, h, x, y, rows)
                out_pad = (w + 7) // 8 * 8
                hex_rows = [f"{row << (out_pad - w):0{out_pad // 4}X}" for row in rows]
                glyphs.append(
                    [name, f"ENCODING {code}", f"SWIDTH {props['SWIDTH']}", f"DWIDTH {props['DWIDTH']}",
                     f"BBX {w} {h} {x} {y}", "BITMAP", *hex_rows, "ENDCHAR"]
                )
        i += 1
    body = [line for glyph in glyphs for line in glyph]
    text = "\n".join([*header, f"CHARS {len(glyphs)}", *body, "ENDFONT", ""])
    open(target, "w", encoding="latin-1").write(text)
    print(f"{target}: {len(glyphs)} glyphs, {len(text):,} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:3])
