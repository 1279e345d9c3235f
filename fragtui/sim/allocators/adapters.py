"""Adapters from each allocator to the pool contract (`pool.py`).

Event mode reads holdings as they were admitted: a contiguous request's tokens fill the start
of its run and the rest of what it reserved is reserved; a paged request's last block has a
reserved tail. Serving mode passes a `Progress`, which says where each request's tokens are
now and will reach. An allocator draws through one of these (its `pool` method says which), or through an
adapter of its own, and nothing in the view changes.
"""

from __future__ import annotations

from typing import AbstractSet, Collection, Iterable, Iterator, Mapping, Protocol, Sequence

from fragtui.sim.pool import BlockStarts, Holding, Progress


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

    def run_needed(self, reservation: int) -> int:
        """The run a reservation takes (a buddy allocator rounds it up)."""
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
        asked = self.allocator.requested(rid)
        if self.progress is None:
            return Holding(rid, (start,), length, used, asked, asked)
        return Holding(rid, (start,), length, self.progress.tokens(rid), self.progress.reach(rid), asked)

    def holdings(self) -> Iterator[Holding]:
        for rid in self.allocator.allocations:
            holding = self.holding(rid)
            assert holding is not None
            yield holding

    def free_runs_around(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        return self.allocator.free_runs_around(start, end)

    def free_runs(self) -> Iterable[tuple[int, int]]:
        return self.allocator.free_runs()

    free_block_count = None  # (no blocks)

    def free_block_ids(self) -> Iterable[int]:
        return ()

    shares = False
    kept_as = "cached"
    row_slots = 0

    def holders(self, block: int) -> int:
        return 0

    def copies(self, block: int) -> int:
        return 0

    def cached_blocks(self) -> Collection[int]:
        return ()  # a run is never cached


class BlocksAlike:
    """A pool of blocks where any free block serves: free runs do not matter, nothing strands."""

    stranded_below = 0
    kept_as = "cached"
    row_slots = 0

    def free_runs_around(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        return ()

    def free_runs(self) -> Iterable[tuple[int, int]]:
        return ()

    @property
    def free_block_count(self) -> int | None:
        return None  # (a paged allocator's BlockPool counts them)

    def free_block_ids(self) -> Iterable[int]:
        return ()


class BlockAllocator(Protocol):
    """What a block-table allocator (paged) offers to be drawn."""

    total_slots: int
    block_size: int
    unusable: int
    cached_free: AbstractSet[int]
    prefix_caching: bool
    free_blocks: int

    def free_block_ids(self) -> list[int]: ...

    def refcount(self, block: int) -> int: ...

    def copies(self, block: int) -> int: ...

    @property
    def tables(self) -> Mapping[int, tuple[Sequence[int], int]]:
        """id -> (block table, tokens at admission)."""
        ...


class BlockPool(BlocksAlike):
    """A paged allocator through the pool contract."""

    def __init__(self, allocator: BlockAllocator, progress: Progress | None = None) -> None:
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
            return Holding(rid, BlockStarts(blocks, bs), bs, used, len(blocks) * bs, len(blocks) * bs)
        return Holding(rid, BlockStarts(blocks, bs), bs, self.progress.tokens(rid), self.progress.reach(rid),
                       len(blocks) * bs)

    def holdings(self) -> Iterator[Holding]:
        for rid in self.allocator.tables:
            holding = self.holding(rid)
            assert holding is not None
            yield holding

    @property
    def shares(self) -> bool:
        return self.allocator.prefix_caching

    @property
    def free_block_count(self) -> int | None:
        return self.allocator.free_blocks

    def free_block_ids(self) -> Iterable[int]:
        return self.allocator.free_block_ids()

    def holders(self, block: int) -> int:
        return self.allocator.refcount(block)

    def copies(self, block: int) -> int:
        return self.allocator.copies(block) if self.allocator.prefix_caching else 0

    def cached_blocks(self) -> Collection[int]:
        return self.allocator.cached_free
