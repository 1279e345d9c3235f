"""Who holds which slots, frozen: what a pool looks like after a step.

Snapshots compare equal exactly when the pools are in the same state, which is what undo
promises; `slot_map` expands one to a state and an owner per slot.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from fragtui.sim.contiguous import ContiguousAllocator
from fragtui.sim.paged import PagedAllocator

# Per-slot states, as stored in a state map. INTERNAL (held, never to be used) only arises in
# serving mode, where "reserved" means held for tokens still to come.
FREE, USED, RESERVED, STRANDED, UNUSABLE, INTERNAL = range(6)
STATE_NAMES = ("free", "used", "reserved", "stranded", "unusable", "internal")
NOBODY = -1


@dataclass(frozen=True)
class ContiguousSnapshot:
    total_slots: int
    allocations: tuple[tuple[int, int, int, int], ...]  # (start, length, id, used) by start
    free_runs: tuple[tuple[int, int], ...]  # (start, length) by start
    cursor: int

    @classmethod
    def of(cls, pool: ContiguousAllocator) -> ContiguousSnapshot:
        allocations = sorted((s, n, rid, u) for rid, (s, n, u) in pool.allocations.items())
        return cls(pool.total_slots, tuple(allocations), tuple(pool.runs.runs()), pool.cursor)

    def slot_map(self) -> tuple[bytearray, array]:
        states = bytearray(self.total_slots)
        owners = array("q", [NOBODY]) * self.total_slots
        for start, length, rid, used in self.allocations:
            _hold(states, owners, start, length, used, rid)
        return states, owners


@dataclass(frozen=True)
class PagedSnapshot:
    total_slots: int
    block_size: int
    tables: tuple[tuple[int, tuple[int, ...], int], ...]  # (id, block table, used) by id
    free_queue: tuple[int, ...]  # free block ids in the order they will be handed out

    @classmethod
    def of(cls, pool: PagedAllocator) -> PagedSnapshot:
        tables = sorted((rid, tuple(blocks), used) for rid, (blocks, used) in pool.tables.items())
        return cls(pool.total_slots, pool.block_size, tuple(tables), tuple(pool.free_block_ids()))

    def slot_map(self) -> tuple[bytearray, array]:
        states = bytearray(self.total_slots)
        owners = array("q", [NOBODY]) * self.total_slots
        bs = self.block_size
        usable = self.total_slots // bs * bs
        states[usable:] = bytes([UNUSABLE]) * (self.total_slots - usable)
        for rid, blocks, used in self.tables:
            for block in blocks:
                _hold(states, owners, block * bs, bs, min(used, bs), rid)
                used = max(0, used - bs)
        return states, owners


def _hold(states: bytearray, owners: array, start: int, length: int, used: int, rid: int) -> None:
    if owners[start:start + length].count(NOBODY) != length:
        raise AssertionError(f"slots {start}..{start + length - 1} held twice (r{rid})")
    states[start:start + used] = bytes([USED]) * used
    states[start + used:start + length] = bytes([RESERVED]) * (length - used)
    owners[start:start + length] = array("q", [rid]) * length
