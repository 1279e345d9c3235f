"""A terminal small enough to read: what the bytes of an asciicast leave on a screen.

It understands what fragtui's recordings send (cursor moves by row and column or forward,
truecolor SGR with bold and friends, clearing, cursor show/hide) and draws wide characters over
two cells. `looks` reduces a cell to what the eye sees: a half block is its two colours, a
space its background, a full block its foreground, so two ways of drawing the same picture
compare equal."""

import re

from fragtui.media.frame import WIDE_TAIL, Frame
from fragtui.media.graphemes import spelt

ESCAPE = re.compile(r"\x1b\[(\??)([0-9;]*)([A-Za-z])")


class Terminal:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.fg, self.bg, self.bold = (255, 255, 255), (0, 0, 0), False
        self.y = self.x = 0
        self.clear()

    def clear(self) -> None:
        self.cells = [[(" ", self.fg, self.bg, False)] * self.width for _ in range(self.height)]

    def feed(self, data: str) -> None:
        at = 0
        for match in ESCAPE.finditer(data):
            self._text(data[at:match.start()])
            self._escape(*match.groups())
            at = match.end()
        self._text(data[at:])

    def _escape(self, private: str, params: str, final: str) -> None:
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        if private:
            return  # cursor show / hide
        if final == "H":
            self.y, self.x = (numbers + [1, 1])[0] - 1, (numbers + [1, 1])[1] - 1
        elif final == "C":
            self.x += numbers[0] if numbers else 1
        elif final == "J":
            self.clear()
        elif final == "m":
            self._sgr(numbers or [0])
        else:
            raise AssertionError(f"an escape this terminal does not know: {final!r}")

    def _sgr(self, codes: list[int]) -> None:
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.fg, self.bg, self.bold = (255, 255, 255), (0, 0, 0), False
            elif code == 1:
                self.bold = True
            elif code in (38, 48):
                assert codes[i + 1] == 2, "truecolor only"
                colour = tuple(codes[i + 2:i + 5])
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour
                i += 4
            i += 1

    def _text(self, text: str) -> None:
        for char in text:
            wide = len(spelt(char)) > 1 or char in WIDE_CHARS
            self.cells[self.y][self.x] = (char, self.fg, self.bg, self.bold)
            self.x += 1
            if wide:
                self.cells[self.y][self.x] = (WIDE_TAIL, self.fg, self.bg, self.bold)
                self.x += 1

    def looks(self) -> list[list[tuple]]:
        return [[_look(*cell) for cell in row] for row in self.cells]

    def text(self) -> list[str]:
        return ["".join(spelt(c[0]) for c in row if c[0] != WIDE_TAIL) for row in self.cells]


WIDE_CHARS = set()  # filled by the caller when a frame holds wide characters


def _look(char: str, fg: tuple, bg: tuple, bold: bool) -> tuple:
    if char == "▀":
        return ("half", fg, bg)
    if char == "▄":
        return ("half", bg, fg)
    if char == " ":
        return ("half", bg, bg)
    if char == "█":
        return ("half", fg, fg)
    return (char, fg, bg, bold)


def frame_looks(frame: Frame) -> list[list[tuple]]:
    return [[_look(char, style.fg, style.bg, style.bold) for text, style in row for char in text]
            for row in frame.rows]
