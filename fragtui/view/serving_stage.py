"""The serving stage: contiguous (one Orca policy) and paged serving the same requests, a tick
per step, drawn in the PagedAttention paper's memory categories."""

from __future__ import annotations

from fragtui.sim.errors import FragtuiError
from fragtui.sim.params import Params
from fragtui.sim.serving import ServingRun, TickRecord
from fragtui.sim.serving.workload import build_serving_workload
from fragtui.sim.snapshot import FREE, INTERNAL, RESERVED, STRANDED, UNUSABLE, USED
from fragtui.view.picture import Ranges
from fragtui.view.serving_picture import ServingPicture
from fragtui.view.stage import Changes, SidebarData

POOLS = ("contiguous", "paged")
CATEGORY_STATES = {
    "token_states": USED, "reserved": RESERVED, "internal": INTERNAL,
    "stranded": STRANDED, "free": FREE, "unusable": UNUSABLE,
}


class ServingStage:
    mode = "serving"
    unit = "tick"
    legend_states = (USED, RESERVED, INTERNAL, STRANDED, FREE, UNUSABLE)
    state_labels = {USED: "token states", RESERVED: "future tokens", INTERNAL: "internal frag"}

    def __init__(self, params: Params) -> None:
        self.initial_params = params
        self._build(params)

    def _build(self, params: Params, tick: int = 0) -> None:
        workload = build_serving_workload(params)
        common = dict(total_slots=params.total_slots, max_len=params.max_len, block_size=params.block_size)
        runs = {
            "contiguous": ServingRun(workload.requests, allocator="contiguous", reservation=params.reservation,
                                     placement=params.placement, **common),
            "paged": ServingRun(workload.requests, allocator="paged", order=params.order, **common),
        }
        ends = {}
        for name, run in runs.items():  # learn where each run ends, then rewind
            ends[name] = run.run().tick
            run.goto(0)
        self.params, self.workload, self.runs, self.ends = params, workload, runs, ends
        self.tick = 0
        self.records: dict[str, TickRecord | None] = {name: None for name in POOLS}
        self.pictures = {name: ServingPicture(params.total_slots, params.block_size) for name in POOLS}
        self._goto(min(tick, self.total_steps))

    # -- where we are --------------------------------------------------------------------

    @property
    def sim(self):
        return self.runs

    @property
    def edited(self) -> bool:
        return self.params != self.initial_params

    @property
    def step(self) -> int:
        return self.tick

    @property
    def total_steps(self) -> int:
        return max(self.ends.values())

    @property
    def at_end(self) -> bool:
        return self.tick >= self.total_steps

    # -- moving --------------------------------------------------------------------------

    def forward(self) -> Changes:
        if self.at_end:
            return {}
        return self._goto(self.tick + 1)

    def back(self) -> Changes:
        if self.tick == 0:
            return {}
        return self._goto(self.tick - 1)

    def goto(self, step: int) -> Changes:
        return self._goto(max(0, min(step, self.total_steps)))

    def _goto(self, tick: int) -> dict[str, Ranges]:
        self.tick = tick
        changes = {}
        for name, run in self.runs.items():
            run.goto(min(tick, self.ends[name]))
            self.records[name] = run.last if run.tick == tick else None  # None: this run is over
            changes[name] = self.pictures[name].update(run.snapshot())
        return changes

    def free_oldest(self) -> Changes:
        raise FragtuiError("in serving mode requests leave when they finish")

    def inject_arrival(self) -> Changes:
        raise FragtuiError("in serving mode arrivals come from the workload (--rate, --trace)")

    def set_params(self, **changes: object) -> None:
        params = self.params.with_(**changes)
        tick = self.tick
        old = (self.params, self.workload, self.runs, self.ends, self.tick, self.records, self.pictures)
        try:
            self._build(params, tick)
        except ValueError as error:  # the engine refuses the workload: keep what we had
            (self.params, self.workload, self.runs, self.ends, self.tick, self.records, self.pictures) = old
            raise FragtuiError(str(error)) from None

    def reset(self) -> None:
        self._build(self.initial_params)

    # -- words ---------------------------------------------------------------------------

    def request_detail(self, rid: int) -> str:
        for run in self.runs.values():
            for state in run.running():
                if state.id == rid:
                    return f"{state.tokens}/{state.final} tokens"
        return ""

    def source(self) -> str:
        return self.workload.source

    def pane_title(self, name: str) -> str:
        p = self.params
        if name == "contiguous":
            return f"Orca {p.reservation} · {p.placement} fit"
        return f"paged · block {p.block_size} · {p.order}"

    def narration(self) -> str:
        if self.tick == 0:
            return (f"tick 0 of {self.total_steps}: {len(self.workload.requests)} requests will arrive; each tick "
                    "every running request appends one token — press space")
        parts = [f"tick {self.tick}:"]
        arrived = next((r.arrived for r in self.records.values() if r is not None), ())
        if arrived:
            parts.append(f"{len(arrived)} arrive —")
        for name in POOLS:
            parts.append(f"{name}: {_tick_words(self.records[name], self.runs[name])}")
            if name == "contiguous":
                parts.append("·")
        return " ".join(parts)

    def sidebar(self, compact: bool) -> SidebarData:
        c, p = (self.runs[name] for name in POOLS)
        cm, pm = c.metrics(), p.metrics()
        cb, pb = c.breakdown(), p.breakdown()

        def pct(b, category) -> str:
            return f"{100 * b.share(category):.1f}"

        rows = [
            ("running (batch)", str(len(c.running())), str(len(p.running()))),
            ("waiting", str(c.waiting_count), str(p.waiting_count)),
            ("completed", str(cm.completed), str(pm.completed)),
            ("preemptions", str(cm.preemptions), str(pm.preemptions)),
            ("token states %", pct(cb, "token_states"), pct(pb, "token_states")),
            ("future tokens %", pct(cb, "reserved"), pct(pb, "reserved")),
            ("internal frag %", pct(cb, "internal"), pct(pb, "internal")),
            ("stranded %", pct(cb, "stranded"), pct(pb, "stranded")),
            ("free %", pct(cb, "free"), pct(pb, "free")),
            ("avg batch", f"{cm.mean_batch:.1f}", f"{pm.mean_batch:.1f}"),
        ]
        if cm.mean_batch:
            ratio = f"paged batches {pm.mean_batch / cm.mean_batch:.2f}×\nas many requests on average"
        else:
            ratio = "nothing running yet"
        data = SidebarData(rows, ratio, bars_title="memory, mean over the ticks so far")
        for name, m in (("contiguous", cm), ("paged", pm)):
            data.bars[name] = {CATEGORY_STATES[k]: v for k, v in m.breakdown.as_dict().items()}
        return data


def _tick_words(record: TickRecord | None, run: ServingRun) -> str:
    if record is None:
        return f"done at tick {run.tick}"
    words = []
    if record.admitted:
        words.append("admits " + _ids(record.admitted))
    if record.preempted:
        words.append("preempts " + _ids(record.preempted))
    if record.completed:
        words.append(f"{len(record.completed)} complete")
    if record.rejected:
        words.append("rejects " + _ids(record.rejected) + " (never fits)")
    words.append(f"batch {record.batch}, queue {run.waiting_count}")
    return ", ".join(words)


def _ids(ids: tuple[int, ...]) -> str:
    shown = " ".join(f"r{i}" for i in ids[:4])
    return shown + (f" +{len(ids) - 4}" if len(ids) > 4 else "")
