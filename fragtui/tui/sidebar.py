"""Both allocators' tallies in one table, the paged/contiguous ratio, and the picture over time
(sparklines, stacked bars of the memory breakdown, or the block-size chart), then what to
watch. One text widget: a step repaints only the lines whose text changed."""

from __future__ import annotations

from typing import Callable

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll

from fragtui.tui.sweep_chart import chart_text
from fragtui.tui.text_lines import TextLines
from fragtui.view.sparkline import sparkline
from fragtui.view.words import SidebarData


SHORT = 30  # lines: a panel shorter than this gets the compact table and chart


class SidePanel(VerticalScroll, can_focus=False):
    """The sidebar's frame: it scrolls (wheel, scrollbar) but never takes the keys, which step
    the pools (home, end, page up and down)."""


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
        resize. What tells the scenario's story (its chart) comes before the sparklines, and
        the panel scrolls rather than cut anything off."""
        self._source = (data_for, colour_of)
        width = max(1, self.content_region.width)
        short = isinstance(self.parent, SidePanel) and self.parent.size.height < SHORT
        data = data_for(short)
        if table_width(data.rows) > width:
            data = data_for(True)
        text = tally_table(data.rows, width)
        text.append("\n\n")
        text.append(Text(data.ratio, style="bold " + self._variable("success")))
        if data.chart is not None:
            text.append("\n\n")
            colours = (self._variable("pool-reserved"), self._variable("pool-used"))
            text.append_text(chart_text(data.chart, colours, width, compact=short))
        for note in data.notes:
            text.append(f"\n\n{note}", "dim")
        line_width = max(1, width - 12)  # name, then the line, then " 100%"
        if data.sparks:
            text.append(f"\n\n{data.spark_title}", "dim")
            for name, (points, now) in data.sparks.items():
                text.append(f"\n{name[:6]:<7}", "dim")
                text.append(sparkline(points, line_width), self._variable("pool-reserved"))
                text.append(f" {100 * now:.0f}%")
        if data.bars:
            text.append(f"\n\n{data.bars_title}", "dim")
            for name, shares in data.bars.items():
                text.append(f"\n{name[:6]:<7}", "dim")
                text.append_text(stacked_bar(shares, line_width + 5, colour_of))
        if self._about:
            text.append("\n\nwhat to watch", "bold dim")
            text.append("\n" + self._about, "dim")
        self.update(text)

    def _variable(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")


HEADINGS = ("contig", "paged")
MIN_TABLE = 20  # the narrowest sidebar the app lays out


def table_width(rows: list[tuple[str, str, str]]) -> int:
    value_width = max(len(HEADINGS[0]), *(len(v) for _, a, b in rows for v in (a, b)))
    return max(len(label) for label, _, _ in rows) + 2 * (value_width + 1)


def tally_table(rows: list[tuple[str, str, str]], width: int = 0) -> Text:
    """Label, contiguous, paged: the values keep their room; a label too long for `width`
    gives way (with an ellipsis) before any row would wrap."""
    value_width = max(len(HEADINGS[0]), *(len(v) for _, a, b in rows for v in (a, b)))
    label_width = max(len(label) for label, _, _ in rows)
    if width >= MIN_TABLE:  # (narrower only while the screen is hidden as too small)
        label_width = max(1, min(label_width, width - 2 * (value_width + 1)))
    table = Text(no_wrap=True, overflow="ellipsis")
    table.append(f"{'':<{label_width}} {HEADINGS[0]:>{value_width}} {HEADINGS[1]:>{value_width}}", "bold")
    for label, a, b in rows:
        if len(label) > label_width:
            label = label[:label_width - 1] + "…"
        table.append(f"\n{label:<{label_width}} {a:>{value_width}} {b:>{value_width}}")
    return table


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
