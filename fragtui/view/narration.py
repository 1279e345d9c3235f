"""One sentence per step: what arrived or left, and what each allocator did about it."""

from __future__ import annotations

from typing import Sequence

from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, ContiguousOutcome, PagedOutcome
from fragtui.sim.config.sides import Side
from fragtui.sim.engines.lockstep import StepRecord
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.pool import Pool
from fragtui.sim.workload.requests import Arrive


def narrate_start(total_steps: int) -> str:
    if not total_steps:
        return "step 0: this workload has no events"
    return f"step 0 of {total_steps}: nothing has happened yet — press space to step, p to play, ? for help"


def narrate_record(record: StepRecord, sides: Sequence[Side], metrics: Sequence[Metrics],
                   pools: Sequence[Pool]) -> str:
    """What step `record` did on every side; each side's metrics after it explain a fragmented
    rejection, and its pool says which freed blocks others still share or the cache keeps."""
    event = record.event
    prefix = ""
    if isinstance(event, Arrive):
        r = event.request
        prefix = r.prefix
        shared = f", prefix {r.prefix} {r.prefix_len}" if r.prefix else ""
        what = f"r{r.id} arrives (used {r.used}, max {r.max_len}{shared})"
    else:
        what = f"r{event.id} leaves"
    full = len(sides) <= 2  # with more sides, each says it shorter
    words = [f"{side.label}: {_outcome(outcome, m, pool, prefix, full)}"
             for side, outcome, m, pool in zip(sides, record.outcomes, metrics, pools)]
    return f"step {record.index}: {what} — " + " · ".join(words)


def _outcome(outcome: object, m: Metrics, pool: Pool, prefix: str, full: bool) -> str:
    """A side's outcome in words, as it holds memory: a run, or a block table."""
    if isinstance(outcome, ContiguousOutcome):
        return _run(outcome, m, full)
    assert isinstance(outcome, PagedOutcome)
    return _blocks(outcome, prefix, pool)


def _run(o: ContiguousOutcome, m: Metrics | None, full: bool = True) -> str:
    if o.kind == ADMITTED:
        return f"slots {span(o.start, o.start + o.length)} ({o.used} used, {o.length - o.used} reserved)"
    if o.kind == FREED:
        merged = o.left + o.length + o.right
        tail = f", merged into a free run of {merged}" if merged > o.length else ""
        return f"slots {span(o.start, o.start + o.length)} freed{tail}"
    if o.kind == NOOP:
        return "no-op (never admitted here)"
    if o.reason == FRAGMENTED:
        detail = f": {m.free} free but the largest run is {m.largest_free_run} < {o.length}" if m else ""
        if m and not full:
            detail = f" ({m.free} free, largest run {m.largest_free_run} < {o.length})"
        return f"rejected, fragmented{detail}"
    return f"rejected, pool full (needs {o.length})"


def _blocks(o: PagedOutcome, prefix: str, pool: Pool) -> str:
    if o.kind == ADMITTED:
        if not o.reused:
            return blocks_text(o.blocks) + _evicting(o)
        n, new = o.reused, o.blocks[o.reused:]
        back = f", {len(o.revived)} back from the free pool" if o.revived else ""
        text = (f"r{o.request_id} reuses {n} cached block{'s' if n > 1 else ''} of prefix {prefix} "
                f"({blocks_text(o.blocks[:n])}{back})")
        return text + (f" + {blocks_text(new)}" if new else "") + _evicting(o)
    if o.kind == FREED:
        kept = _kept(o.blocks, pool)
        return f"{blocks_text(o.blocks)} {'released' if kept is not None else 'freed'}{kept or ''}"
    if o.kind == NOOP:
        return "no-op (never admitted here)"
    return "rejected, pool full"


def _evicting(o: PagedOutcome) -> str:
    n, twice = len(o.evicted), o.duplicates
    text = f", evicting {n} cached block{'s' if n > 1 else ''}" if n else ""
    if twice:  # cached already in another block: vLLM keeps both copies
        text += f", {twice} block{'s' if twice > 1 else ''} computed again (a duplicate of a cached one)"
    return text


def _kept(blocks: Sequence[int], pool: Pool) -> str | None:
    """What became of a released table's blocks, where blocks are shared or cached (None where
    nothing ever is): some still held by others, some kept cached."""
    if not pool.shares:
        return None
    held = sum(1 for b in blocks if pool.holders(b))
    cached_blocks = pool.cached_blocks()
    cached = sum(1 for b in blocks if b in cached_blocks)
    parts = [f"{held} still shared"] if held else []
    if cached:
        parts.append(f"{cached} kept cached")
    return ": " + ", ".join(parts) if parts else ""


def span(start: int, end: int) -> str:
    return str(start) if end - start == 1 else f"{start}–{end - 1}"


def blocks_text(blocks: Sequence[int], most: int = 6) -> str:
    """`block 5`; `blocks 16–17`; `blocks 921–917` (handed out downwards); `blocks 3, 8–10, 2`:
    runs of consecutive ids, up or down, collapsed, and past `most` pieces shortened."""
    if len(blocks) == 1:
        return f"block {blocks[0]}"
    blocks = list(blocks)  # (a table kept as runs reads slowly one id at a time)
    pieces: list[str] = []
    i = 0
    while i < len(blocks):
        j = i + 1
        step = blocks[j] - blocks[i] if j < len(blocks) else 0
        if step in (1, -1):
            while j + 1 < len(blocks) and blocks[j + 1] - blocks[j] == step:
                j += 1
            pieces.append(f"{blocks[i]}–{blocks[j]}")
            i = j + 1
        else:
            pieces.append(str(blocks[i]))
            i += 1
    shown = ", ".join(pieces[:most])
    return f"blocks {shown}" + (f", … ({len(blocks)} in all)" if len(pieces) > most else "")
