"""Every metric of an allocator after a step (the rows of `fragtui report`), read off its current state."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from fragtui.sim.allocators.block_runs import runs_of, span
from fragtui.sim.allocators.buddy import BuddyAllocator
from fragtui.sim.allocators.contiguous import ContiguousAllocator
from fragtui.sim.allocators.paged import PagedAllocator

Allocator = ContiguousAllocator | BuddyAllocator | PagedAllocator

# The integer tallies recorded after every step (for sparklines and peaks), in this order.
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
        """The share of admitted blocks the cache served (vLLM reports it over tokens); None
        before any lookup."""
        lookups = self.prefix_hits + self.prefix_misses
        return self.prefix_hits / lookups if lookups else None

    def as_dict(self) -> dict[str, int | float | None]:
        data: dict[str, int | float | None] = asdict(self)
        data["wasted"] = self.wasted
        hit_rate = self.hit_rate
        data["hit_rate"] = None if hit_rate is None else round(hit_rate, 6)
        data["ext_frag"] = round(self.ext_frag, 6)
        data["utilization"] = round(self.utilization, 6)
        data["waste_share"] = round(self.waste_share, 6)
        return data


def series_row(a: Allocator) -> tuple[int, ...]:
    """The cheap tallies, in SERIES_FIELDS order: O(1) for both allocators."""
    entries = a.block_table_entries if isinstance(a, PagedAllocator) else a.live
    return (
        a.admitted,
        a.rejected_pool_full + a.rejected_fragmented,
        a.rejected_fragmented,
        a.live,
        a.used,
        a.reserved,
        a.free,
        a.largest,
        entries,
    )


def measure(a: Allocator, max_len: int, holes: bool = True) -> Metrics:
    """All metrics now. `max_len` sets what counts as stranded (contiguous only); `holes=False`
    skips counting paged's free-block runs, which is O(blocks log blocks)."""
    admitted, rejected, fragmented, live, used, reserved, free, largest, entries = series_row(a)
    sharing: dict[str, int] = {}
    if isinstance(a, PagedAllocator):
        count = _free_block_runs(a) if holes else None
        stranded, unusable = 0, a.unusable
        if a.prefix_caching:
            sharing = {"prefix_hits": a.hits, "prefix_misses": a.misses, "evictions": a.evictions,
                       "saved_blocks": a.saved_blocks}
    else:
        count = a.holes
        stranded, unusable = a.stranded(a.run_needed(max_len)), 0
    return Metrics(
        admitted=admitted,
        rejected=rejected,
        rejected_pool_full=rejected - fragmented,
        rejected_fragmented=fragmented,
        live=live,
        used=used,
        reserved=reserved,
        slack=a.slack if isinstance(a, BuddyAllocator) else 0,
        free=free,
        unusable=unusable,
        largest_free_run=largest,
        holes=count,
        stranded=stranded,
        block_table_entries=entries,
        total_slots=a.total_slots,
        **sharing,
    )


def _free_block_runs(paged: PagedAllocator) -> int:
    """Maximal runs of consecutive free block ids: where paged's free space physically lies.
    Counted from the blocks held (the gaps between them), never by listing the free blocks,
    so it costs the tables, not the pool (16,777,216 free blocks are one run, not 600 MB)."""
    spans: list[tuple[int, int]] = []
    for blocks, _ in paged.tables.values():
        for run in runs_of(blocks):
            ends = span(run)
            if ends is None:
                spans.extend((b, b + 1) for b in run)
            else:
                spans.append(ends)
    spans.sort()
    count, covered = 0, 0
    for start, end in spans:
        if start > covered:
            count += 1
        covered = max(covered, end)
    return count + (covered < paged.num_blocks)
