"""What the app shows, whatever the mode: a stage turns the model into pictures and words.

The app only moves a stage (forward, back, goto, what-ifs) and hands what the stage reports to
its widgets. `EventStage` runs the lockstep event simulation; the serving stage (serving_stage)
runs one tick at a time. Both are pure: no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fragtui.sim.params import Params
from fragtui.sim.session import Session
from fragtui.sim.simulation import ALLOCATORS, StepRecord
from fragtui.sim.snapshot import FREE, RESERVED, STRANDED, UNUSABLE, USED
from fragtui.sim.sweep import SweepRow, sweep
from fragtui.view.narration import narrate
from fragtui.view.picture import ContiguousPicture, PagedPicture, Ranges
from fragtui.view.sidebar import ratio_line, tally_rows

# What a move changed: slot ranges per pool, or None for "everything: redraw from the pictures".
Changes = dict[str, Ranges] | None
SPARK_POINTS = 120  # enough to see a shape; cheap however long the run


@dataclass
class SidebarData:
    rows: list[tuple[str, str, str]]
    ratio: str
    spark_title: str = ""
    sparks: dict[str, tuple[list[float], float]] = field(default_factory=dict)  # name -> (0..1 points, now)
    bars: dict[str, dict[int, float]] = field(default_factory=dict)  # name -> state -> share of the pool
    bars_title: str = ""
    chart: list[SweepRow] | None = None
    block_size: int = 0


class EventStage:
    mode = "event"
    unit = "step"
    legend_states = (USED, RESERVED, FREE, STRANDED, UNUSABLE)
    state_labels: dict[int, str] = {}

    def __init__(self, params: Params, chart: bool = False) -> None:
        self.session = Session(params)
        self.chart = chart  # show the block-size trade-off
        self._chart_key: tuple | None = None
        self._chart_rows: list[SweepRow] = []
        self.repaint()

    # -- where we are --------------------------------------------------------------------

    @property
    def sim(self):
        return self.session.sim

    @property
    def params(self) -> Params:
        return self.session.params

    @property
    def edited(self) -> bool:
        return self.session.params != self.session.initial_params or bool(self.session.manual)

    @property
    def step(self) -> int:
        return self.sim.step

    @property
    def total_steps(self) -> int:
        return self.sim.total_steps

    @property
    def at_end(self) -> bool:
        return self.sim.at_end

    def request_detail(self, rid: int) -> str:
        """`used/max_len` of request `rid`, for hovering."""
        event = next((e for e in self.sim.events if e.kind == "arrive" and e.id == rid), None)
        return f"{event.request.used}/{event.request.max_len}" if event else ""

    # -- moving --------------------------------------------------------------------------

    def repaint(self) -> None:
        """Pictures from scratch."""
        sim = self.sim
        self.pictures = {
            "contiguous": ContiguousPicture(sim.contiguous, self.params.max_len),
            "paged": PagedPicture(sim.paged),
        }

    def forward(self) -> Changes:
        record = self.sim.step_forward()
        return {} if record is None else self._patch(record, undone=False)

    def back(self) -> Changes:
        record = self.sim.step_back()
        return {} if record is None else self._patch(record, undone=True)

    def goto(self, step: int, patch_up_to: int = 256) -> Changes:
        """Jump to `step`; patched step by step if near, else repainted (None)."""
        step = max(0, min(step, self.total_steps))
        if abs(step - self.step) > patch_up_to:
            self.sim.goto(step)
            self.repaint()
            return None
        changes: dict[str, Ranges] = {name: [] for name in ALLOCATORS}
        while self.step != step:
            moved = self.forward() if self.step < step else self.back()
            for name, ranges in moved.items():
                changes[name] += ranges
        return changes

    def free_oldest(self) -> Changes:
        record = self.session.free_oldest()
        if record is None:
            raise LookupError("nothing is live to free")
        return self._patch(record, undone=False)

    def inject_arrival(self) -> Changes:
        return self._patch(self.session.inject_arrival(), undone=False)

    def set_params(self, **changes: object) -> None:
        """Replay under new parameters (raises ParamError, keeping everything, if refused)."""
        self.session.set_params(**changes)
        self.repaint()

    def reset(self) -> None:
        self.session.reset()
        self.repaint()

    def _patch(self, record: StepRecord, undone: bool) -> dict[str, Ranges]:
        return {name: self.pictures[name].apply(getattr(record, name), undone) for name in ALLOCATORS}

    # -- words ---------------------------------------------------------------------------

    def narration(self) -> str:
        return narrate(self.sim)

    def source(self) -> str:
        p = self.params
        if p.ops is not None:
            return "op list"
        if p.trace is not None:
            return "trace " + p.trace.rsplit("/", 1)[-1]
        if p.lengths != "constant":
            return f"lengths {p.lengths}"
        return f"used {p.used_len}"

    def pane_title(self, name: str) -> str:
        p = self.params
        if name == "contiguous":
            return f"contiguous · {p.placement} fit · reserve {p.reservation}"
        return f"paged · block {p.block_size} · {p.order}"

    def sidebar(self, compact: bool) -> SidebarData:
        sim = self.sim
        c, p = sim.metrics("contiguous", holes=False), sim.metrics("paged", holes=False)
        data = SidebarData(tally_rows(c, p, compact), ratio_line(c, p), "waste share over steps (0–100%)")
        for name, m in (("contiguous", c), ("paged", p)):
            data.sparks[name] = (waste_share_points(sim, name), m.waste_share)
        if self.chart:
            key = (self.params, len(sim.events))
            if key != self._chart_key:  # the sweep covers the whole stream: only parameters change it
                self._chart_key, self._chart_rows = key, sweep(self.params, sim.events)
            data.chart, data.block_size = self._chart_rows, self.params.block_size
        return data


def waste_share_points(sim, name: str) -> list[float]:
    """reserved / (used + reserved) after each step, sampled down to SPARK_POINTS."""
    series = sim.series[name]
    used, reserved = series["used"], series["reserved"]
    n = len(used)
    picks = range(n) if n <= SPARK_POINTS else [i * (n - 1) // (SPARK_POINTS - 1) for i in range(SPARK_POINTS)]
    return [reserved[i] / (used[i] + reserved[i]) if used[i] + reserved[i] else 0.0 for i in picks]
