"""Paged allocation, vLLM's PagedAttention: ceil(used / block_size) blocks from anywhere.

The free blocks form a queue (free_queues.py), initially 0, 1, 2, ...; admission takes a
request's blocks from the head. A free releases the request's blocks tail-first (last
block-table entry first) and puts them, as a group in that order, at the tail (`fifo`) or at
the head (`lifo`). `lowest` ignores the queue and always hands out the lowest free block ids.
"""

from __future__ import annotations

from typing import AbstractSet, Sequence

from fragtui.sim.allocators.adapters import BlockPool
from fragtui.sim.allocators.block_runs import Table, runs_of, span
from fragtui.sim.allocators.free_queues import ORDERS, FreeQueue, free_queue
from fragtui.sim.allocators.outcomes import ADMITTED, FREED, NOOP, POOL_FULL, REJECTED, Identity, PagedOutcome
from fragtui.sim.allocators.snapshot import BlockSnapshot
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.pool import Pool
from fragtui.sim.workload.requests import Request

__all__ = ["ORDERS", "PagedAllocator"]
_new = tuple.__new__  # outcomes are tuples: one C call each
_NO_BLOCKS: list[int] = []  # a rejection's or no-op's block table (never changed)


class PagedAllocator:
    """Block tables are lists, or `BlockRuns` when long (more than free_queues.SHORT blocks): serving mode
    grows either a block at a time, in amortized O(1). A table handed out
    in an outcome is never changed afterwards except by such growth.

    Nothing is shared here: each block has one holder. `PrefixCachingAllocator` (prefix_cache.py)
    adds vLLM v1's prefix cache; the tallies below are its, and stay 0 here."""

    prefix_caching = False
    hits = misses = evictions = 0  # blocks reused from the cache, computed anew, evicted from it
    cached_free: AbstractSet[int] = frozenset()  # free blocks holding a cached block identity

    def __init__(self, total_slots: int, block_size: int, order: str = "fifo") -> None:
        self._setup(total_slots, block_size, order)
        self.queue: FreeQueue = free_queue(order, self.num_blocks)
        self._take, self._give = self.queue.take_table, self.queue.give  # the hot calls, bound once

    def _setup(self, total_slots: int, block_size: int, order: str) -> None:
        """What every paged pool has, whatever keeps its free blocks."""
        self.total_slots = total_slots
        self.block_size = block_size
        self.order = order
        self.num_blocks = total_slots // block_size
        self.unusable = total_slots - self.num_blocks * block_size  # past the last whole block
        self.tables: dict[int, tuple[Table, int]] = {}  # id -> (block table, used)
        self.admitted = 0
        self.rejected_pool_full = 0
        self.rejected_fragmented = 0  # always 0: any free block serves
        self.used = 0
        self.free_blocks = self.num_blocks  # len(queue), kept as a number: cheaper to read

    @property
    def reserved(self) -> int:
        """The unfilled tail of each request's last block."""
        return (self.num_blocks - self.free_blocks) * self.block_size - self.used

    @property
    def block_table_entries(self) -> int:
        return self.num_blocks - self.free_blocks

    @property
    def saved_blocks(self) -> int:
        """Blocks that sharing saves now: block-table entries beyond the blocks held."""
        return self.block_table_entries - (self.num_blocks - self.free_blocks)

    @property
    def free(self) -> int:
        return self.total_slots - self.unusable - self.used - self.reserved

    @property
    def live(self) -> int:
        return len(self.tables)

    @property
    def largest(self) -> int:
        """Any free block serves, so all free blocks are one usable run."""
        return self.free_blocks * self.block_size

    def admit(self, request: Request) -> PagedOutcome:
        used = request.used
        need = -(-used // self.block_size)
        if need > self.free_blocks:
            self.rejected_pool_full += 1
            return _new(PagedOutcome, (REJECTED, POOL_FULL, request.id, _NO_BLOCKS, used))
        blocks = self._take(need)
        self.tables[request.id] = (blocks, used)
        self.free_blocks -= need
        self.used += used
        self.admitted += 1
        return _new(PagedOutcome, (ADMITTED, None, request.id, blocks, used))

    def free_request(self, request_id: int) -> PagedOutcome:
        entry = self.tables.pop(request_id, None)
        if entry is None:
            return _new(PagedOutcome, (NOOP, None, request_id, _NO_BLOCKS, 0))
        blocks, used = entry
        self._give(blocks)
        self.free_blocks += len(blocks)
        self.used -= used
        return _new(PagedOutcome, (FREED, None, request_id, blocks, used))

    def undo(self, outcome: PagedOutcome) -> None:
        """Exactly reverse `outcome`, which must be the last thing this allocator did."""
        kind = outcome.kind
        blocks, used = outcome.blocks, outcome.used
        if kind == ADMITTED:
            del self.tables[outcome.request_id]
            self.queue.untake(blocks)
            self.free_blocks += len(blocks)
            self.admitted -= 1
            self.used -= used
        elif kind == REJECTED:
            self.rejected_pool_full -= 1
        elif kind == FREED:
            self.queue.ungive(blocks)
            self.tables[outcome.request_id] = (blocks, used)
            self.free_blocks -= len(blocks)
            self.used += used

    def free_block_ids(self) -> list[int]:
        """Free blocks in the order they will be handed out."""
        return self.queue.order()

    def refcount(self, block: int) -> int:
        """How many block tables hold `block`: asked only where blocks are shared (prefix_cache.py)."""
        raise NotImplementedError("nothing is shared here")

    def copies(self, block: int) -> int:
        """How many blocks hold `block`'s cached identity: none is cached here (prefix_cache.py)."""
        return 0

    # -- read (allocator.py) ---------------------------------------------------------------

    def tallies(self) -> tuple[int, ...]:
        held = self.num_blocks - self.free_blocks
        reserved = held * self.block_size - self.used
        return (self.admitted, self.rejected_pool_full, 0, len(self.tables), self.used, reserved,
                self.total_slots - self.unusable - self.used - reserved, self.free_blocks * self.block_size,
                self.block_table_entries)

    def metrics(self, max_len: int, holes: bool = True) -> Metrics:
        admitted, rejected, _, live, used, reserved, free, largest, entries = self.tallies()
        return Metrics(admitted=admitted, rejected=rejected, rejected_pool_full=rejected, rejected_fragmented=0,
                       live=live, used=used, reserved=reserved, slack=0, free=free, unusable=self.unusable,
                       largest_free_run=largest, holes=self.free_block_runs() if holes else None, stranded=0,
                       block_table_entries=entries, total_slots=self.total_slots, blocks=self.num_blocks,
                       **self.sharing())

    def sharing(self) -> dict[str, int]:
        """The prefix cache's tallies (none here)."""
        return {}

    def snapshot(self) -> BlockSnapshot:
        tables = sorted((rid, tuple(blocks), used) for rid, (blocks, used) in self.tables.items())
        return BlockSnapshot(self.total_slots, self.block_size, tuple(tables), tuple(self.free_block_ids()),
                             self.cached_identities())

    def pool(self, max_len: int) -> Pool:
        return BlockPool(self)

    def free_block_runs(self) -> int:
        """Maximal runs of consecutive free block ids: where paged's free space physically lies.
        Counted from the blocks held (the gaps between them), never by listing the free blocks,
        so it costs the tables, not the pool (16,777,216 free blocks are one run, not 600 MB)."""
        spans: list[tuple[int, int]] = []
        for blocks, _ in self.tables.values():
            for run in runs_of(blocks):
                ends = span(run)
                if ends is None:
                    spans.extend(_ascending_runs(run))
                else:
                    spans.append(ends)
        spans.sort()
        count, covered = 0, 0
        for start, end in spans:
            if start > covered:
                count += 1
            covered = max(covered, end)
        return count + (covered < self.num_blocks)

    def cached_identities(self) -> tuple[tuple[int, Identity], ...]:
        """(block, identity) for every block holding a cached identity, by block: none here."""
        return ()

    # -- serving mode --------------------------------------------------------------------

    def grow(self, request_id: int) -> int:
        """Give a live request one more block, from the head of the free queue; returns it.

        Serving mode calls this when a request's next token crosses a block boundary. The
        request's `used` stays what it was admitted with (the caller counts tokens), so the
        new block adds to `reserved`. Raises ValueError when no block is free (a caller's
        mistake: the engine checks first)."""
        if not self.free_blocks:
            raise ValueError("no free block to grow into")
        (block,) = self._take(1)
        self.tables[request_id][0].append(block)
        self.free_blocks -= 1
        return block

    def grow_each(self, request_ids: list[int]) -> None:
        """As `grow` for each of `request_ids` in turn (the same blocks, in the same order),
        with one take from the free queue. Raises ValueError if too few blocks are free."""
        wanted, free = len(request_ids), self.free_blocks
        if not wanted:
            return  # (a lifo queue's take(0) would hand out every block)
        if wanted > free:
            raise ValueError(f"{wanted} blocks wanted, {free} free")
        tables = self.tables
        for request_id, block in zip(request_ids, self._take(wanted)):
            tables[request_id][0].append(block)
        self.free_blocks -= wanted

    def clone(self) -> PagedAllocator:
        """An independent copy (serving mode's history checkpoints): tables grow in place,
        so each is copied."""
        twin = PagedAllocator.__new__(PagedAllocator)
        twin.__dict__.update(self.__dict__)
        twin.tables = {rid: (blocks.copy(), used) for rid, (blocks, used) in self.tables.items()}
        twin.queue = self.queue.copy()
        twin._take, twin._give = twin.queue.take_table, twin.queue.give
        return twin


def _ascending_runs(blocks: Sequence[int]) -> list[tuple[int, int]]:
    """[low, high) of each stretch of consecutive ascending ids in a list of blocks (a table
    taken from the head of a queue is mostly such stretches); ids in any other order come out
    one block a span."""
    if not blocks:
        return []
    cuts = [i for i, (a, b) in enumerate(zip(blocks, blocks[1:]), 1) if b != a + 1]
    starts = [0, *cuts]
    return [(blocks[i], blocks[j - 1] + 1) for i, j in zip(starts, [*cuts, len(blocks)])]
