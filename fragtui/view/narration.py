"""One sentence per step: what arrived or left, and what each allocator did about it."""

from __future__ import annotations

from fragtui.sim.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, ContiguousOutcome, PagedOutcome
from fragtui.sim.requests import Arrive
from fragtui.sim.simulation import Simulation, StepRecord


def narrate(sim: Simulation) -> str:
    """What the last step did, or how to start when nothing has happened yet."""
    record = sim.last
    if record is None:
        if not sim.events:
            return "step 0: this workload has no events"
        return f"step 0 of {sim.total_steps}: nothing has happened yet — press space to step, p to play, ? for help"
    return narrate_record(record, sim)


def narrate_record(record: StepRecord, sim: Simulation | None = None) -> str:
    event = record.event
    if isinstance(event, Arrive):
        r = event.request
        what = f"r{r.id} arrives (used {r.used}, max {r.max_len})"
    else:
        what = f"r{event.id} leaves"
    return (
        f"step {record.index}: {what} — contiguous: {_contiguous(record.contiguous, sim)}"
        f" · paged: {_paged(record.paged)}"
    )


def _contiguous(o: ContiguousOutcome, sim: Simulation | None) -> str:
    if o.kind == ADMITTED:
        return f"slots {_span(o.start, o.start + o.length)} ({o.used} used, {o.length - o.used} reserved)"
    if o.kind == FREED:
        merged = o.left + o.length + o.right
        tail = f", merged into a free run of {merged}" if merged > o.length else ""
        return f"slots {_span(o.start, o.start + o.length)} freed{tail}"
    if o.kind == NOOP:
        return "no-op (never admitted here)"
    if o.reason == FRAGMENTED:
        detail = ""
        if sim is not None:
            pool = sim.contiguous
            detail = f": {pool.free} free but the largest run is {pool.runs.largest} < {o.length}"
        return f"rejected, fragmented{detail}"
    return f"rejected, pool full (needs {o.length})"


def _paged(o: PagedOutcome) -> str:
    if o.kind == ADMITTED:
        return f"{_blocks(o.blocks)}"
    if o.kind == FREED:
        return f"{_blocks(o.blocks)} freed"
    if o.kind == NOOP:
        return "no-op (never admitted here)"
    return "rejected, pool full"


def _span(start: int, end: int) -> str:
    return str(start) if end - start == 1 else f"{start}–{end - 1}"


def _blocks(blocks: tuple[int, ...]) -> str:
    """`block 5`, `blocks 16–17` when consecutive, else a list (shortened past six)."""
    if len(blocks) == 1:
        return f"block {blocks[0]}"
    if all(b == blocks[0] + i for i, b in enumerate(blocks)):
        return f"blocks {blocks[0]}–{blocks[-1]}"
    shown = ", ".join(map(str, blocks[:6]))
    return f"blocks {shown}" + (f", … ({len(blocks)} in all)" if len(blocks) > 6 else "")
