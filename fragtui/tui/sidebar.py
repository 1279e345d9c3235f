"""Both allocators' tallies in one table, the paged/contiguous ratio, and waste over time."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fragtui.sim.simulation import Simulation
from fragtui.sim.sweep import sweep
from fragtui.tui.sweep_chart import SweepChart
from fragtui.view.sidebar import ratio_line, tally_rows
from fragtui.view.sparkline import sparkline

SPARK_POINTS = 120  # enough to see the shape; cheap however long the run


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
            yield Static("waste share over steps (0–100%)", classes="spark-title")
            yield Static(id="waste-contiguous", classes="spark")
            yield Static(id="waste-paged", classes="spark")
        yield SweepChart(id="sweep-chart")
        yield Static(id="about")

    def show_about(self, text: str) -> None:
        self.query_one("#about", Static).update(text)

    _sim: Simulation | None = None

    _chart = False
    _chart_key: tuple | None = None

    def on_resize(self) -> None:
        if self._sim is not None:
            self.show(self._sim, self._chart)

    def show(self, sim: Simulation, chart: bool = False) -> None:
        """Tally `sim` now; with `chart`, the block-size trade-off instead of the sparklines."""
        self._sim, self._chart = sim, chart
        self.set_class(chart, "-chart")
        if chart:
            self._show_chart(sim)
        c, p = sim.metrics("contiguous", holes=False), sim.metrics("paged", holes=False)
        rows = tally_rows(c, p, compact=self.content_region.width < 34)
        value_width = max(6, *(len(v) for _, a, b in rows for v in (a, b)))
        label_width = max(len(label) for label, _, _ in rows)
        table = Text(no_wrap=True, overflow="ellipsis")
        table.append(f"{'':<{label_width}} {'contig':>{value_width}} {'paged':>{value_width}}\n", "bold")
        for i, (label, a, b) in enumerate(rows):
            end = "\n" if i < len(rows) - 1 else ""
            table.append(f"{label:<{label_width}} {a:>{value_width}} {b:>{value_width}}{end}")
        set_text(self.query_one("#tallies", Static), table)
        set_text(self.query_one("#ratio", Static), ratio_line(c, p))
        if not chart:
            width = max(1, self.content_region.width - 8)
            for name in ("contiguous", "paged"):
                line = sparkline(waste_share_points(sim, name), width)
                share = 100 * (c if name == "contiguous" else p).waste_share
                set_text(self.query_one(f"#waste-{name}", Static), 
                    Text.assemble((f"{name[:6]:<7}", "dim"), (line, self.app.theme_variables.get("pool-reserved", "")), f" {share:.0f}%")
                )

    def _show_chart(self, sim: Simulation) -> None:
        """The sweep is over the whole stream, so it only changes with the parameters."""
        key = (sim.params, len(sim.events))
        if key != self._chart_key:
            self._chart_key = key
            self._rows = sweep(sim.params, sim.events)
        self.query_one(SweepChart).show(self._rows, sim.params.block_size)


def waste_share_points(sim: Simulation, name: str) -> list[float]:
    """reserved / (used + reserved) after each step, sampled down to SPARK_POINTS."""
    series = sim.series[name]
    used, reserved = series["used"], series["reserved"]
    n = len(used)
    picks = range(n) if n <= SPARK_POINTS else [i * (n - 1) // (SPARK_POINTS - 1) for i in range(SPARK_POINTS)]
    return [reserved[i] / (used[i] + reserved[i]) if used[i] + reserved[i] else 0.0 for i in picks]
