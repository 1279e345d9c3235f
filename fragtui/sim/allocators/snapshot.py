"""Who holds which slots, frozen: what a pool looks like after a step.

Snapshots compare equal exactly when the pools are in the same state, which is what undo
promises.
"""

from __future__ import annotations

from dataclasses import dataclass

from fragtui.sim.allocators.buddy import BuddyAllocator
from fragtui.sim.allocators.contiguous import ContiguousAllocator
from fragtui.sim.allocators.outcomes import Identity
from fragtui.sim.allocators.paged import PagedAllocator


@dataclass(frozen=True)
class ContiguousSnapshot:
    total_slots: int
    allocations: tuple[tuple[int, int, int, int], ...]  # (start, length, id, used) by start
    free_runs: tuple[tuple[int, int], ...]  # (start, length) by start
    cursor: int

    @classmethod
    def of(cls, pool: ContiguousAllocator | BuddyAllocator) -> ContiguousSnapshot:
        allocations = sorted((s, n, rid, u) for rid, (s, n, u) in pool.allocations.items())
        return cls(pool.total_slots, tuple(allocations), tuple(pool.free_runs()), pool.cursor)


@dataclass(frozen=True)
class PagedSnapshot:
    total_slots: int
    block_size: int
    tables: tuple[tuple[int, tuple[int, ...], int], ...]  # (id, block table, used) by id
    free_queue: tuple[int, ...]  # free block ids in the order they will be handed out
    cached: tuple[tuple[int, Identity], ...] = ()  # prefix caching: (block, identity) by block, held or free

    @classmethod
    def of(cls, pool: PagedAllocator) -> PagedSnapshot:
        tables = sorted((rid, tuple(blocks), used) for rid, (blocks, used) in pool.tables.items())
        return cls(pool.total_slots, pool.block_size, tuple(tables), tuple(pool.free_block_ids()),
                   pool.cached_identities())
