"""A pool as a state per slot, kept in step with its allocator.

A picture is painted once from the allocator, then patched from each step's outcome (forward
or undone), so a step costs what it changed, not what the pool holds. Every patch returns the
slot ranges it touched: the rows a widget must repaint.
"""

from __future__ import annotations

from array import array

from fragtui.sim.contiguous import ContiguousAllocator
from fragtui.sim.outcomes import ADMITTED, FREED, ContiguousOutcome, PagedOutcome
from fragtui.sim.paged import PagedAllocator
from fragtui.sim.snapshot import FREE, NOBODY, RESERVED, STRANDED, UNUSABLE, USED

Ranges = list[tuple[int, int]]  # [start, end) slot ranges


class ContiguousPicture:
    """States per slot; free runs shorter than `stranded_below` are stranded."""

    def __init__(self, pool: ContiguousAllocator, stranded_below: int) -> None:
        self.pool = pool
        self.total_slots = pool.total_slots
        self.stranded_below = stranded_below
        self.states = bytearray(self.total_slots)
        self.owners = array("i", [NOBODY]) * self.total_slots
        self.repaint()

    def repaint(self) -> None:
        for rid, (start, length, used) in self.pool.allocations.items():
            self._hold(start, length, used, rid)
        for start, length in self.pool.runs.by_start.items():
            self._free(start, length)

    def owner(self, slot: int) -> int:
        return self.owners[slot]

    def block(self, slot: int) -> int | None:
        return None

    def apply(self, outcome: ContiguousOutcome, undone: bool = False) -> Ranges:
        """Patch after `outcome` happened (or was undone); returns the ranges touched."""
        start, length = outcome.start, outcome.length
        runs = self.pool.runs.by_start
        if outcome.kind == ADMITTED:
            if undone:  # the reservation rejoined the run it came from
                whole = runs[start]
                self._free(start, whole)
                return [(start, start + whole)]
            self._hold(start, length, outcome.used, outcome.request_id)
            rest = runs.get(start + length, 0)  # what is left of the run it came from
            self._free(start + length, rest)
            return [(start, start + length + rest)]
        if outcome.kind == FREED:
            left, right = outcome.left, outcome.right
            if undone:
                self._free(start - left, left)
                self._hold(start, length, outcome.used, outcome.request_id)
                self._free(start + length, right)
            else:
                self._free(start - left, left + length + right)
            return [(start - left, start + length + right)]
        return []

    def _hold(self, start: int, length: int, used: int, rid: int) -> None:
        self.states[start:start + used] = bytes([USED]) * used
        self.states[start + used:start + length] = bytes([RESERVED]) * (length - used)
        self.owners[start:start + length] = array("i", [rid]) * length

    def _free(self, start: int, length: int) -> None:
        if length:
            state = STRANDED if length < self.stranded_below else FREE
            self.states[start:start + length] = bytes([state]) * length
            self.owners[start:start + length] = array("i", [NOBODY]) * length


class PagedPicture:
    """States per slot, owners per block; the tail past the last whole block is unusable."""

    def __init__(self, pool: PagedAllocator) -> None:
        self.pool = pool
        self.total_slots = pool.total_slots
        self.block_size = pool.block_size
        self.states = bytearray(self.total_slots)
        self.block_owners = array("i", [NOBODY]) * pool.num_blocks
        self.repaint()

    def repaint(self) -> None:
        usable = self.pool.num_blocks * self.block_size
        self.states[usable:] = bytes([UNUSABLE]) * (self.total_slots - usable)
        for rid, (blocks, used) in self.pool.tables.items():
            self._hold(blocks, used, rid)

    def owner(self, slot: int) -> int:
        block = slot // self.block_size
        return self.block_owners[block] if block < len(self.block_owners) else NOBODY

    def block(self, slot: int) -> int | None:
        block = slot // self.block_size
        return block if block < len(self.block_owners) else None

    def apply(self, outcome: PagedOutcome, undone: bool = False) -> Ranges:
        if outcome.kind not in (ADMITTED, FREED):
            return []
        holds = (outcome.kind == ADMITTED) != undone
        if holds:
            self._hold(outcome.blocks, outcome.used, outcome.request_id)
        else:
            self._free(outcome.blocks)
        bs = self.block_size
        return [(b * bs, b * bs + bs) for b in outcome.blocks]

    def _hold(self, blocks: tuple[int, ...], used: int, rid: int) -> None:
        bs, states = self.block_size, self.states
        for block in blocks:
            start, filled = block * bs, min(used, bs)
            states[start:start + filled] = bytes([USED]) * filled
            states[start + filled:start + bs] = bytes([RESERVED]) * (bs - filled)
            self.block_owners[block] = rid
            used -= filled

    def _free(self, blocks: tuple[int, ...]) -> None:
        bs, states, empty = self.block_size, self.states, bytes(self.block_size)
        for block in blocks:
            states[block * bs:block * bs + bs] = empty
            self.block_owners[block] = NOBODY


Picture = ContiguousPicture | PagedPicture
