"""Serving mode's data out: tick records, the memory breakdown, metrics."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = ("token_states", "reserved", "internal", "slack", "stranded", "free", "unusable")

@dataclass(frozen=True, slots=True)
class Breakdown:
    """The pool in the paper's categories (PagedAttention §3, Fig. 2), in slots.

    Per tick the values are whole numbers; averaged over ticks they are floats."""

    token_states: float = 0  # tokens held
    reserved: float = 0  # held for tokens still to come that will come
    internal: float = 0  # held, never to be used, within what was reserved
    slack: float = 0  # held past the reservation, never used: a buddy allocator's rounding
    stranded: float = 0  # free, in runs too short for the head of the queue (contiguous)
    free: float = 0  # other free slots
    unusable: float = 0  # past the last whole block (paged)

    @property
    def total(self) -> float:
        return (self.token_states + self.reserved + self.internal + self.slack + self.stranded + self.free
                + self.unusable)

    def share(self, category: str) -> float:
        """`category` as a fraction of the pool."""
        total = self.total
        return getattr(self, category) / total if total else 0.0

    def as_dict(self) -> dict[str, float]:
        return {category: getattr(self, category) for category in CATEGORIES}


@dataclass(frozen=True, slots=True)
class RequestState:
    """A request as it stands: `generated` output tokens so far (kept across preemptions)."""

    id: int
    arrival_tick: int
    prompt: int
    output: int
    generated: int

    @property
    def tokens(self) -> int:
        return self.prompt + self.generated

    @property
    def final(self) -> int:
        return self.prompt + self.output


@dataclass(frozen=True, slots=True)
class TickRecord:
    """What tick `tick` (0-based) did, by request id, and the pool after it."""

    tick: int
    freed: tuple[int, ...]
    arrived: tuple[int, ...]
    admitted: tuple[int, ...]  # readmissions after a preemption included
    rejected: tuple[int, ...]  # could never fit the pool
    grown: tuple[int, ...]  # took one more block (paged)
    preempted: tuple[int, ...]  # in the order they were preempted
    completed: tuple[int, ...]
    batch: int  # requests that ran: appended a token (the preempted did not)
    breakdown: Breakdown
    copies: int = 0  # blocks copied on write (sequences sharing a last block)
    # Blocks a request let go of when preempted: one admitted and preempted in the same tick
    # shows in no holding, yet may have left blocks cached or evicted (prefix caching).
    released: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ServingMetrics:
    ticks: int
    arrived: int
    admitted: int  # first admissions only
    completed: int
    rejected: int
    preemptions: int
    tokens_generated: int
    queued_ticks: int  # ticks that ended with a non-empty waiting queue
    throughput: float  # completed / ticks
    mean_batch: float  # running after admission, over all ticks
    mean_batch_queued: float  # the same over queued ticks
    mean_queueing_delay: float  # first admission tick − arrival tick, over admitted requests
    breakdown: Breakdown  # mean over all ticks
    breakdown_queued: Breakdown  # mean over queued ticks: the memory-bound regime
    # The same, over the steady-state window: queued ticks after the warm-up (the tick in which
    # the run's warmup-th request completed, `warmup_ticks`), the cold start left out.
    warmup_ticks: int = 0
    steady_queued_ticks: int = 0
    steady_mean_batch_queued: float = 0.0
    steady_breakdown_queued: Breakdown = Breakdown()
    # sharing (--samples, --beam-width): 0 where each request is one sequence
    copies: int = 0  # blocks copied on write
    saved_share: float = 0.0  # blocks saved by sharing / blocks without sharing, summed over ticks (Fig. 15)
