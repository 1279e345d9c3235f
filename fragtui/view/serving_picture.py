"""A serving pool as a state per slot, redrawn from the run's snapshot each tick.

Every running request grows each tick, so there is nothing to patch: the picture is painted
afresh and compared with the last one, and only the slot ranges that differ are reported.
"""

from __future__ import annotations

from array import array

from fragtui.sim.serving import ContiguousPool, PagedPool
from fragtui.sim.snapshot import INTERNAL, NOBODY, RESERVED, STRANDED, UNUSABLE, USED
from fragtui.view.picture import Ranges

CHUNK = 64  # slots compared at a time when looking for what changed


class ServingPicture:
    def __init__(self, total_slots: int, block_size: int) -> None:
        self.total_slots = total_slots
        self.block_size = block_size
        self.states = bytearray(total_slots)
        self.owners = array("i", [NOBODY]) * total_slots
        self.paged = False

    def owner(self, slot: int) -> int:
        return self.owners[slot]

    def block(self, slot: int) -> int | None:
        if not self.paged:
            return None
        block = slot // self.block_size
        return block if block < self.total_slots // self.block_size else None

    def update(self, pool: ContiguousPool | PagedPool) -> Ranges:
        """Paint `pool`; returns the slot ranges whose state or owner changed."""
        states = bytearray(self.total_slots)  # all free (0) to start with
        owners = array("i", [NOBODY]) * self.total_slots
        if isinstance(pool, PagedPool):
            self.paged = True
            _paint_paged(pool, states, owners)
        else:
            _paint_contiguous(pool, states, owners)
        changed = _diff(self.states, states) + _diff(self.owners, owners)
        self.states, self.owners = states, owners
        return changed


def _paint_contiguous(pool: ContiguousPool, states: bytearray, owners: array) -> None:
    for h in pool.holdings:
        _hold(states, owners, h.start, h.reservation, h.tokens, h.final, h.id)
    for start, length in pool.free_runs:
        if length < pool.stranded_below:  # too short for the request at the head of the queue
            states[start:start + length] = bytes([STRANDED]) * length


def _paint_paged(pool: PagedPool, states: bytearray, owners: array) -> None:
    bs = pool.block_size
    usable = pool.total_slots - pool.unusable
    states[usable:] = bytes([UNUSABLE]) * pool.unusable
    for h in pool.holdings:
        for i, block in enumerate(h.blocks):
            # Slot i*bs + j of the request sits at block*bs + j.
            _hold(states, owners, block * bs, bs, h.tokens - i * bs, h.final - i * bs, h.id)


def _hold(states: bytearray, owners: array, start: int, length: int, tokens: int, final: int, rid: int) -> None:
    """A run of `length` slots whose first `tokens` are used and which will fill to `final`."""
    used = max(0, min(tokens, length))
    coming = max(0, min(final, length)) - used
    states[start:start + used] = bytes([USED]) * used
    states[start + used:start + used + coming] = bytes([RESERVED]) * coming
    states[start + used + coming:start + length] = bytes([INTERNAL]) * (length - used - coming)
    owners[start:start + length] = array("i", [rid]) * length


def _diff(old, new) -> Ranges:
    ranges: Ranges = []
    for a in range(0, len(new), CHUNK):
        b = a + CHUNK
        if old[a:b] != new[a:b]:
            if ranges and ranges[-1][1] == a:
                ranges[-1] = (ranges[-1][0], min(b, len(new)))
            else:
                ranges.append((a, min(b, len(new))))
    return ranges

