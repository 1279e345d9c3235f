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
            self._free(start, length, length)

    def owner(self, slot: int) -> int:
        return self.owners[slot]

    def block(self, slot: int) -> int | None:
        return None

    def apply(self, outcome: ContiguousOutcome, undone: bool = False) -> Ranges:
        """Patch after `outcome` happened (or was undone); returns the ranges touched.

        A free run next to the change is repainted only if it crossed the stranded threshold:
        the tail run of a big pool can hold millions of slots whose look did not change."""
        start, length = outcome.start, outcome.length
        runs = self.pool.runs.by_start
        end = start + length
        if outcome.kind == ADMITTED:
            if undone:  # the reservation rejoined the run it came from
                whole = runs[start]
                self._free(start, length, whole)
                return [(start, end)] + self._refree(end, whole - length, whole - length, whole)
            self._hold(start, length, outcome.used, outcome.request_id)
            rest = runs.get(end, 0)  # what is left of the run it came from
            return [(start, end)] + self._refree(end, rest, rest + length, rest)
        if outcome.kind == FREED:
            left, right = outcome.left, outcome.right
            merged = left + length + right
            if undone:
                self._hold(start, length, outcome.used, outcome.request_id)
                return ([(start, end)] + self._refree(start - left, left, merged, left)
                        + self._refree(end, right, merged, right))
            self._free(start, length, merged)
            return ([(start, end)] + self._refree(start - left, left, left, merged)
                    + self._refree(end, right, right, merged))
        return []

    def _refree(self, start: int, length: int, was: int, now: int) -> Ranges:
        """Free slots [start, start+length) were in a run of `was` slots and are now in one of
        `now`: repaint (and report) them only if that moved them across the stranded threshold."""
        if length and (was < self.stranded_below) != (now < self.stranded_below):
            self._free(start, length, now)
            return [(start, start + length)]
        return []

    def _hold(self, start: int, length: int, used: int, rid: int) -> None:
        self.states[start:start + used] = bytes([USED]) * used
        self.states[start + used:start + length] = bytes([RESERVED]) * (length - used)
        self.owners[start:start + length] = array("i", [rid]) * length

    def _free(self, start: int, length: int, run: int) -> None:
        """Free slots [start, start+length), part of a free run of `run` slots."""
        if length:
            state = STRANDED if run < self.stranded_below else FREE
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
