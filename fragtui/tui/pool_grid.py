"""One pool drawn as a grid of cells: a Line API widget, never a widget per cell.

Each character shows two cell rows with a half block (upper half: foreground colour, lower
half: background colour). Under NO_COLOR each character is one cell with a glyph per state.
Strips are cached per row; a step drops only the rows it changed.
"""

from __future__ import annotations

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from typing import Callable, Mapping, Sequence, Union, cast

from fragtui.tui.keys import CURSOR_BINDINGS
from fragtui.tui.request_colours import request_colour
from fragtui.view.cells import cell_info, cell_row, majority, owner_row
from fragtui.view.layout import MISALIGNED, GridLayout, fit_layout
from fragtui.view.picture import Picture, Ranges
from fragtui.view.states import (
    BEYOND,
    FREE,
    HELD,
    INTERNAL,
    LOOKS,
    NOBODY,
    RESERVED,
    SLACK,
    STATE_NAMES,
    STRANDED,
    UNUSABLE,
    USED,
    state_rules,
)

STATE_CLASSES = {state: f"pool--{STATE_NAMES[state]}" for state in LOOKS}
GLYPHS = {**{state: look.glyph for state, look in LOOKS.items()}, BEYOND: " "}
# The keyboard's cell cursor: a glyph of its own, white on black, seen over any state and
# without colour (the hover line says what the cell under it holds).
CURSOR, CURSOR_GLYPH = Style(color="#ffffff", bgcolor="#000000", bold=True), "◆"
HALF = "▀"
FULL = "█"
SMALL_CHANGE = 64  # cells: a change this small is checked cell by cell before its rows repaint

# What a cell's colour depends on: its state, or (state, request) when colouring by request;
# with half blocks a character shows two cells, (top, bottom).
CellKey = Union[int, tuple[int, int]]
StyleKey = Union[CellKey, tuple[CellKey, CellKey]]


class PoolGrid(ScrollView, can_focus=True, inherit_bindings=False):
    """A side's pool. It takes focus (what-if keys then act on its side). Its only keys are
    the cell cursor's (`i` puts one on it): while there is none, they are the app's, so
    stepping works whichever pane has focus."""

    COMPONENT_CLASSES = set(STATE_CLASSES.values())
    DEFAULT_CSS = state_rules("PoolGrid")
    BINDINGS = CURSOR_BINDINGS

    class Hovered(Message):
        """The pointer is over cells of this grid (or left it: `text` is empty)."""

        def __init__(self, grid: PoolGrid, text: str) -> None:
            super().__init__()
            self.grid = grid
            self.text = text

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label  # the side's name on screen
        self.pane_title = label  # e.g. "contiguous · first fit · reserve max"
        self.picture: Picture | None = None
        self.grid_layout: GridLayout | None = None
        self.block_size = 1
        self.max_len = 0
        self.zoom = False
        self.by_request = False
        self.request_detail: Callable[[int], str] = lambda rid: ""  # how full request `rid` is, for hovering
        self.holder_name: Callable[[int], str] = "r{}".format  # what to call a holding, for hovering
        self.legend_states: tuple[tuple[int, str], ...] = tuple(
            (state, STATE_NAMES[state]) for state in (USED, RESERVED, FREE, STRANDED, UNUSABLE))
        self.narrow_labels: Mapping[int, str] = {}  # the legend's words where its labels do not fit
        self._strips: dict[int, Strip] = {}
        self._keys: dict[int, list[StyleKey]] = {}  # what each cached strip shows, cell by cell
        self._styles: dict[StyleKey, Style] = {}
        self._base: Style | None = None
        self._pad = 0
        self.cursor: tuple[int, int] | None = None  # (cell column, text row) of the keyboard's cell cursor

    # -- what to draw --------------------------------------------------------------------

    @property
    def monochrome(self) -> bool:
        return bool(getattr(self.app, "no_color", False))

    def show(self, picture: Picture, block_size: int, request_detail: Callable[[int], str],
             holder_name: Callable[[int], str] = "r{}".format, max_len: int = 0) -> None:
        """Draw a new picture from scratch; `request_detail(id)` describes a request on hover,
        `holder_name(id)` names it; rows line up with `max_len` where the pane allows."""
        self.picture, self.block_size, self.request_detail = picture, block_size, request_detail
        self.holder_name = holder_name
        self.max_len = max_len
        self._relayout()

    def patch(self, ranges: Ranges) -> None:
        """The slots in `ranges` changed: repaint just their rows."""
        layout = self.grid_layout
        if layout is None:
            return
        rows: set[int] = set()
        chars: set[tuple[int, int]] = set()  # (text row, x) of the cells a small change touched
        k, row_slots, per_char = layout.slots_per_cell, layout.row_slots, layout.cells_per_char_row
        for start, end in ranges:
            if end - start > SMALL_CHANGE * k:
                rows.update(layout.text_rows_for(start, end))
                continue
            for crow in range(start // row_slots, (end - 1) // row_slots + 1):
                base = crow * row_slots
                first, last = (max(start, base) - base) // k, (min(end, base + row_slots) - 1 - base) // k
                chars.update((crow // per_char, x) for x in range(first, last + 1))
        # A cell stands for k slots: a slot that changed may leave its cell looking the same
        # (a serving tick appends one token to each of hundreds of requests). Repaint only the
        # rows where some cell now looks different.
        for row, x in chars:
            if row not in rows:
                keys = self._keys.get(row)
                if keys is None or x >= len(keys) or keys[x] != self._char_key(row, x):
                    rows.add(row)
        for row in rows:
            self._strips.pop(row, None)
            self._keys.pop(row, None)
        if rows:  # (refresh() with no regions would repaint the whole grid)
            top, width = self.scroll_offset.y, self.size.width
            self.refresh(*(Region(0, row - top, width, 1) for row in rows))

    def set_mode(self, *, zoom: bool | None = None, by_request: bool | None = None) -> None:
        if zoom is not None:
            self.zoom = zoom
        if by_request is not None:
            self.by_request = by_request
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._keys.clear()
        self._base = None

    @property
    def base_style(self) -> Style:
        """The widget's own style (its background), computed once per style change."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def _relayout(self) -> None:
        self._strips.clear()
        self._keys.clear()
        self._styles.clear()  # a style key means (top, bottom) with half blocks, one cell without
        if self._fit() and self.grid_layout is not None:
            virtual = Size(self.scrollable_content_region.width, self.grid_layout.text_rows)
            if self.virtual_size != virtual:  # a new virtual size means a new layout: only when it changes
                self.virtual_size = virtual
            self.refresh()

    def _fit(self) -> bool:
        """Work out the layout for the current size; False if there is nothing to lay out yet."""
        if self.picture is None or not self.size.width:
            return False
        per_char = 1 if self.monochrome else 2
        width, height = self.scrollable_content_region.size
        row = self.picture.row_slots  # a picture whose rows must line up (a virtual address space)
        self.grid_layout = fit_layout(
            self.picture.total_slots, self.block_size, width, height, per_char, zoom=self.zoom,
            max_len=row or self.max_len, misaligned=0.0 if row else MISALIGNED,
        )
        self._pad = max(0, (width - self.grid_layout.width) // 2)
        k = self.grid_layout.slots_per_cell
        scale = ("1 cell = 1 slot" if k == 1 else f"1 cell = {k} slots") + (" · zoomed" if self.zoom else "")
        if len(scale) + 4 > self.size.width:  # a narrow pane (many sides): the short form
            scale = f"{k} slot{'s' if k > 1 else ''}/cell" + (" · zoom" if self.zoom else "")
        name, _, details = self.pane_title.partition(" · ")
        # The scale goes in the title when there is room, the policies underneath; on a narrow
        # pane (many sides) the policies go beside the name where they fit, the scale below.
        if len(name) + len(scale) + 7 <= self.size.width:
            self.border_title, self.border_subtitle = f"{name} · {scale}", details
        elif details and len(name) + len(details) + 7 <= self.size.width:
            self.border_title, self.border_subtitle = f"{name} · {details}", scale
        else:
            self.border_title, self.border_subtitle = name, scale
        return True

    # -- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if self.grid_layout is None:  # painted before the first resize: lay the grid out now
            self._fit()
        row = y + self.scroll_offset.y
        strip = self._strips.get(row)
        if strip is None:
            # Rows are cached already padded to the widget's width: nothing to crop later.
            strip = self._render_row(row).extend_cell_length(self.scrollable_content_region.width, self.base_style)
            self._strips[row] = strip
        if self.cursor is not None and self.cursor[1] == row and self.grid_layout is not None:
            width = self.grid_layout.cell_width  # the cursor's cell drawn reversed, over the cached row
            x = self._pad + self.cursor[0] * width
            before, _, after = strip.divide([x, x + width, strip.cell_length])
            strip = Strip.join([before, Strip([Segment(CURSOR_GLYPH * width, CURSOR)]), after])
        return strip

    # -- the keyboard's cell cursor --------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The cursor's keys act while it is shown; otherwise they fall through to the app's."""
        return self.cursor is not None if action in ("cursor", "cursor_off") else True

    def show_cursor(self, column: int = 0, row: int = 0) -> None:
        """A cursor on cell (column, text row), clamped to the grid, scrolled into view; it
        says what hovering there would."""
        layout = self.grid_layout
        if layout is None:
            return
        column = max(0, min(column, layout.cells_per_row - 1))
        row = max(0, min(row, layout.text_rows - 1))
        self.cursor = (column, row)
        if not self.scroll_offset.y <= row < self.scroll_offset.y + self.size.height:
            self.scroll_to(y=max(0, row - self.size.height // 2), animate=False)
        self.refresh()
        self.tell_cursor()

    def tell_cursor(self) -> None:
        """Say what the cursor's cell holds now (after a step too), as hovering does."""
        if self.cursor is not None and self.grid_layout is not None:
            column, row = self.cursor
            self.post_message(self.Hovered(self, self.describe_at(self._pad + column * self.grid_layout.cell_width,
                                                                  row - self.scroll_offset.y)))

    def action_cursor(self, dx: int, dy: int) -> None:
        assert self.cursor is not None
        self.show_cursor(self.cursor[0] + dx, self.cursor[1] + dy)

    def action_cursor_off(self) -> None:
        self.cursor = None
        self.refresh()
        self.post_message(self.Hovered(self, ""))

    def _render_row(self, row: int) -> Strip:
        layout, picture = self.grid_layout, self.picture
        if layout is None or picture is None or row >= layout.text_rows:
            return Strip.blank(self.size.width, self.base_style)
        per_char = layout.cells_per_char_row
        rows = [cell_row(picture, layout, row * per_char + i) for i in range(per_char)]
        keys: list[Sequence[CellKey]] = list(rows)
        if self.by_request and not self.monochrome:
            keys = [self._request_keys(picture, layout, row * per_char + i, states)
                    for i, states in enumerate(rows)]
        cells: list[StyleKey] = list(zip(keys[0], keys[1])) if per_char == 2 else list(keys[0])
        self._keys[row] = cells
        segments = [Segment(" " * self._pad, self.base_style)] if self._pad else []
        start, width = 0, layout.cell_width
        for x in range(1, len(cells) + 1):
            if x == len(cells) or cells[x] != cells[start]:
                key = cells[start]
                if per_char == 2:
                    glyph = HALF
                else:  # a cell a character row: a glyph per state (monochrome), or a full block
                    glyph = GLYPHS[cast(int, key)] if self.monochrome else FULL
                segments.append(Segment(glyph * ((x - start) * width), self._style(key)))
                start = x
        return Strip(segments)

    def _char_key(self, row: int, x: int) -> StyleKey:
        """What character `x` of text row `row` shows now: the key its style is cached under."""
        layout, picture = self.grid_layout, self.picture
        assert layout is not None and picture is not None
        per_char = layout.cells_per_char_row
        keys = [self._cell_key(picture, layout, row * per_char + i, x) for i in range(per_char)]
        return (keys[0], keys[1]) if per_char == 2 else keys[0]

    def _cell_key(self, picture: Picture, layout: GridLayout, cell_row: int, x: int) -> CellKey:
        span = layout.cell_at(x, cell_row)
        if span is None:
            return BEYOND
        state = majority(picture.states, *span)
        if self.by_request and not self.monochrome and state in HELD:
            first = picture.states.find(state, *span)
            return (state, picture.owner(first))
        return state

    def _request_keys(self, picture: Picture, layout: GridLayout, row: int, states: bytes) -> list[CellKey]:
        owners = owner_row(picture, layout, row, states)
        return [
            (state, owner) if owner != NOBODY else state for state, owner in zip(states, owners)
        ]

    def _style(self, key: StyleKey) -> Style:
        """The style of a character: key is (top, bottom) with half blocks, else one cell."""
        style = self._styles.get(key)
        if style is None:
            if self.grid_layout is not None and self.grid_layout.cells_per_char_row == 2:
                top, bottom = cast(tuple[CellKey, CellKey], key)
                style = Style(color=self._colour(top), bgcolor=self._colour(bottom))
            else:
                style = Style(color=self._colour(cast(CellKey, key)), bgcolor=self.base_style.bgcolor)
            self._styles[key] = style
        return style

    def _colour(self, key: CellKey) -> RichColor | None:
        """A cell's colour: its state's, or its request's (dimmed where reserved). A request's
        colour never equals the free or background colour, in truecolor or at 256 colours."""
        if isinstance(key, tuple):
            state, owner = key
            return request_colour(owner, state in (RESERVED, INTERNAL, SLACK), self.base_style.bgcolor,
                                  self._colour(FREE))
        if key == BEYOND:
            return self.base_style.bgcolor
        themed = self.get_component_rich_style(STATE_CLASSES[key]).color
        if key == FREE and (themed is None or themed.is_default or themed == self.base_style.bgcolor):
            return RichColor.parse("bright_black")  # (an ANSI theme: the theme's blend is its default)
        return themed

    def legend(self, width: int = 0) -> Text:
        """What each colour (or glyph) means, for the current mode; where `width` is too
        narrow for its words, the states' short names, closer together (every state keeps a
        label: 80 columns hold the paper's seven)."""
        states = self.legend_states
        lead = ""
        if self.by_request and not self.monochrome:
            lead = "colour = request, dim = its reserved slots  "
            states = tuple((s, label) for s, label in states if s not in (USED, RESERVED, INTERNAL, SLACK))
        labelled = [(state, label, "  ") for state, label in states]
        if width and len(lead) + sum(3 + len(label) + 2 for _, label, _ in labelled) > width:
            labelled = [(state, self.narrow_labels.get(state, STATE_NAMES[state]), " ") for state, _ in states]
        legend = Text(lead)
        for state, label, gap in labelled:
            if self.monochrome:
                legend.append(GLYPHS[state] * 2 + " ")
            else:
                legend.append("██", Style(color=self._colour(state)))
                legend.append(" ")
            legend.append(label + gap)
        return legend

    def state_colour(self, state: int) -> RichColor | None:
        return self._colour(state)

    # -- hovering ------------------------------------------------------------------------

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.post_message(self.Hovered(self, self.describe_at(event.x, event.y)))

    def on_leave(self, event: events.Leave) -> None:
        self.post_message(self.Hovered(self, ""))

    def describe_at(self, x: int, y: int) -> str:
        """What the cells under character (x, y) of the widget hold."""
        layout, picture = self.grid_layout, self.picture
        if layout is None or picture is None:
            return ""
        x = (x - self._pad) // layout.cell_width if x >= self._pad else -1
        row = (y + self.scroll_offset.y) * layout.cells_per_char_row
        parts = []
        for i, mark in enumerate(("▀", "▄") if layout.cells_per_char_row == 2 else ("",)):
            span = layout.cell_at(x, row + i)
            if span is not None:
                info = cell_info(picture, *span)
                parts.append(f"{mark} {info.describe(self.request_detail, self.holder_name)}".strip())
        return f"{self.label}: " + "   ".join(parts) if parts else ""

