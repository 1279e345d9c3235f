"""Who holds which slots, frozen: what a pool looks like after a step.

Each allocator makes its own (`Allocator.snapshot`); snapshots compare equal exactly when the
pools are in the same state, which is what undo promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

from fragtui.sim.allocators.outcomes import Identity


@dataclass(frozen=True)
class RunSnapshot:
    """A pool of one run per request."""

    total_slots: int
    allocations: tuple[tuple[int, int, int, int], ...]  # (start, length, id, used) by start
    free_runs: tuple[tuple[int, int], ...]  # (start, length) by start
    detail: Hashable = ()  # what else the allocator keeps: next fit's cursor, a buddy's chunk counts


@dataclass(frozen=True)
class BlockSnapshot:
    """A pool of block tables."""

    total_slots: int
    block_size: int
    tables: tuple[tuple[int, tuple[int, ...], int], ...]  # (id, block table, used) by id
    free_queue: tuple[int, ...]  # free block ids in the order they will be handed out
    cached: tuple[tuple[int, Identity], ...] = ()  # prefix caching: (block, identity) by block, held or free
