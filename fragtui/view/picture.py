"""A pool as a state per slot, kept in step with the pool it draws.

A picture is painted once from a pool (`Pool`, the one contract every engine presents), then
patched from each move's `Change`: the requests whose holdings were replaced are erased and
painted again, those that were resized are patched at their end, and the free runs next to
anything that changed are checked, since a merge or a split can move a run across the
stranded threshold. A move costs what it changed, never what the pool holds, in either mode.
Every patch returns the slot ranges it touched: the rows a widget must repaint.

Sharing needs no query of its own: a block that more than one painted holding references is
shared, and drawn so (it is always full); when all but one let go, it is that one's again.
Where blocks can be shared, each block keeps how many painted holdings hold it and the sum of
their ids (`holds`, `sums`), so the one left is known when the others let go; a run of blocks
alike in both is changed in one slice (a prefix many requests share: hundreds of blocks).
A block nobody holds is drawn cached if the pool says it still holds a cached identity.
"""

from __future__ import annotations

from array import array
from collections import deque
from itertools import groupby, repeat
from typing import Iterable, Iterator, Sequence, TypeAlias

from fragtui.sim.allocators.block_runs import BlockRuns, RunSet, ends as _ends_of, runs_of, span, stretches
from fragtui.sim.pool import BlockStarts, Change, Holding, Pool
from fragtui.view.states import (FREE, INTERNAL, NOBODY, RESERVED, SEVERAL, SHARED, SLACK, STATE_OF, STRANDED,
                                 UNUSABLE, USED)

Ranges = list[tuple[int, int]]  # [start, end) slot ranges
Values: TypeAlias = "bytearray | array[int]"  # states a slot, or owners a block


class _Painted:
    """What the picture drew for one request: enough to erase it or patch its end."""

    __slots__ = ("id", "starts", "count", "extent", "tokens", "reach", "asked", "place")

    def __init__(self, holding: Holding) -> None:
        # `starts` may be a live block table that grows later: `count` says how much was drawn.
        self.id = holding.id
        self.starts: Sequence[int] = holding.starts
        self.count = len(holding.starts)
        self.extent = holding.extent
        self.tokens = holding.tokens
        self.reach = holding.reach
        self.asked = holding.asked
        self.place = holding.place


class Picture:
    """States per slot and owners per block (per slot where there are no blocks); a shared
    block's owner is SEVERAL (`holders` finds who)."""

    def __init__(self, pool: Pool) -> None:
        self.repaint(pool)

    # -- reading ---------------------------------------------------------------------------

    def owner(self, slot: int) -> int:
        unit = slot // self.unit
        return self.owners[unit] if unit < len(self.owners) else NOBODY

    def holders(self, slot: int) -> tuple[int, ...]:
        """Who holds the slot's block (or the slot), in id order: more than one if shared."""
        unit = slot // self.unit
        owner = self.owners[unit] if unit < len(self.owners) else NOBODY
        if owner == SEVERAL:  # (asked when a cell is hovered: each drawing is searched)
            return tuple(sorted(rid for rid, p in self.painted.items()
                                if unit in _block_ids(p.starts[:p.count], self.unit)))
        return () if owner == NOBODY else (owner,)

    def sharers(self) -> dict[int, tuple[int, ...]]:
        """block -> its holders, for every shared block (checks)."""
        return {block: self.holders(block * self.unit) for block, owner in enumerate(self.owners) if owner == SEVERAL}

    def place(self, rid: int) -> str:
        """Where request `rid`'s holding lives besides its slots (Holding.place), if anywhere."""
        painted = self.painted.get(rid)
        return painted.place if painted is not None else ""

    def first_slot(self, rid: int) -> int | None:
        """Where request `rid`'s first slot is drawn, or None if it holds nothing here."""
        painted = self.painted.get(rid)
        return painted.starts[0] if painted is not None and painted.count else None

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
        self.row_slots = pool.row_slots  # what a row should hold, if anything
        self.unit = pool.block_size or 1  # slots per owner entry
        self._shared_cell = bytes([SHARED]) * self.unit
        self.painted: dict[int, _Painted] = {}
        self.shares = bool(pool.block_size) and pool.shares
        # Who holds what is read only by hover and colour by request, so it is made when first
        # asked (an owner a slot without blocks: 64 MB for 16M slots; a third of repainting a
        # paged pool), except where blocks are shared: painting needs the holders then.
        self._owners: array[int] | None = array("i", [NOBODY]) * (total // self.unit + 1) if self.shares else None
        self.holds: array[int] = array("i")  # block -> painted holdings that hold it (where blocks are shared)
        self.sums: array[int] = array("q")  # block -> the sum of their ids, plus one each
        self._cached = pool.cached_blocks()
        self._kept = STATE_OF[pool.kept_as]
        self.copies = pool.copies  # (live: asked only when a cell is hovered)
        usable, unit = total - pool.unusable, self.unit
        free = pool.free_block_count
        mostly_held = free is not None and not self.shares and not self._cached and 2 * free * unit < usable
        self.states = bytearray([USED if mostly_held else FREE]) * usable
        self.states += bytes([UNUSABLE]) * pool.unusable
        if mostly_held:
            # Each block is either free or one holding's: all drawn used, the few free blocks
            # given back, and each holding drawn from its last whole block of tokens on (a full
            # 16M-slot pool: its tables are a million blocks, its free ones a few).
            _scatter(self.states, list(pool.free_block_ids()), FREE, unit)
        for holding in pool.holdings():
            self._draw_afresh(holding, mostly_held)
        if isinstance(self._cached, RunSet):
            _scatter(self.states, BlockRuns(self._cached.runs()), self._kept, unit)
        else:
            for block in self._cached:
                self.states[block * unit:(block + 1) * unit] = bytes([self._kept]) * unit
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
        spans: list[tuple[int, int]] = []  # extents that changed: the free runs around them may look different
        painted = self.painted
        kept_before, self._cached = self._cached, pool.cached_blocks()
        self.copies = pool.copies
        replaced = list(change.replaced)
        resized: list[tuple[_Painted, Holding]] = []
        for rid in change.resized:
            holding, old = pool.holding(rid), painted.get(rid)
            if (holding is None or old is None or holding.reach != old.reach or holding.extent != old.extent
                    or holding.asked != old.asked):
                replaced.append(rid)  # not a resize after all: draw it afresh
            else:
                resized.append((old, holding))
                if len(holding.starts) < old.count:
                    self._erase(old, len(holding.starts), ranges, spans)
        for rid in replaced:
            old = painted.pop(rid, None)
            if old is not None:
                self._erase(old, 0, ranges, spans)
        for rid in replaced:
            holding = pool.holding(rid)
            if holding is not None:
                self._paint(holding, ranges, spans)
        for old, holding in resized:
            self._resize(old, holding, ranges)
        if change.appended:
            self._append(change.appended, ranges)
        if change.blocks:
            self._recheck(change.blocks, ranges)
        if (isinstance(self._cached, frozenset) and isinstance(kept_before, frozenset)
                and self._cached is not kept_before):
            self._recheck(sorted(kept_before ^ self._cached), ranges)  # kept blocks that came or went on their own
        before, self.stranded_below = self.stranded_below, pool.stranded_below
        if before or self.stranded_below:
            self._restrand(pool, before, spans, ranges)
        return ranges

    def _paint(self, holding: Holding, ranges: Ranges, spans: list[tuple[int, int]]) -> None:
        self.painted[holding.id] = painted = _Painted(holding)
        self._fill(painted, 0, painted.count * painted.extent, ranges)
        self._own(holding.starts, holding.extent, holding.id)
        if not self.block_size:  # (block pools have no free runs to check)
            spans.extend((start, start + holding.extent) for start in holding.starts)

    def _draw_afresh(self, holding: Holding, drawn_used: bool) -> None:
        """A holding in a picture painted from scratch. A block holding's whole blocks of
        tokens are used: drawn in one pass over its table (thousands of blocks), or already
        (`drawn_used`: a mostly held pool is drawn used first); the rest from the last of them on."""
        self.painted[holding.id] = painted = _Painted(holding)
        unit, low = self.unit, 0
        if self.block_size and painted.extent == unit:
            low = painted.tokens // unit * unit
            if low and not drawn_used:
                _scatter(self.states, _block_ids(painted.starts, unit), USED, unit)
        self._fill(painted, low, painted.count * painted.extent, None)
        self._own(holding.starts, holding.extent, holding.id)

    @property
    def owners(self) -> array[int]:
        """Who holds each block (each slot, without blocks): NOBODY, SEVERAL or a request id."""
        if self._owners is None:
            self._owners = array("i", [NOBODY]) * (self.total_slots // self.unit + 1)
            for painted in self.painted.values():
                self._own(painted.starts[:painted.count], painted.extent, painted.id)
        return self._owners

    def _own(self, starts: Sequence[int], extent: int, rid: int) -> None:
        """Mark `extent` slots from each of `starts` as `rid`'s (or nobody's)."""
        owners, unit = self._owners, self.unit
        if owners is None:  # not asked for yet
            return
        if extent == unit:  # one owner entry an extent: a block
            blocks = _block_ids(starts, unit)
            if not self.shares:  # (each block has one holder)
                _scatter(owners, blocks, rid)
                return
            self._room(blocks)
            if _all_are(self.holds, blocks, 0):  # nobody else holds any: it alone
                _scatter(owners, blocks, rid)
                _scatter(self.holds, blocks, 1)
                _scatter(self.sums, blocks, rid + 1)
                return
            for lo, hi, held, total in self._alike(blocks, 1, rid + 1):
                if held:  # someone holds them already: shared
                    _set_range(owners, lo, hi, SEVERAL)
                    self.states[lo * unit:hi * unit] = self._shared_cell * (hi - lo)
                else:
                    _set_range(owners, lo, hi, rid)
        else:
            mine = array("i", [rid]) * (extent // unit)
            for start in starts:
                owners[start // unit:(start + extent) // unit] = mine

    def _room(self, blocks: Sequence[int]) -> None:
        """Grow the holds and sums as far as `blocks` reach (doubling: they grow with the blocks drawn)."""
        high = 1 + max(max(run[0], run[-1]) if type(run) is range else max(run) for run in runs_of(blocks) if run)
        if high > len(self.holds):
            more = max(high, 2 * len(self.holds)) - len(self.holds)
            self.holds.frombytes(bytes(4 * more))
            self.sums.frombytes(bytes(8 * more))

    def _alike(self, blocks: Sequence[int], add: int, by: int) -> Iterator[tuple[int, int, int, int]]:
        """Add `add` to the holds and `by` × add to the sums of `blocks` (within `_room`), a
        stretch of blocks alike in both at a time: (low, high, holds, sums) of each, as they were."""
        holds, sums = self.holds, self.sums
        for run in runs_of(blocks):
            for part in (run,) if type(run) is range else stretches(run):
                if not isinstance(part, range):  # ids that do not run: one at a time
                    for block in part:
                        held, summed = holds[block], sums[block]
                        holds[block], sums[block] = held + add, summed + add * by
                        yield block, block + 1, held, summed
                    continue
                low, high = _ends_of(part)
                now, total = holds[low:high], sums[low:high]
                if now.count(now[0]) == high - low and total.count(total[0]) == high - low:
                    alike = [(now[0], total[0], high - low)]
                else:
                    alike = [(h, t, len(list(g))) for (h, t), g in groupby(zip(now, total))]
                for held, summed, n in alike:
                    _set_range(holds, low, low + n, held + add)
                    _set_range(sums, low, low + n, summed + add * by)
                    yield low, low + n, held, summed
                    low += n

    def _erase(self, painted: _Painted, first: int, ranges: Ranges, spans: list[tuple[int, int]]) -> None:
        """Free extents `first`.. of what was drawn for a request."""
        extent, states = painted.extent, self.states
        gone = painted.starts[first:painted.count]
        if self.block_size:
            self._let_go(painted.id, gone)
        else:
            empty = bytes(extent)  # FREE is 0; runs that strand are fixed up afterwards
            for start in gone:
                states[start:start + extent] = empty
            self._own(gone, extent, NOBODY)
            spans.extend((start, start + extent) for start in gone)
        ranges.extend((start, start + extent) for start in gone)
        painted.count = first

    def _let_go(self, rid: int, starts: Sequence[int]) -> None:
        """Holding `rid` lets go of blocks: one it held alone is free (or cached); a shared one
        stays shared, or is its last holder's again (all used: shared blocks are full)."""
        owners, states, unit, cached = self._owners, self.states, self.unit, self._cached
        blocks = _block_ids(starts, unit)
        alone: Iterable[tuple[int, ...]]
        if self.shares and not _all_are(self.holds, blocks, 1):
            alone = self._alike(blocks, -1, rid + 1)
        else:  # it alone held them all
            if self.shares:
                _scatter(self.holds, blocks, 0)
                _scatter(self.sums, blocks, 0)
            alone = ((lo, hi, 1) for run in runs_of(blocks) for lo, hi in _spans(run, 1))
        empty, kept = bytes(unit), bytes([self._kept]) * unit
        for lo, hi, held, *summed in alone:
            if held == 1:  # it alone held them: free, or kept where the pool keeps them
                if owners is not None:  # (always, where blocks are shared)
                    _set_range(owners, lo, hi, NOBODY)
                if not cached:
                    _set_range(states, lo * unit, hi * unit, FREE)
                else:
                    for block in range(lo, hi):
                        states[block * unit:(block + 1) * unit] = kept if block in cached else empty
            elif held == 2:  # the one left holds them alone again (its id: what the sum says)
                assert owners is not None
                _set_range(owners, lo, hi, summed[0] - rid - 2)
                _set_range(states, lo * unit, hi * unit, USED)

    def _recheck(self, blocks: Sequence[int], ranges: Ranges) -> None:
        """Blocks no holding holds: drawn kept (cached, retained) or free as the pool says they are now."""
        owners, states, unit, cached = self.owners, self.states, self.unit, self._cached
        kept, empty = bytes([self._kept]) * unit, bytes(unit)
        for block in blocks:
            if owners[block] == NOBODY:
                start = block * unit
                states[start:start + unit] = kept if block in cached else empty
                ranges.append((start, start + unit))

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
            self._own(holding.starts[first:count], painted.extent, holding.id)
        if low < min(high, kept):
            self._fill(painted, low, min(high, kept), ranges)

    def _append(self, rids: tuple[int, ...], ranges: Ranges) -> None:
        """One more token each, in a slot their holdings already have: the hot path of every
        serving tick, so it writes one slot per request and makes no holding."""
        states, painted = self.states, self.painted
        for rid in rids:
            p = painted[rid]
            offset = p.tokens
            slot = p.starts[offset // p.extent] + offset % p.extent
            states[slot] = USED
            ranges.append((slot, slot + 1))
            p.tokens = offset + 1

    def _fill(self, painted: _Painted, low: int, high: int, ranges: Ranges | None) -> None:
        """Draw token offsets [low, high) of a holding: used below its tokens, reserved below
        its reach, internal below what it asked for, rounding slack beyond."""
        tokens, reach, asked = painted.tokens, painted.reach, painted.asked
        for state, a, b in ((USED, low, min(high, tokens)), (RESERVED, max(low, tokens), min(high, reach)),
                            (INTERNAL, max(low, reach), min(high, asked)), (SLACK, max(low, asked, reach), high)):
            if a < b:
                self._fill_state(painted, state, a, b, ranges)

    def _fill_state(self, painted: _Painted, state: int, low: int, high: int, ranges: Ranges | None) -> None:
        """Token offsets [low, high) of a holding, all in `state`: whole extents in one tight
        loop (a paged request can hold thousands of blocks), the partial ends on their own."""
        extent, starts, states = painted.extent, painted.starts, self.states
        first, last = low // extent, (high - 1) // extent
        for i in {first, last}:  # the ends, which may cover part of an extent
            base = i * extent
            a, b = max(low, base) - base, min(high, base + extent) - base
            start = starts[i]
            states[start + a:start + b] = bytes([state]) * (b - a)
            if ranges is not None:
                ranges.append((start + a, start + b))
        if last - first > 1:  # the whole extents between (blocks: millions on a big pool)
            middle = starts[first + 1:last]
            if extent == self.unit:
                _scatter(states, _block_ids(middle, extent), state, extent)
            else:
                full = bytes([state]) * extent
                for start in middle:
                    states[start:start + extent] = full
            if ranges is not None:
                ranges.extend(_spans(middle, extent))

    def _restrand(self, pool: Pool, before: int, spans: list[tuple[int, int]], ranges: Ranges) -> None:
        """Free runs are drawn stranded when shorter than the threshold. Check each run around
        a change (a merge or a split may have moved it across) and, when the threshold itself
        moved, every run whose side of it changed."""
        threshold = self.stranded_below
        runs: dict[int, int] = {}
        for start, end in spans:
            runs.update(pool.free_runs_around(start, end))
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


def _block_ids(starts: Sequence[int], unit: int) -> Sequence[int]:
    """The blocks that extents starting at `starts` lie in."""
    if isinstance(starts, BlockStarts) and starts.block_size == unit:
        return starts.blocks  # the block table itself, uncopied
    return starts if unit == 1 else [start // unit for start in starts]


def _all_are(values: Values, indices: Sequence[int], value: int) -> bool:
    for run in runs_of(indices):
        ends = span(run)
        if ends is None:
            if not all(map(value.__eq__, map(values.__getitem__, run))):
                return False
        elif values[ends[0]:ends[1]].count(value) != ends[1] - ends[0]:
            return False
    return True


def _scatter(values: Values, indices: Sequence[int], value: int, width: int = 1) -> None:
    """The `width` values from i × width = value, for each i: a slice a run of consecutive
    indices (wider than one value, a stretch of a list's too), a loop that runs in C for the
    rest. A repaint of a pool of 16M blocks at block 1 does this for every block, and of 1M
    blocks of 16 slots for every slot."""
    runs = runs_of(indices) if width == 1 else [part for run in runs_of(indices)
                                                for part in ((run,) if type(run) is range else stretches(run))]
    for run in runs:
        ends = span(run)
        if ends is not None:
            _set_range(values, ends[0] * width, ends[1] * width, value)
        elif width == 1:
            deque(map(values.__setitem__, run, repeat(value)), maxlen=0)
        else:  # (states, a slot a byte)
            assert isinstance(values, bytearray)
            cells = map(slice, map(width.__mul__, run), map(width.__mul__, map((1).__add__, run)))
            deque(map(values.__setitem__, cells, repeat(bytes((value,)) * width)), maxlen=0)


def _spans(starts: Sequence[int], extent: int) -> Iterator[tuple[int, int]]:
    """The slot ranges extents at `starts` cover: a run of consecutive blocks (a long block
    table's runs; one-slot extents at block 1) is one."""
    if isinstance(starts, BlockStarts) and starts.block_size == extent:
        blocks: Sequence[int] | None = starts.blocks
    else:
        blocks = starts if extent == 1 else None  # (slots are blocks)
    if blocks is None:
        yield from ((start, start + extent) for start in starts)
        return
    for run in runs_of(blocks):
        ends = span(run)
        if ends is None:
            yield from ((block * extent, (block + 1) * extent) for block in run)
        else:
            yield ends[0] * extent, ends[1] * extent


def _set_range(values: Values, low: int, high: int, value: int) -> None:
    if high - low == 1:
        values[low] = value
    elif isinstance(values, bytearray):
        values[low:high] = bytes((value,)) * (high - low)
    else:
        values[low:high] = array(values.typecode, (value,)) * (high - low)
