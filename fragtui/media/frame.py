"""The frame model: a terminal screen as width × height cells, each a character and a style.

A frame is immutable and compares by value, so consecutive identical frames are found with
`==` (see `merge_repeats`). Each row is stored as a tuple of runs `(text, style)`: `text` holds
one character per cell and adjacent runs always differ in style, so equal screens have equal
rows. A wide character (two cells) is stored as itself followed by `WIDE_TAIL`.

Colours are resolved to truecolor RGB when the frame is built: `reverse` is applied (foreground
and background swapped) and `dim` blends the foreground towards the background, so a renderer
reads colours directly and never needs Rich.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple, Sequence, cast

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, TerminalTheme

from fragtui.media.graphemes import clusters, interned, spelt, width

if TYPE_CHECKING:
    from textual._compositor import LayoutUpdate
    from textual.app import App

RGB = tuple[int, int, int]
WIDE_TAIL = "\x00"  # the second cell of a wide character
DIM_FACTOR = 0.4  # how far `dim` moves the foreground towards the background (Rich's SVG export uses 0.4)


class CellStyle(NamedTuple):
    """How a cell is drawn: resolved colours and the text attributes a renderer honours."""

    fg: RGB
    bg: RGB
    bold: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False


class Cell(NamedTuple):
    char: str
    style: CellStyle


Run = tuple[str, CellStyle]
Row = tuple[Run, ...]


@dataclass(frozen=True, slots=True)
class Frame:
    """A screen of `width` × `height` cells; `background`/`foreground` are the defaults it was built with."""

    width: int
    height: int
    rows: tuple[Row, ...]
    background: RGB = (0, 0, 0)
    foreground: RGB = (255, 255, 255)

    def cell(self, x: int, y: int) -> Cell:
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"cell ({x}, {y}) is outside a {self.width}×{self.height} frame")
        for text, style in self.rows[y]:
            if x < len(text):
                return Cell(text[x], style)
            x -= len(text)
        raise AssertionError("a row is shorter than the frame")  # pragma: no cover

    def row_cells(self, y: int) -> list[Cell]:
        return [Cell(char, style) for text, style in self.rows[y] for char in text]

    def row_text(self, y: int) -> str:
        return spelt("".join(text for text, _ in self.rows[y]).replace(WIDE_TAIL, ""))

    def text(self) -> str:
        """The characters of the screen, one line per row (for tests and searching)."""
        return "\n".join(self.row_text(y) for y in range(self.height))

    def crop(self, top: int = 0, bottom: int = 0) -> Frame:
        """The frame without its first `top` and last `bottom` rows (e.g. to drop a key bar)."""
        rows = self.rows[top : self.height - bottom]
        return Frame(self.width, len(rows), rows, self.background, self.foreground)


def blend(a: RGB, b: RGB, amount: float) -> RGB:
    """`a` moved `amount` (0..1) of the way towards `b`."""
    return (
        round(a[0] + (b[0] - a[0]) * amount),
        round(a[1] + (b[1] - a[1]) * amount),
        round(a[2] + (b[2] - a[2]) * amount),
    )


def hex_to_rgb(colour: str) -> RGB:
    triplet = Color.parse(colour).get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


@lru_cache(maxsize=4096)
def resolve_style(style: Style | None, fg: RGB, bg: RGB, theme: TerminalTheme = DEFAULT_TERMINAL_THEME) -> CellStyle:
    """A Rich style as a CellStyle, `fg`/`bg` standing in for the terminal's default colours."""
    if style is None:
        return CellStyle(fg, bg)
    colour, bgcolour = style.color, style.bgcolor
    cfg = fg if colour is None or colour.is_default else tuple(colour.get_truecolor(theme, foreground=True))
    cbg = bg if bgcolour is None or bgcolour.is_default else tuple(bgcolour.get_truecolor(theme, foreground=False))
    if style.reverse:
        cfg, cbg = cbg, cfg
    if style.dim:
        cfg = blend(cfg, cbg, DIM_FACTOR)  # type: ignore[arg-type]
    return CellStyle(cfg, cbg, bool(style.bold), bool(style.italic), bool(style.underline), bool(style.strike))  # type: ignore[arg-type]


def _cells_of(text: str) -> str:
    """`text` with one character per cell: wide characters get a tail, zero-width ones go,
    a grapheme cluster is one character (graphemes.interned)."""
    if text.isascii() or cell_len(text) == len(text):
        return text
    out = []
    for cluster in clusters(text):  # (a cluster of several code points is one interned character)
        size = width(cluster)
        if size == 1:
            out.append(interned(cluster))
        elif size == 2:
            out.append(interned(cluster) + WIDE_TAIL)
    return "".join(out)


def row_from_segments(
    segments: Iterable[Segment], width: int, fg: RGB, bg: RGB, theme: TerminalTheme = DEFAULT_TERMINAL_THEME
) -> Row:
    """One row of cells from Rich segments, cut or padded (with default-style spaces) to `width`."""
    texts: list[str] = []
    styles: list[CellStyle] = []
    last: CellStyle | None = None
    length = 0
    for text, style, control in segments:
        if control or not text:
            continue
        text = _cells_of(text)
        resolved = resolve_style(style, fg, bg, theme)
        if resolved is last or resolved == last:
            texts[-1] += text
        else:
            texts.append(text)
            styles.append(resolved)
            last = resolved
        length += len(text)
    if length > width:
        keep = width
        for i, text in enumerate(texts):
            if keep == 0:
                del texts[i:], styles[i:]
                break
            if len(text) >= keep:
                cut = text[:keep]
                if text[keep : keep + 1] == WIDE_TAIL:
                    cut = cut[:-1] + " "  # a wide character cut in half
                texts[i] = cut
                del texts[i + 1 :], styles[i + 1 :]
                break
            keep -= len(text)
    elif length < width:
        pad = CellStyle(fg, bg)
        if last == pad:
            texts[-1] += " " * (width - length)
        else:
            texts.append(" " * (width - length))
            styles.append(pad)
    return tuple(zip(texts, styles))


def frame_from_lines(
    lines: Sequence[Iterable[Segment]],
    width: int,
    height: int,
    *,
    fg: RGB = (255, 255, 255),
    bg: RGB = (0, 0, 0),
    theme: TerminalTheme = DEFAULT_TERMINAL_THEME,
) -> Frame:
    """A frame from `height` lines of Rich segments (missing lines are blank)."""
    rows = [row_from_segments(line, width, fg, bg, theme) for line in lines[:height]]
    blank = ((" " * width, CellStyle(fg, bg)),)
    rows.extend(blank for _ in range(height - len(rows)))
    return Frame(width, height, tuple(rows), bg, fg)


def frame_from_app(app: App) -> Frame:
    """What a running Textual app shows now, as a frame (reads the compositor; a few ms at 160×50).

    Segments with no colour take the theme's `$foreground`/`$background`; ANSI colours resolve
    through the app's ANSI theme. Screens under a modal one are rendered as Textual shows them.
    """
    width, height = app.size
    fg, bg = _default_colours(app)
    theme = getattr(app, "ansi_theme", None) or DEFAULT_TERMINAL_THEME
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    lines = [_chain(row) for row in cast("LayoutUpdate", update).strips]
    return frame_from_lines(lines, width, height, fg=fg, bg=bg, theme=theme)


_DEFAULTS: weakref.WeakKeyDictionary[App, tuple[str, RGB, RGB]] = weakref.WeakKeyDictionary()


def _default_colours(app: App) -> tuple[RGB, RGB]:
    """The theme's foreground and background (cached per app and theme: reading them costs ~1 ms)."""
    theme = str(getattr(app, "theme", ""))
    cached = _DEFAULTS.get(app)
    if cached is None or cached[0] != theme:
        variables = app.get_css_variables()
        cached = (theme, hex_to_rgb(variables.get("foreground", "#e0e0e0")), hex_to_rgb(variables.get("background", "#121212")))
        _DEFAULTS[app] = cached
    return cached[1], cached[2]


def _chain(strips: Iterable[Iterable[Segment]]) -> Iterator[Segment]:
    for strip in strips:
        yield from strip


def frame_from_text(
    lines: Sequence[str],
    *,
    fg: RGB = (224, 224, 224),
    bg: RGB = (18, 18, 18),
    styles: dict[str, CellStyle] | None = None,
    masks: Sequence[str] | None = None,
    width: int | None = None,
) -> Frame:
    """A synthetic frame, for tests and captions: `lines` of characters, optionally `masks` of
    the same shape whose characters pick a style from `styles` (a space or unknown key: default)."""
    width = width if width is not None else max((cell_len(line) for line in lines), default=0)
    out = []
    for y, line in enumerate(lines):
        mask = masks[y] if masks else ""
        segments = [
            Segment(char, None) if (styles is None or x >= len(mask) or mask[x] not in styles) else Segment(char, _as_rich(styles[mask[x]]))
            for x, char in enumerate(line)
        ]
        out.append(row_from_segments(segments, width, fg, bg))
    return Frame(width, len(out), tuple(out), bg, fg)


def _as_rich(style: CellStyle) -> Style:
    return Style(
        color=Color.from_rgb(*style.fg),
        bgcolor=Color.from_rgb(*style.bg),
        bold=style.bold,
        italic=style.italic,
        underline=style.underline,
        strike=style.strike,
    )


def add_caption(frame: Frame, text: str, *, fg: RGB | None = None, bg: RGB | None = None, bold: bool = True) -> Frame:
    """The frame with a title line on top: `text`, centred, in the frame's default colours."""
    style = CellStyle(fg or frame.foreground, bg or frame.background, bold=bold)
    cells = _cells_of(text)[: frame.width]
    left = (frame.width - len(cells)) // 2
    line = " " * left + cells + " " * (frame.width - left - len(cells))
    row: Row = ((line, style),)
    return Frame(frame.width, frame.height + 1, (row, *frame.rows), frame.background, frame.foreground)


def merge_repeats(frames: Sequence[Frame], durations: Sequence[float]) -> tuple[list[Frame], list[float]]:
    """Consecutive equal frames become one, shown for the sum of their durations."""
    if len(frames) != len(durations):
        raise ValueError(f"{len(frames)} frames but {len(durations)} durations")
    out_frames: list[Frame] = []
    out_durations: list[float] = []
    for frame, duration in zip(frames, durations):
        if duration < 0:
            raise ValueError(f"a frame duration must not be negative, got {duration}")
        if out_frames and out_frames[-1] == frame:
            out_durations[-1] += duration
        else:
            out_frames.append(frame)
            out_durations.append(float(duration))
    return out_frames, out_durations
