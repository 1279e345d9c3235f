"""One record of what a move did to one side, for both engines: a step (event mode: one event)
or a tick (serving mode), by request id. The narration, the stage's changes and the reports
read it; event mode's allocator outcome rides along for the words it alone has (which slots,
which blocks, merged with which neighbours)."""

from __future__ import annotations

from dataclasses import dataclass

from fragtui.sim.allocators.allocator import Outcome
from fragtui.sim.allocators.outcomes import ADMITTED, FREED, REJECTED
from fragtui.sim.measures.breakdown import Breakdown
from fragtui.sim.workload.requests import Arrive, Event


@dataclass(frozen=True, slots=True)
class SideRecord:
    """What step `index` (0-based: event mode's event, serving mode's tick) did on one side,
    and (serving mode) the pool after it."""

    index: int
    freed: tuple[int, ...]
    arrived: tuple[int, ...]
    admitted: tuple[int, ...]  # readmissions after a preemption included
    rejected: tuple[int, ...]  # event mode: refused; serving mode: could never fit the pool
    grown: tuple[int, ...] = ()  # took one more block (paged, serving)
    preempted: tuple[int, ...] = ()  # in the order they were preempted
    completed: tuple[int, ...] = ()
    batch: int = 0  # serving: requests that ran, appending a token (the preempted did not)
    breakdown: Breakdown | None = None  # serving: the pool after the tick
    copies: int = 0  # blocks copied on write (sequences sharing a last block)
    # Blocks a request let go of when preempted: one admitted and preempted in the same tick
    # shows in no holding, yet may have left blocks cached or evicted (prefix caching).
    released: tuple[int, ...] = ()
    outcome: Outcome | None = None  # event mode: the allocator's own account of the event


def of_outcome(index: int, event: Event, outcome: Outcome) -> SideRecord:
    """Event mode's step `index` (0-based) on one side, from its allocator's outcome."""
    rid = outcome.request_id
    mine = (rid,)
    return SideRecord(index, mine if outcome.kind == FREED else (), (event.id,) if isinstance(event, Arrive) else (),
                      mine if outcome.kind == ADMITTED else (), mine if outcome.kind == REJECTED else (),
                      outcome=outcome)
