"""Serving mode's words: what each tick did on each side, the running and waiting queues,
and the pool in the paper's memory categories, now and averaged over the ticks so far."""

from __future__ import annotations

from typing import Mapping

from fragtui.sim.engines.serving.serving_engine import ServingEngine
from fragtui.sim.allocators.registry import GROWS
from fragtui.sim.measures.breakdown import Breakdown, kv_usage
from fragtui.sim.errors import FragtuiError
from fragtui.view.charts import Chart, available, chart_for
from fragtui.view.narration import SideNow, narrate, narrate_ticks_start, tick_header
from fragtui.view.rows import CATEGORIES, SERVING_SHARING_ROWS
from fragtui.view.states import SHARED, legend_of
from fragtui.view.words import SidebarData
from fragtui.view.rounding import fixed


class ServingWords:
    manual: frozenset[str] = frozenset()  # requests come from the workload and leave when they finish

    def __init__(self, engine: ServingEngine) -> None:
        self.engine = engine
        self.chart: str | None = None  # the capacity curve, where the trace names its blocks (view.charts)

    @property
    def charts(self) -> tuple[str, ...]:
        return available(self.engine.params)

    def chart_now(self) -> Chart | None:
        """The chart the sidebar shows (worked out once per trace and pool: view.charts)."""
        return None if self.chart is None else chart_for(self.chart, self.engine.params, lambda params: [])

    @property
    def legend(self) -> tuple[tuple[int, str], ...]:
        """The paper's categories, each its own colour, and every state a side draws besides
        (rounding slack, shared and cached blocks, retained pages)."""
        drawn = {side_state for side in self.engine.sides for side_state in side.states}
        names = {"used", "reserved", "internal", "stranded", "unusable"} | drawn
        if self.engine.params.sequences > 1:
            names.add("shared")
        labels = {c.state: c.short for c in CATEGORIES} | {SHARED: "shared"}
        return legend_of(names, labels)

    @property
    def narrow_labels(self) -> Mapping[int, str]:
        return {c.state: c.tiny for c in CATEGORIES}  # the words the narrow sidebar uses too

    def holder_name(self, sid: int) -> str:
        return self.engine.runs[0].sequences.name(sid)

    def narration(self) -> str:
        e = self.engine
        if e.tick == 0:
            return narrate_ticks_start(e.total_steps, len(e.workload.requests))
        arrived = next((len(r.arrived) for r in e.records if r is not None), 0)
        now = [SideNow(side.label, run.pool, waiting=run.waiting_count, ended=run.tick)
               for side, run in zip(e.sides, e.runs)]
        return narrate(tick_header(e.tick, arrived), e.records, now)

    def request_detail(self, sid: int) -> str:
        rid = self.engine.runs[0].sequences.request(sid)
        for run in self.engine.runs:
            state = run.state_of(rid)
            if state is not None:
                return f"{state.tokens}/{state.final} tokens"
        return ""

    def source(self) -> str:
        return self.engine.workload.source

    def pane_title(self, side: int) -> str:
        return self.engine.sides[side].title("serving")

    def sidebar(self, compact: bool) -> SidebarData:
        runs = self.engine.runs
        labels = tuple(side.label for side in self.engine.sides)
        metrics = [run.metrics() for run in runs]
        now = [run.breakdown() for run in runs]
        slack = any("slack" in side.states for side in self.engine.sides)
        rows: list[tuple[str, tuple[str, ...]]] = [
            ("running" if compact else "running (batch)", tuple(str(len(run.running_ids())) for run in runs)),
            ("waiting", tuple(str(run.waiting_count) for run in runs)),
            ("completed", tuple(str(m.completed) for m in metrics)),
            ("preempted" if compact else "preemptions", tuple(str(m.preemptions) for m in metrics)),
        ]
        rows += [(f"{category.tiny if compact else category.short} %", tuple(_pct(b, category.key) for b in now))
                 for category in CATEGORIES if category.key != "unusable" and (category.key != "slack" or slack)]
        blocks = [side.allocator.can(GROWS) for side in self.engine.sides]
        if any(blocks):  # vLLM's gauges now, beside the token states above (the truth)
            rows.append(("vLLM use %" if compact else "vLLM KV usage %",
                         tuple(fixed(100 * kv_usage(b.free, b.total - b.unusable), 1) if paged else "–"
                               for paged, b in zip(blocks, now))))
        if any(m.hit_rate is not None for m in metrics):
            rows.append(("hit rate %", tuple("–" if m.hit_rate is None else fixed(100 * m.hit_rate, 1) for m in metrics)))
        rows.append(("avg batch", tuple(fixed(m.mean_batch, 1) for m in metrics)))
        if self.engine.params.sequences > 1:
            rows += [(label, tuple(read(m) for m in metrics)) for label, read in SERVING_SHARING_ROWS]
        data = SidebarData(labels, rows, batch_ratio(labels, [m.mean_batch for m in metrics]),
                           bars_title="memory, mean over the ticks so far")
        data.bars = [(label, _shares(m.breakdown)) for label, m in zip(labels, metrics)]
        if self.chart is not None:
            try:
                data.chart = self.chart_now()
            except FragtuiError as error:  # (what-ifs since it was chosen left nothing to chart)
                data.notes.append(f"chart {self.chart}: {error}")
        return data


def batch_ratio(labels: tuple[str, ...], batches: list[float]) -> str:
    """How many times the largest mean batch is the smallest."""
    most, least = batches.index(max(batches)), batches.index(min(batches))
    if not batches[least]:
        return "nothing running yet" if not batches[most] else f"{labels[most]} batches {fixed(batches[most], 1)} on average"
    if most == least or batches[most] == batches[least]:
        return f"every side batches {fixed(batches[most], 1)} on average"
    return (f"{labels[most]} batches {fixed(batches[most] / batches[least], 2)}×\nas many requests as {labels[least]} "
            "on average")


def _pct(breakdown: Breakdown, key: str) -> str:
    return fixed(100 * breakdown.share(key), 1)


def _shares(breakdown: Breakdown) -> dict[int, float]:
    values = breakdown.as_dict()
    return {category.state: values[category.key] for category in CATEGORIES}
