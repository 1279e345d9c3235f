"""Both allocators' tallies in one table, the paged/contiguous ratio, and the picture over time
(sparklines, stacked bars of the memory breakdown, or the block-size chart), then what to
watch. One text widget: a step repaints only the lines whose text changed."""

from __future__ import annotations

from typing import Callable

from rich.color import Color
from rich.style import Style
from rich.text import Text

from fragtui.tui.sweep_chart import sweep_chart
from fragtui.tui.text_lines import TextLines
from fragtui.view.sparkline import sparkline
from fragtui.view.words import SidebarData


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
        """Draw `data_for(compact)`, compact when narrow; `colour_of(state)` gives a pool
        state's colour. Drawn again on a resize, when the width may call for other labels."""
        self._source = (data_for, colour_of)
        width = self.content_region.width
        data = data_for(width < 34)
        text = tally_table(data.rows)
        text.append("\n\n")
        text.append(Text(data.ratio, style="bold " + self._variable("success")))
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
        if data.chart is not None:
            text.append("\n\n")
            text.append_text(sweep_chart(data.chart, data.block_size, self._variable("pool-reserved"),
                                         self._variable("pool-used")))
        if self._about:
            text.append("\n\nwhat to watch", "bold dim")
            text.append("\n" + self._about, "dim")
        self.update(text)

    def _variable(self, name: str) -> str:
        return self.app.theme_variables.get(name, "")


def tally_table(rows: list[tuple[str, str, str]]) -> Text:
    value_width = max(6, *(len(v) for _, a, b in rows for v in (a, b)))
    label_width = max(len(label) for label, _, _ in rows)
    table = Text(no_wrap=True, overflow="ellipsis")
    table.append(f"{'':<{label_width}} {'contig':>{value_width}} {'paged':>{value_width}}", "bold")
    for label, a, b in rows:
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
