"""One sentence per move, in either mode: what arrived or left, and what each side did about it,
read off the one record both engines keep (engines/record.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence, runtime_checkable

from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, ContiguousOutcome, PagedOutcome
from fragtui.sim.engines.record import SideRecord
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.pool import Pool
from fragtui.sim.workload.requests import Arrive, Event


def narrate_start(total_steps: int) -> str:
    if not total_steps:
        return "step 0: this workload has no events"
    return f"step 0 of {total_steps}: nothing has happened yet — press space to step, p to play, ? for help"


def narrate_ticks_start(total_ticks: int, requests: int) -> str:
    return (f"tick 0 of {total_ticks}: {requests} request{'s' if requests != 1 else ''} will arrive; each tick every "
            "running request appends one token — press space")


def step_header(step: int, event: Event) -> str:
    """Event mode: what the step's event was."""
    if isinstance(event, Arrive):
        r = event.request
        shared = f", prefix {r.prefix} {r.prefix_len}" if r.prefix else ""
        return f"step {step}: r{r.id} arrives (used {r.used}, max {r.max_len}{shared})"
    return f"step {step}: r{event.id} leaves"


def tick_header(tick: int, arrived: int) -> str:
    """Serving mode: the tick and how many requests arrived in it."""
    return f"tick {tick}" + (f": {arrived} arrive{'s' if arrived == 1 else ''}" if arrived else "")


@runtime_checkable
class SaysWhatItDid(Protocol):
    """An outcome that narrates itself; `listed(ids, noun)` writes a list of blocks as the
    narration does ("pages 3–5")."""

    def words(self, listed: Callable[[Sequence[int], str], str]) -> str: ...


@dataclass(frozen=True)
class SideNow:
    """What a side's words need besides its record: its pool and metrics after the move, the
    prefix an arrival named, its queue, and when its run ended (serving)."""

    label: str
    pool: Pool
    metrics: Metrics | None = None
    prefix: str = ""
    waiting: int = 0
    ended: int = 0


def narrate(header: str, records: Sequence[SideRecord | None], sides: Sequence[SideNow]) -> str:
    """One sentence per move, either mode: the header, then each side's words. With more than
    two sides each says it shorter; sides that did the same are named together."""
    full = len(sides) <= 2
    said: dict[str, list[str]] = {}  # the same words from several sides are said once, for all of them
    for record, side in zip(records, sides):
        said.setdefault(side_words(record, side, full), []).append(side.label)
    return f"{header} — " + " · ".join(f"{', '.join(labels)}: {words}" for words, labels in said.items())


def side_words(record: SideRecord | None, side: SideNow, full: bool = True) -> str:
    """What one side did: its allocator's own account of an event, or a tick's by request."""
    if record is None:
        return f"done at tick {side.ended}"
    o = record.outcome
    if isinstance(o, ContiguousOutcome):
        return _run(o, side.metrics, full)
    if isinstance(o, PagedOutcome):
        return _blocks(o, side.prefix, side.pool)
    if isinstance(o, SaysWhatItDid):  # another family's outcome words itself
        return o.words(blocks_text)
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
    words.append(f"batch {record.batch}, queue {side.waiting}")
    return ", ".join(words)


def _ids(ids: tuple[int, ...]) -> str:
    shown = " ".join(f"r{i}" for i in ids[:4])
    return shown + (f" +{len(ids) - 4}" if len(ids) > 4 else "")


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
        of = f"of prefix {prefix}" if prefix else "of its prompt"
        text = f"r{o.request_id} reuses {n} cached block{'s' if n > 1 else ''} {of} ({blocks_text(o.blocks[:n])}{back})"
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


def blocks_text(blocks: Sequence[int], noun: str = "block", most: int = 6) -> str:
    """`block 5`; `blocks 16–17`; `blocks 921 down to 917` (handed out downwards: a range is
    always written upwards); `blocks 3, 8–10, 2`: runs of consecutive ids, up or down,
    collapsed, and past `most` pieces shortened. `noun` names them ("page")."""
    if len(blocks) == 1:
        return f"{noun} {blocks[0]}"
    if not blocks:
        return f"no {noun}"
    blocks = list(blocks)  # (a table kept as runs reads slowly one id at a time)
    pieces: list[str] = []
    i = 0
    while i < len(blocks):
        j = i + 1
        step = blocks[j] - blocks[i] if j < len(blocks) else 0
        if step in (1, -1):
            while j + 1 < len(blocks) and blocks[j + 1] - blocks[j] == step:
                j += 1
            pieces.append(f"{blocks[i]}–{blocks[j]}" if step == 1 else f"{blocks[i]} down to {blocks[j]}")
            i = j + 1
        else:
            pieces.append(str(blocks[i]))
            i += 1
    shown = ", ".join(pieces[:most])
    return f"{noun}s {shown}" + (f", … ({len(blocks)} in all)" if len(pieces) > most else "")
