"""Every metric of an allocator after a step (the rows of `fragtui report`): the vocabulary every
allocator measures itself in (`Allocator.metrics`, `Allocator.tallies`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
