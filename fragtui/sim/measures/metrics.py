"""Every metric of an allocator after a step (the rows of `fragtui report`): the vocabulary every
allocator measures itself in (`Allocator.metrics`, `Allocator.tallies`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from fragtui.sim.measures.breakdown import Breakdown, kv_usage

# The integer tallies an allocator gives after any step at no cost (Allocator.tallies), in this order:
# a report keeps their peaks over its run.
SERIES_FIELDS = (
    "admitted",
    "rejected",
    "rejected_fragmented",
    "live",
    "used",
    "reserved",
    "free",
    "largest_free_run",
    "block_table_entries",
)


@dataclass(frozen=True, slots=True)
class Metrics:
    admitted: int
    rejected: int
    rejected_pool_full: int
    rejected_fragmented: int
    live: int
    used: int
    reserved: int
    slack: int  # the part of reserved that rounding added (buddy chunks): never asked for
    free: int
    unusable: int
    largest_free_run: int
    holes: int | None  # None when not asked for: paged's costs a sort of the free blocks
    stranded: int
    block_table_entries: int
    total_slots: int
    # sharing (prefix caching): 0 where nothing is shared
    prefix_hits: int = 0  # blocks admissions reused from the cache
    prefix_misses: int = 0  # blocks admissions computed anew
    evictions: int = 0  # cached identities dropped because their block was taken
    saved_blocks: int = 0  # block-table entries beyond the blocks held: what sharing saves now
    hit_tokens: int = 0  # tokens admissions found in the cache (hits × block size)
    queried_tokens: int = 0  # tokens admissions looked up: their prompts
    blocks: int = 0  # usable blocks, where memory is blocks (paged): vLLM's gauge reads them
    retained: int = 0  # free slots in pages kept mapped for a request to come (vAttention's deferred reclamation)
    rejected_no_slot: int = 0  # rejected with memory enough: every virtual request slot taken (vAttention)

    @property
    def wasted(self) -> int:
        """Internal fragmentation: Σ(reservation − used) over live requests."""
        return self.reserved

    @property
    def ext_frag(self) -> float:
        """1 − largest free run / free: how much of the free space no big request can use."""
        return 1 - self.largest_free_run / self.free if self.free else 0.0

    @property
    def utilization(self) -> float:
        return self.used / self.total_slots if self.total_slots else 0.0

    @property
    def waste_share(self) -> float:
        """reserved / (used + reserved): the share of held slots that hold no token."""
        held = self.used + self.reserved
        return self.reserved / held if held else 0.0

    @property
    def hit_rate(self) -> float | None:
        """vLLM's prefix-cache hit rate: tokens hit over tokens queried (an admission queries
        its prompt); None before any lookup."""
        return self.hit_tokens / self.queried_tokens if self.queried_tokens else None

    @property
    def kv_usage(self) -> float | None:
        """vLLM's KV-cache usage gauge (breakdown.kv_usage); None where memory is not blocks."""
        return kv_usage(self.free, self.total_slots - self.unusable) if self.blocks else None

    def as_dict(self) -> dict[str, int | float | None]:
        data: dict[str, int | float | None] = asdict(self)
        data["wasted"] = self.wasted
        hit_rate = self.hit_rate
        data["hit_rate"] = None if hit_rate is None else round(hit_rate, 6)
        kv_usage = self.kv_usage
        data["kv_usage"] = None if kv_usage is None else round(kv_usage, 6)
        data["ext_frag"] = round(self.ext_frag, 6)
        data["utilization"] = round(self.utilization, 6)
        data["waste_share"] = round(self.waste_share, 6)
        return data


@dataclass(frozen=True, slots=True)
class ServingMetrics:
    """A side's serving run, tick by tick, averaged: what `report --mode serving` prints."""

    ticks: int
    arrived: int
    admitted: int  # first admissions only
    completed: int
    rejected: int
    preemptions: int
    tokens_generated: int
    queued_ticks: int  # ticks that ended with a non-empty waiting queue
    throughput: float  # completed / ticks
    mean_batch: float  # requests that ran, over all ticks
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
    steady_mean_batch_arriving: float = 0.0  # requests that ran, over the window's ticks before the last arrival
    # sharing (--samples, --beam-width): 0 where each request is one sequence
    copies: int = 0  # blocks copied on write
    saved_share: float = 0.0  # blocks saved by sharing / blocks without sharing, summed over ticks (Fig. 15)
    # vLLM's gauges (Metrics.hit_rate, Metrics.kv_usage): over the run, and averaged over all ticks
    hit_rate: float | None = None  # prefix caching only
    kv_usage: float | None = None  # blocks only
