"""Both allocators' tallies in one table, the paged/contiguous ratio, and the picture over time:
sparklines, stacked bars of the memory breakdown, or the block-size chart."""

from __future__ import annotations

from typing import Callable

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fragtui.tui.sweep_chart import SweepChart
from fragtui.view.sparkline import sparkline
from fragtui.view.stage import SidebarData


def set_text(static: Static, content) -> None:
    """Update a fixed-size Static only if its content changed, without a relayout.

    A plain `update` reflows the whole screen; per step, that alone would cost more than
    everything else the step does."""
    key = str(content) if not hasattr(content, "spans") else (content.plain, tuple(content.spans))
    if getattr(static, "_fragtui_last", None) != key:
        static._fragtui_last = key
        static.update(content, layout=False)


class Sidebar(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(id="tallies")
        yield Static(id="ratio")
        with Vertical(id="sparks"):
            yield Static(classes="spark-title", id="spark-title")
            yield Static(id="spark-contiguous", classes="spark")
            yield Static(id="spark-paged", classes="spark")
        with Vertical(id="bars"):
            yield Static(classes="spark-title", id="bars-title")
            yield Static(id="bar-contiguous", classes="spark")
            yield Static(id="bar-paged", classes="spark")
        yield SweepChart(id="sweep-chart")
        yield Static(id="about")

    def show_about(self, text: str) -> None:
        self.query_one("#about", Static).update(text)

    _source = None

    def on_resize(self) -> None:
        if self._source is not None:
            self.show(*self._source)

    def show(self, data_for: Callable[[bool], SidebarData], colour_of: Callable[[int], object]) -> None:
        """Draw `data_for(compact)`, compact when narrow; `colour_of(state)` gives a pool
        state's colour. Drawn again on a resize, when the width may call for other labels."""
        self._source = (data_for, colour_of)
        data = data_for(self.content_region.width < 34)
        value_width = max(6, *(len(v) for _, a, b in data.rows for v in (a, b)))
        label_width = max(len(label) for label, _, _ in data.rows)
        table = Text(no_wrap=True, overflow="ellipsis")
        table.append(f"{'':<{label_width}} {'contig':>{value_width}} {'paged':>{value_width}}\n", "bold")
        for i, (label, a, b) in enumerate(data.rows):
            end = "\n" if i < len(data.rows) - 1 else ""
            table.append(f"{label:<{label_width}} {a:>{value_width}} {b:>{value_width}}{end}")
        tallies = self.query_one("#tallies", Static)
        if tallies.styles.height is None or tallies.styles.height.value != len(data.rows) + 1:
            tallies.styles.height = len(data.rows) + 1  # one relayout when the mode changes, not per step
        set_text(tallies, table)
        set_text(self.query_one("#ratio", Static), data.ratio)
        width = max(1, self.content_region.width - 12)  # name, then the line, then " 100%"
        self.set_class(bool(data.sparks), "-sparks")
        self.set_class(bool(data.bars), "-bars")
        self.set_class(data.chart is not None, "-chart")
        if data.sparks:
            set_text(self.query_one("#spark-title", Static), data.spark_title)
            for name, (points, now) in data.sparks.items():
                line = Text.assemble((f"{name[:6]:<7}", "dim"), (sparkline(points, width), self._accent()),
                                     f" {100 * now:.0f}%")
                set_text(self.query_one(f"#spark-{name}", Static), line)
        if data.bars:
            set_text(self.query_one("#bars-title", Static), data.bars_title)
            for name, shares in data.bars.items():
                line = Text.assemble((f"{name[:6]:<7}", "dim"))
                line.append_text(stacked_bar(shares, width + 5, colour_of))
                set_text(self.query_one(f"#bar-{name}", Static), line)
        if data.chart is not None:
            self.query_one(SweepChart).show(data.chart, data.block_size)

    def _accent(self) -> str:
        return self.app.theme_variables.get("pool-reserved", "")


def stacked_bar(shares: dict[int, float], width: int, colour_of: Callable[[int], object]) -> Text:
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
