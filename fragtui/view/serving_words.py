"""Serving mode's words: what each tick did on each side, the running and waiting queues,
and the pool in the paper's memory categories, now and averaged over the ticks so far."""

from __future__ import annotations

from fragtui.sim.pair import Pair, Side
from fragtui.sim.engines.serving.serving_engine import ServingEngine
from fragtui.sim.engines.serving.run import ServingRun
from fragtui.sim.engines.serving.types import Breakdown, TickRecord
from fragtui.view.rows import CATEGORIES, SERVING_SHARING_ROWS
from fragtui.view.states import SHARED, USED
from fragtui.view.words import SidebarData


class ServingWords:
    manual: frozenset[str] = frozenset()  # requests come from the workload and leave when they finish
    inert = frozenset({"used_len"})  # prompt and output lengths come from --prompt-len/--output-len
    charts: tuple[str, ...] = ()  # a serving sweep runs four engines to the end: see fragtui sweep
    chart: str | None = None

    def __init__(self, engine: ServingEngine) -> None:
        self.engine = engine

    def chart_now(self) -> None:
        return None

    @property
    def legend(self) -> tuple[tuple[int, str], ...]:
        # One entry a colour: rounding slack is drawn as internal fragmentation (never used).
        labels = {c.state: c.short for c in reversed(CATEGORIES)}
        legend = tuple((state, labels[state]) for state in dict.fromkeys(c.state for c in CATEGORIES))
        if self.engine.params.sequences > 1:  # token states that several sequences share
            i = [state for state, _ in legend].index(USED) + 1
            legend = legend[:i] + ((SHARED, "shared"),) + legend[i:]
        return legend

    def holder_name(self, sid: int) -> str:
        return self.engine.runs.paged.sequences.name(sid)

    def narration(self) -> str:
        e = self.engine
        if e.tick == 0:
            count = len(e.workload.requests)
            return (f"tick 0 of {e.total_steps}: {count} request{'s' if count != 1 else ''} will arrive; each tick "
                    "every running request appends one token — press space")
        parts = [f"tick {e.tick}:"]
        arrived = next((len(r.arrived) for r in e.records if r is not None), 0)
        if arrived:
            parts.append(f"{arrived} arrive{'s' if arrived == 1 else ''} —")
        words = [f"{side}: {tick_words(record, run)}" for (side, run), record in zip(e.runs.items(), e.records)]
        return " ".join(parts) + " " + " · ".join(words)

    def request_detail(self, sid: int) -> str:
        rid = self.engine.runs.paged.sequences.request(sid)
        for run in self.engine.runs:
            state = run.state_of(rid)
            if state is not None:
                return f"{state.tokens}/{state.final} tokens"
        return ""

    def source(self) -> str:
        return self.engine.workload.source

    def pane_title(self, side: Side) -> str:
        p = self.engine.params
        if side == "contiguous":
            return f"Orca {p.reservation} · {p.placement} fit"
        return f"paged · block {p.block_size} · {p.order}"

    def sidebar(self, compact: bool) -> SidebarData:
        c, p = self.engine.runs
        cm, pm = c.metrics(), p.metrics()
        now = Pair(c.breakdown(), p.breakdown())
        rows = [
            ("running" if compact else "running (batch)", str(len(c.running_ids())), str(len(p.running_ids()))),
            ("waiting", str(c.waiting_count), str(p.waiting_count)),
            ("completed", str(cm.completed), str(pm.completed)),
            ("preempted" if compact else "preemptions", str(cm.preemptions), str(pm.preemptions)),
        ]
        rows += [(f"{category.tiny if compact else category.short} %", _pct(now.contiguous, category.key),
                  _pct(now.paged, category.key))
                 for category in CATEGORIES if category.key != "unusable"
                 and (category.key != "slack" or self.engine.params.placement == "buddy")]
        rows.append(("avg batch", f"{cm.mean_batch:.1f}", f"{pm.mean_batch:.1f}"))
        if self.engine.params.sequences > 1:
            rows += [(label, read(cm), read(pm)) for label, read in SERVING_SHARING_ROWS]
        if cm.mean_batch:
            ratio = f"paged batches {pm.mean_batch / cm.mean_batch:.2f}×\nas many requests on average"
        else:
            ratio = "nothing running yet"
        data = SidebarData(rows, ratio, bars_title="memory, mean over the ticks so far")
        data.bars = Pair(_shares(cm.breakdown), _shares(pm.breakdown))
        return data


def tick_words(record: TickRecord | None, run: ServingRun) -> str:
    if record is None:
        return f"done at tick {run.tick}"
    words = []
    if record.admitted:
        words.append("admits " + _ids(record.admitted))
    if record.preempted:
        words.append("preempts " + _ids(record.preempted))
    if record.copies:
        words.append(f"{record.copies} cop{'y' if record.copies == 1 else 'ies'} on write")
    if record.completed:
        words.append(f"{len(record.completed)} complete{'s' if len(record.completed) == 1 else ''}")
    if record.rejected:
        words.append("rejects " + _ids(record.rejected) + " (never fits)")
    words.append(f"batch {record.batch}, queue {run.waiting_count}")
    return ", ".join(words)


def _ids(ids: tuple[int, ...]) -> str:
    shown = " ".join(f"r{i}" for i in ids[:4])
    return shown + (f" +{len(ids) - 4}" if len(ids) > 4 else "")


def _pct(breakdown: Breakdown, key: str) -> str:
    return f"{100 * breakdown.share(key):.1f}"


def _shares(breakdown: Breakdown) -> dict[int, float]:
    values = breakdown.as_dict()
    return {category.state: values[category.key] for category in CATEGORIES}
