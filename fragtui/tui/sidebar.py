"""Every side's tallies in one table, a column a side, the ratio between the sides, and the
picture over time (sparklines, stacked bars of the memory breakdown, or a sweep chart), then
what to watch. One text widget: a step repaints only the lines whose text changed."""

from __future__ import annotations

from typing import Callable

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll

from fragtui.tui.keys import SIDEBAR_BINDINGS
from fragtui.tui.sweep_chart import chart_text
from fragtui.tui.text_lines import TextLines
from fragtui.view.sparkline import sparkline
from fragtui.view.words import Row, SidebarData
from fragtui.view.rounding import fixed


SHORT = 30  # lines: a panel shorter than this gets the compact table and chart


class SidePanel(VerticalScroll, can_focus=True, inherit_bindings=False):
    """The sidebar's frame: it scrolls with the wheel, and, once Tab gives it focus, with ↑ ↓,
    page up and down, home and end (← and → still step: they are not its)."""

    BINDINGS = SIDEBAR_BINDINGS


class Sidebar(TextLines):
    _source = None
    _about = ""

    def on_resize(self) -> None:
        super().on_resize()
        if self._source is not None:
            self.show(*self._source)

    def show_about(self, text: str) -> None:
        """What to watch: plain words, never read as markup."""
        self._about = text
        if self._source is not None:
            self.show(*self._source)

    def show(self, data_for: Callable[[bool], SidebarData], colour_of: Callable[[int], Color | None]) -> None:
        """Draw `data_for(compact)`; `colour_of(state)` gives a pool state's colour. Compact
        labels and short numbers only when the full ones do not fit the width; drawn again on a
        resize. What tells the scenario's story (its chart) comes before the sparklines, and on
        a short screen before the table, so 80×24 shows it unscrolled; the panel scrolls rather
        than cut anything off."""
        self._source = (data_for, colour_of)
        width = max(1, self.content_region.width)
        short = isinstance(self.parent, SidePanel) and self.parent.size.height < SHORT
        data = data_for(short)
        if table_width(data.headings, data.rows, cut=True) > width:  # (headings give way first)
            data = data_for(True)
        text = Text()
        chart = None
        if data.chart is not None:
            colours = (self._variable("pool-reserved"), self._variable("pool-used"))
            chart = chart_text(data.chart, colours, width, compact=short)
        if chart is not None and short:  # a short screen shows the scenario's point first
            text.append_text(chart)
            text.append("\n\n")
        text.append_text(tally_table(data.headings, data.rows, width))
        text.append("\n\n")
        text.append(Text(data.ratio, style="bold " + self._variable("success")))
        if chart is not None and not short:
            text.append("\n\n")
            text.append_text(chart)
        for note in data.notes:
            text.append(f"\n\n{note}", "dim")
        about = Text()
        if self._about:
            about.append("\n\nwhat to watch", "bold dim")
            about.append("\n" + self._about, "dim")
        trends = self._trends(data, width, colour_of)
        whole = Text.assemble(text, trends, about)
        if getattr(self.app, "still", False) and isinstance(self.parent, SidePanel):
            whole = self._fitted(text, trends, about, width, self.parent.scrollable_content_region.height)
        self.update(whole)

    def _fitted(self, text: Text, trends: Text, about: Text, width: int, height: int) -> Text:
        """For a picture, which cannot scroll: what to watch whole, leaving out the trends if
        that is what it takes (the table holds their numbers); else, trends kept, what to watch
        ends at the last whole sentence that fits (never mid-sentence)."""
        for whole in (Text.assemble(text, trends, about), Text.assemble(text, about)):
            if self.lines_for(whole, width) <= height:
                return whole
        text = Text.assemble(text, trends)
        sentences = self._about.split(". ")
        for count in range(len(sentences), 0, -1):
            words = ". ".join(sentences[:count]) + ("" if count == len(sentences) else ". …")
            fitted = Text.assemble(text, ("\n\nwhat to watch", "bold dim"), ("\n" + words, "dim"))
            if self.lines_for(fitted, width) <= height:
                return fitted
        return text

    def _trends(self, data: SidebarData, width: int, colour_of: Callable[[int], Color | None]) -> Text:
        """The sparklines and the bars: how the run went, step by step."""
        text = Text()
        names = [name for name, *_ in data.sparks] + [name for name, _ in data.bars]
        name_width = min(max((len(name) for name in names), default=6), max(6, width // 3))
        line_width = max(1, width - name_width - 6)  # name, then the line, then " 100%"
        if data.sparks:
            text.append(f"\n\n{data.spark_title}", "dim")
            for name, points, now in data.sparks:
                text.append(f"\n{_cut(name, name_width):<{name_width + 1}}", "dim")
                text.append(sparkline(points, line_width), self._variable("pool-reserved"))
                text.append(f" {fixed(100 * now, 0)}%")
        if data.bars:
            text.append(f"\n\n{data.bars_title}", "dim")
            for name, shares in data.bars:
                text.append(f"\n{_cut(name, name_width):<{name_width + 1}}", "dim")
                text.append_text(stacked_bar(shares, line_width + 5, colour_of))
        return text

    def _variable(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")


MIN_TABLE = 20  # the narrowest sidebar the app lays out
SHORT_HEADING = 6  # a column's heading is cut to this when the table does not fit


def _widths(headings: tuple[str, ...], rows: list[Row], cut: bool) -> list[int]:
    """Each column's width: its widest value, and its heading (cut short when `cut`)."""
    widths = []
    for i, heading in enumerate(headings):
        values = max((len(values[i]) for _, values in rows), default=0)
        widths.append(max(values, min(len(heading), SHORT_HEADING) if cut else len(heading), 1))
    return widths


def table_width(headings: tuple[str, ...], rows: list[Row], cut: bool = False) -> int:
    """The table's width, its headings whole or (`cut`) cut short."""
    return max(len(label) for label, _ in rows) + sum(w + 1 for w in _widths(headings, rows, cut))


def tally_table(headings: tuple[str, ...], rows: list[Row], width: int = 0) -> Text:
    """A label, then a value per side: the values keep their room (headings are cut to fit
    first). Where a label would be cut, the sides are split into bands, each a table of its own
    under the one before, so no two labels can read alike ("reser…"); only where one side alone
    does not fit does a label give way, with an ellipsis."""
    table = Text(no_wrap=True, overflow="ellipsis")
    for start, end in _bands(headings, rows, width):
        if start:
            table.append("\n\n")
        table.append_text(_band(headings[start:end], [(label, values[start:end]) for label, values in rows], width))
    return table


def _bands(headings: tuple[str, ...], rows: list[Row], width: int) -> list[tuple[int, int]]:
    """The fewest bands of about equal size in which every label is whole."""
    n = len(headings)
    label = max(len(label) for label, _ in rows)
    for count in range(1, n + 1):
        size = -(-n // count)
        bands = [(i, min(i + size, n)) for i in range(0, n, size)]
        if width < MIN_TABLE or all(label + sum(w + 1 for w in _widths(headings[a:b], [(l, v[a:b]) for l, v in rows], True))
                                    <= width for a, b in bands):
            return bands
    return [(i, i + 1) for i in range(n)]


def _band(headings: tuple[str, ...], rows: list[Row], width: int) -> Text:
    cut = width > 0 and table_width(headings, rows) > width
    widths = _widths(headings, rows, cut)
    label_width = max(len(label) for label, _ in rows)
    gap = " " * (2 if len(headings) > 2 and (not width or label_width + sum(w + 2 for w in widths) <= width) else 1)
    if width >= MIN_TABLE:  # (narrower only while the screen is hidden as too small)
        label_width = max(1, min(label_width, width - sum(w + len(gap) for w in widths)))
    table = Text(no_wrap=True, overflow="ellipsis")
    heads = "".join(f"{gap}{_cut(heading, w):>{w}}" for heading, w in zip(headings, widths))
    table.append(f"{'':<{label_width}}{heads}", "bold")
    for label, values in rows:
        if len(label) > label_width:
            label = label[:label_width - 1] + "…"
        table.append(f"\n{label:<{label_width}}" + "".join(f"{gap}{v:>{w}}" for v, w in zip(values, widths)))
    return table


def _cut(heading: str, width: int) -> str:
    """A heading in `width` characters, keeping what tells twins apart: `paged 16` → `pag 16`,
    `vattention 64KiB` → `64KiB`, `contiguous` → `contig`."""
    if len(heading) <= width:
        return heading
    name, space, rest = heading.partition(" ")
    if space and len(rest) < width - 1:
        return name[:width - len(rest) - 1] + " " + rest
    if space and len(rest) <= width:
        return rest
    return heading[:width]


def stacked_bar(shares: dict[int, float], width: int, colour_of: Callable[[int], Color | None]) -> Text:
    """One line, `width` cells, split between states in proportion to their shares."""
    bar = Text()
    total = sum(shares.values()) or 1
    used = 0
    items = list(shares.items())
    for i, (state, share) in enumerate(items):
        cells = width - used if i == len(items) - 1 else round(width * share / total)
        cells = max(0, min(cells, width - used))
        bar.append("█" * cells, Style(color=colour_of(state)))
        used += cells
    return bar
