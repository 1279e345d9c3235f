"""Event mode's words: narration of each step, the tallies, waste over time, and a sweep chart
where a scenario (or the `y` key) asks for one."""

from __future__ import annotations

from typing import Mapping

from fragtui.sim.engines.event_engine import EventEngine
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.errors import FragtuiError
from fragtui.view.charts import Chart, available, chart_for
from fragtui.sim.workload.requests import Arrive
from fragtui.view.narration import SideNow, narrate, narrate_start, step_header
from fragtui.view.rows import byte_rows, ratio_line, tally_rows
from fragtui.view.states import legend_of
from fragtui.view.words import SidebarData

SPARK_POINTS = 120  # enough to see a shape; cheap however long the run


class EventWords:
    manual = frozenset({"free", "arrive"})

    def __init__(self, engine: EventEngine, chart: str | None = None) -> None:
        self.engine = engine
        self.chart = chart  # a parameter whose sweep the sidebar charts (view.charts.CHARTS), or None
        self._chart_key: tuple[object, ...] | None = None
        self._chart: Chart | None = None

    @property
    def charts(self) -> tuple[str, ...]:
        return available(self.engine.params)

    narrow_labels: Mapping[int, str] = {}  # the states' own names are short already

    @property
    def legend(self) -> tuple[tuple[int, str], ...]:
        return legend_of(state for side in self.engine.sides for state in side.states)

    def narration(self) -> str:
        sim = self.engine.sim
        if sim.last is None:
            return narrate_start(sim.total_steps)
        event = sim.last.event
        prefix = event.request.prefix if isinstance(event, Arrive) else ""
        now = [SideNow(side.label, pool, sim.metrics(i, holes=False), prefix)
               for i, (side, pool) in enumerate(zip(sim.sides, self.engine.pools))]
        return narrate(step_header(sim.step, event), self.engine.records, now)

    def holder_name(self, rid: int) -> str:
        return f"r{rid}"

    def request_detail(self, rid: int) -> str:
        request = self.engine.sim.request(rid)
        return f"{request.used}/{request.max_len}" if request else ""

    def source(self) -> str:
        p = self.engine.params
        if p.ops is not None:
            return "op list"
        if p.trace is not None:
            return "trace " + p.trace.rsplit("/", 1)[-1]
        if p.lengths != "constant":
            return f"lengths {p.lengths}"
        return f"used {p.used_len}"

    def pane_title(self, side: int) -> str:
        return self.engine.sides[side].title("event")

    def sidebar(self, compact: bool) -> SidebarData:
        sim = self.engine.sim
        metrics = [sim.metrics(i, holes=False) for i in range(len(sim.sides))]
        labels = tuple(side.label for side in sim.sides)
        rows = tally_rows(metrics, compact)
        if self.engine.params.bytes_per_token:  # a model gave each slot its size
            rows += byte_rows(metrics, self.engine.params.bytes_per_token, compact)
        data = SidebarData(labels, rows, ratio_line(labels, metrics), "waste share over steps (0–100%)")
        data.sparks = [(label, waste_share_points(sim, i), m.waste_share)
                       for i, (label, m) in enumerate(zip(labels, metrics))]
        if self.chart is not None:
            try:
                data.chart = self.chart_now()
            except FragtuiError as error:  # (what-ifs since it was chosen left nothing to chart)
                data.notes.append(f"chart {self.chart}: {error}")
        return data

    def chart_now(self) -> Chart | None:
        """The chart the sidebar shows, worked out if the run changed; raises FragtuiError if
        none of its values gives a run."""
        if self.chart is None:
            return None
        sim = self.engine.sim
        key = (self.chart, self.engine.params, len(sim.events))
        if key != self._chart_key:  # the sweep covers the whole stream: only parameters change it
            self._chart = chart_for(self.chart, self.engine.params, self.engine.events_for)
            self._chart_key = key
        return self._chart


def waste_share_points(sim: Simulation, side: int) -> list[float]:
    """reserved / (used + reserved) after each step, sampled down to SPARK_POINTS."""
    series = sim.series[side]
    used, reserved = series["used"], series["reserved"]
    n = len(used)
    picks = range(n) if n <= SPARK_POINTS else [i * (n - 1) // (SPARK_POINTS - 1) for i in range(SPARK_POINTS)]
    return [reserved[i] / (used[i] + reserved[i]) if used[i] + reserved[i] else 0.0 for i in picks]
