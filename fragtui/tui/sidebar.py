"""Both allocators' tallies in one table, the paged/contiguous ratio, and waste over time."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from fragtui.sim.simulation import Simulation
from fragtui.view.sidebar import ratio_line, tally_rows

SPARK_POINTS = 120  # enough to see the shape; cheap however long the run


class Sidebar(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(id="tallies")
        yield Static(id="ratio")
        yield Static("waste share over steps", classes="spark-title")
        yield Static("contiguous", classes="spark-label")
        yield Sparkline([0], id="waste-contiguous")
        yield Static("paged", classes="spark-label")
        yield Sparkline([0], id="waste-paged")

    _sim: Simulation | None = None

    def on_resize(self) -> None:
        if self._sim is not None:
            self.show(self._sim)

    def show(self, sim: Simulation) -> None:
        self._sim = sim
        c, p = sim.metrics("contiguous"), sim.metrics("paged")
        rows = tally_rows(c, p, compact=self.content_region.width < 34)
        value_width = max(6, *(len(v) for _, a, b in rows for v in (a, b)))
        label_width = max(len(label) for label, _, _ in rows)
        table = Text(no_wrap=True, overflow="ellipsis")
        table.append(f"{'':<{label_width}} {'contig':>{value_width}} {'paged':>{value_width}}\n", "bold")
        for i, (label, a, b) in enumerate(rows):
            end = "\n" if i < len(rows) - 1 else ""
            table.append(f"{label:<{label_width}} {a:>{value_width}} {b:>{value_width}}{end}")
        self.query_one("#tallies", Static).update(table)
        self.query_one("#ratio", Static).update(ratio_line(c, p))
        for name in ("contiguous", "paged"):
            self.query_one(f"#waste-{name}", Sparkline).data = waste_share_points(sim, name)


def waste_share_points(sim: Simulation, name: str) -> list[float]:
    """reserved / (used + reserved) after each step, sampled down to SPARK_POINTS."""
    series = sim.series[name]
    used, reserved = series["used"], series["reserved"]
    n = len(used)
    picks = range(n) if n <= SPARK_POINTS else [i * (n - 1) // (SPARK_POINTS - 1) for i in range(SPARK_POINTS)]
    return [reserved[i] / (used[i] + reserved[i]) if used[i] + reserved[i] else 0.0 for i in picks]
