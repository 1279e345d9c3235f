"""Adapters from each allocator to the pool contract (`pool.py`).

Event mode reads holdings as they were admitted: a contiguous request's tokens fill the start
of its run and the rest of what it reserved is reserved; a paged request's last block has a
reserved tail. Serving mode passes a `Progress`, which says where each request's tokens are
now and will reach. A new allocator needs an adapter here and nothing in the view.
"""

from __future__ import annotations

from typing import Collection, Iterable, Iterator, Protocol

from fragtui.sim.allocators.buddy import BuddyAllocator
from fragtui.sim.allocators.contiguous import ContiguousAllocator
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.pool import BlockStarts, Holding, Progress

RunAllocators = ContiguousAllocator | BuddyAllocator


def run_allocator(total_slots: int, reservation: str, placement: str) -> RunAllocators:
    """The allocator a contiguous placement needs: the fits share one, buddy has its own."""
    if placement == "buddy":
        return BuddyAllocator(total_slots, reservation)
    return ContiguousAllocator(total_slots, reservation, placement)


class RunAllocator(Protocol):
    """What a contiguous-style allocator (one run per request) offers to be drawn."""

    @property
    def total_slots(self) -> int: ...

    @property
    def allocations(self) -> dict[int, tuple[int, int, int]]:
        """id -> (start, length, used): the run each live request holds."""
        ...

    def requested(self, request_id: int) -> int:
        """Slots the request reserved; its run may be longer (a buddy allocator's rounding)."""
        ...

    def free_runs_around(self, start: int, end: int) -> Iterable[tuple[int, int]]: ...

    def free_runs(self) -> Iterable[tuple[int, int]]: ...


class RunPool:
    """A contiguous allocator through the pool contract."""

    block_size = 0
    unusable = 0

    def __init__(self, allocator: RunAllocator, stranded_below: int, progress: Progress | None = None) -> None:
        self.allocator = allocator
        self.total_slots = allocator.total_slots
        self.stranded_below = stranded_below
        self.progress = progress

    def holding(self, rid: int) -> Holding | None:
        entry = self.allocator.allocations.get(rid)
        if entry is None:
            return None
        start, length, used = entry
        if self.progress is None:
            return Holding(rid, (start,), length, used, self.allocator.requested(rid))
        return Holding(rid, (start,), length, self.progress.tokens(rid), self.progress.reach(rid))

    def holdings(self) -> Iterator[Holding]:
        for rid in self.allocator.allocations:
            holding = self.holding(rid)
            assert holding is not None
            yield holding

    def free_runs_around(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        return self.allocator.free_runs_around(start, end)

    def free_runs(self) -> Iterable[tuple[int, int]]:
        return self.allocator.free_runs()

    def cached_blocks(self) -> Collection[int]:
        return ()  # a run is never cached


class BlocksAlike:
    """A pool of blocks where any free block serves: free runs do not matter, nothing strands."""

    stranded_below = 0

    def free_runs_around(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        return ()

    def free_runs(self) -> Iterable[tuple[int, int]]:
        return ()


class BlockPool(BlocksAlike):
    """A paged allocator through the pool contract."""

    def __init__(self, allocator: PagedAllocator, progress: Progress | None = None) -> None:
        self.allocator = allocator
        self.total_slots = allocator.total_slots
        self.block_size = allocator.block_size
        self.unusable = allocator.unusable
        self.progress = progress

    def holding(self, rid: int) -> Holding | None:
        entry = self.allocator.tables.get(rid)
        if entry is None:
            return None
        blocks, used = entry
        bs = self.block_size
        if self.progress is None:
            return Holding(rid, BlockStarts(blocks, bs), bs, used, len(blocks) * bs)
        return Holding(rid, BlockStarts(blocks, bs), bs, self.progress.tokens(rid), self.progress.reach(rid))

    def holdings(self) -> Iterator[Holding]:
        for rid in self.allocator.tables:
            holding = self.holding(rid)
            assert holding is not None
            yield holding

    def cached_blocks(self) -> Collection[int]:
        return self.allocator.cached_free
