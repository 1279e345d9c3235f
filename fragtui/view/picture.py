"""A pool as a state per slot, kept in step with the pool it draws.

A picture is painted once from a pool (`Pool`, the one contract every engine presents), then
patched from each move's `Change`: the requests whose holdings were replaced are erased and
painted again, those that were resized are patched at their end, and the free runs next to
anything that changed are checked, since a merge or a split can move a run across the
stranded threshold. A move costs what it changed, never what the pool holds, in either mode.
Every patch returns the slot ranges it touched: the rows a widget must repaint.
"""

from __future__ import annotations

from array import array
from typing import Sequence

from fragtui.sim.pool import Change, Holding, Pool
from fragtui.view.states import FREE, INTERNAL, NOBODY, RESERVED, STRANDED, UNUSABLE, USED

Ranges = list[tuple[int, int]]  # [start, end) slot ranges


class _Painted:
    """What the picture drew for one request: enough to erase it or patch its end."""

    __slots__ = ("starts", "count", "extent", "tokens", "reach")

    def __init__(self, holding: Holding) -> None:
        # `starts` may be a live block table that grows later: `count` says how much was drawn.
        self.starts: Sequence[int] = holding.starts
        self.count = len(holding.starts)
        self.extent = holding.extent
        self.tokens = holding.tokens
        self.reach = holding.reach


class Picture:
    """States per slot and owners per block (per slot where there are no blocks)."""

    def __init__(self, pool: Pool) -> None:
        self.repaint(pool)

    # -- reading ---------------------------------------------------------------------------

    def owner(self, slot: int) -> int:
        unit = slot // self.unit
        return self.owners[unit] if unit < len(self.owners) else NOBODY

    def block(self, slot: int) -> int | None:
        """The block a slot lies in (None without blocks, or past the last whole block)."""
        if not self.block_size:
            return None
        block = slot // self.block_size
        return block if block < self.total_slots // self.block_size else None

    # -- painting --------------------------------------------------------------------------

    def repaint(self, pool: Pool) -> None:
        """Everything from scratch (the pool's size and blocks may have changed too)."""
        self.total_slots = total = pool.total_slots
        self.block_size = pool.block_size  # 0: no blocks
        self.unit = pool.block_size or 1  # slots per owner entry
        self.states = bytearray(total)
        self.owners = array("i", [NOBODY]) * (total // self.unit + 1)
        self.painted: dict[int, _Painted] = {}
        self.states[total - pool.unusable:] = bytes([UNUSABLE]) * pool.unusable
        for holding in pool.holdings():
            self._paint(holding, [])
        self.stranded_below = threshold = pool.stranded_below
        if threshold:
            for start, length in pool.free_runs():
                if length < threshold:
                    self.states[start:start + length] = bytes([STRANDED]) * length

    def apply(self, pool: Pool, change: Change) -> Ranges:
        """Patch after `change` happened to `pool` (now in its new state); returns the ranges
        touched. Everything that went is erased before anything new is drawn: within one tick
        a block can pass from one request to another."""
        ranges: Ranges = []
        edges: list[int] = []  # slots beside what changed: the free runs there may look different
        painted = self.painted
        replaced = list(change.replaced)
        resized: list[tuple[_Painted, Holding]] = []
        for rid in change.resized:
            holding, old = pool.holding(rid), painted.get(rid)
            if holding is None or old is None or holding.reach != old.reach or holding.extent != old.extent:
                replaced.append(rid)  # not a resize after all: draw it afresh
            else:
                resized.append((old, holding))
                if len(holding.starts) < old.count:
                    self._erase(old, len(holding.starts), ranges, edges)
        for rid in replaced:
            old = painted.pop(rid, None)
            if old is not None:
                self._erase(old, 0, ranges, edges)
        for rid in replaced:
            holding = pool.holding(rid)
            if holding is not None:
                self._paint(holding, ranges, edges)
        for old, holding in resized:
            self._resize(old, holding, ranges)
        before, self.stranded_below = self.stranded_below, pool.stranded_below
        if before or self.stranded_below:
            self._restrand(pool, before, edges, ranges)
        return ranges

    def _paint(self, holding: Holding, ranges: Ranges, edges: list[int] | None = None) -> None:
        self.painted[holding.id] = painted = _Painted(holding)
        self._fill(painted, 0, painted.count * painted.extent, ranges)
        unit, rid = self.unit, holding.id
        for start in holding.starts:
            self.owners[start // unit:(start + holding.extent) // unit] = array("i", [rid]) * (holding.extent // unit or 1)
            if edges is not None:
                edges += (start - 1, start + holding.extent)

    def _erase(self, painted: _Painted, first: int, ranges: Ranges, edges: list[int]) -> None:
        """Free extents `first`.. of what was drawn for a request."""
        unit, extent, states = self.unit, painted.extent, self.states
        empty = bytes(extent)  # FREE is 0; runs that strand are fixed up afterwards
        nobody = array("i", [NOBODY]) * (extent // unit or 1)
        for i in range(first, painted.count):
            start = painted.starts[i]
            states[start:start + extent] = empty
            self.owners[start // unit:(start + extent) // unit] = nobody
            ranges.append((start, start + extent))
            edges += (start - 1, start, start + extent)
        painted.count = first

    def _resize(self, painted: _Painted, holding: Holding, ranges: Ranges) -> None:
        """The same holding with its tokens moved, or extents added at its end (any taken from
        its end are already erased)."""
        count = len(holding.starts)
        kept = painted.count * painted.extent
        low, high = sorted((painted.tokens, holding.tokens))
        painted.starts, painted.tokens = holding.starts, holding.tokens
        if count > painted.count:
            first = painted.count
            painted.count = count
            self._fill(painted, kept, count * painted.extent, ranges)
            unit, rid, extent = self.unit, holding.id, painted.extent
            for start in holding.starts[first:count]:
                self.owners[start // unit:(start + extent) // unit] = array("i", [rid]) * (extent // unit or 1)
        if low < min(high, kept):
            self._fill(painted, low, min(high, kept), ranges)

    def _fill(self, painted: _Painted, low: int, high: int, ranges: Ranges) -> None:
        """Draw token offsets [low, high) of a holding: used below its tokens, reserved below
        its reach, internal beyond."""
        extent, tokens, reach, states = painted.extent, painted.tokens, painted.reach, self.states
        i = low // extent
        while low < high:
            start = painted.starts[i]
            base = i * extent
            a, b = low - base, min(high - base, extent)  # offsets within this extent
            used = max(a, min(b, tokens - base))
            coming = max(used, min(b, reach - base))
            states[start + a:start + used] = bytes([USED]) * (used - a)
            states[start + used:start + coming] = bytes([RESERVED]) * (coming - used)
            states[start + coming:start + b] = bytes([INTERNAL]) * (b - coming)
            ranges.append((start + a, start + b))
            low = base + b
            i += 1

    def _restrand(self, pool: Pool, before: int, edges: list[int], ranges: Ranges) -> None:
        """Free runs are drawn stranded when shorter than the threshold. Check each run beside
        a change (a merge or a split may have moved it across) and, when the threshold itself
        moved, every run whose side of it changed."""
        threshold, total = self.stranded_below, self.total_slots
        runs = {}
        for slot in edges:
            if 0 <= slot < total:
                run = pool.free_run_at(slot)
                if run is not None:
                    runs[run[0]] = run[1]
        if before != threshold:
            for start, length in pool.free_runs():
                if (length < before) != (length < threshold):
                    runs[start] = length
        states = self.states
        for start, length in runs.items():
            state, other = (STRANDED, FREE) if length < threshold else (FREE, STRANDED)
            end = start + length
            # A free run holds only free or stranded slots: one search finds a wrong one.
            if states.find(other, start, end) != -1:
                states[start:end] = bytes([state]) * length
                ranges.append((start, end))
