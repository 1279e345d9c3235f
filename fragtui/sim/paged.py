"""Paged allocation, vLLM's PagedAttention: ceil(used / block_size) blocks from anywhere.

The free blocks form a queue, initially 0, 1, 2, ...; admission takes a request's blocks from
the head. A free releases the request's blocks tail-first (last block-table entry first) and
puts them, as a group in that order, at the tail (`fifo`) or at the head (`lifo`). `lowest`
ignores the queue and always hands out the lowest free block ids.
"""

from __future__ import annotations

from collections import deque
from itertools import chain, islice
from typing import AbstractSet, Callable, Protocol, Sequence

from fragtui.sim.block_runs import BlockRuns, Run, Table, runs_of, span
from fragtui.sim.outcomes import ADMITTED, FREED, NOOP, POOL_FULL, REJECTED, Identity, PagedOutcome
from fragtui.sim.requests import Request

ORDERS = ("fifo", "lifo", "lowest")
_new = tuple.__new__  # outcomes are tuples: one C call each
_NO_BLOCKS: list[int] = []  # a rejection's or no-op's block table (never changed)
SHORT = 256  # tables of more blocks than this may be handed out as runs (block_runs.py)


class FreeQueue(Protocol):
    """The free blocks in the order they will be handed out, with exact inverses for undo."""

    def __len__(self) -> int: ...

    def take(self, n: int) -> list[int]:
        """The next `n` blocks, in the order handed out."""
        ...

    def take_table(self, n: int) -> Table:
        """As `take`, for a block table: a long one may come as runs (`BlockRuns`)."""
        ...

    def give(self, table: Sequence[int]) -> None:
        """A freed block table comes back, last block first."""
        ...

    def untake(self, blocks: Sequence[int]) -> None: ...

    def ungive(self, table: Sequence[int]) -> None: ...

    def order(self) -> list[int]: ...

    def copy(self) -> FreeQueue: ...


class _FifoQueue:
    """Pieces of the queue in order, read from an offset into the first: `range`s (the
    initial 0, 1, 2, ... and the runs of long tables given back) and lists (short tables given
    back, gathered into the last piece). A take of n blocks costs the pieces it spans, never n
    copies, when it is handed out as runs (`take_table`)."""

    _GATHER = 4096  # short tables given back join the last list piece up to this length

    def __init__(self, num_blocks: int) -> None:
        self._pieces: deque[Run] = deque([range(num_blocks)] if num_blocks else [])
        self._off = 0  # blocks of the first piece already handed out

    def __len__(self) -> int:  # (the allocator counts its free blocks itself: this is for checks)
        return sum(map(len, self._pieces)) - self._off

    def _cut(self, n: int) -> list[Run]:
        """The next n (≥ 1, at most all) blocks, as the pieces they span."""
        pieces, off = self._pieces, self._off
        head = pieces[0]
        left = len(head) - off
        if left > n:  # the common case: within the first piece
            self._off = off + n
            return [head[off:off + n]]
        cut = []
        while True:
            pieces.popleft()
            if left >= n:  # (exactly the rest of it)
                cut.append(head[off:] if off else head)
                self._off = 0
                return cut
            cut.append(head[off:] if off else head)
            n -= left
            head, off = pieces[0], 0
            left = len(head)
            if left > n:
                self._off = n
                cut.append(head[:n])
                return cut

    def take(self, n: int) -> list[int]:
        if not n:
            return []
        cut = self._cut(n)
        return list(cut[0]) if len(cut) == 1 else list(chain.from_iterable(cut))

    def take_table(self, n: int) -> Table:
        if n <= SHORT:  # the hot path, inlined: a short table from within the first piece
            off = self._off
            if self._pieces and len(head := self._pieces[0]) - off > n:
                self._off = off + n
                taken = head[off:off + n]
                return taken if type(taken) is list else list(taken)
            return self.take(n)
        return BlockRuns(self._cut(n))

    def give(self, table: Sequence[int]) -> None:
        if type(table) is list:
            self._join(table)
        elif isinstance(table, BlockRuns):
            for run in reversed(table.runs):
                if len(run) > SHORT:
                    self._pieces.append(run[::-1])  # a long run stays a run
                else:
                    self._join(run)
        else:
            self._join(list(table))

    def _join(self, run: Sequence[int]) -> None:
        """A short run (or table) comes back, reversed, gathered into a list piece at the tail.
        If that piece is also the first, its consumed front is dropped once it is over half of
        it (untake never needs it: it puts back what it is given), so a piece holds at most
        _GATHER blocks and its consumed front."""
        if not run:
            return  # (no empty pieces)
        pieces = self._pieces
        last = pieces[-1] if pieces else None
        if type(last) is list and len(last) < self._GATHER:
            if len(pieces) == 1 and self._off * 2 > len(last):
                del last[:self._off]
                self._off = 0
            last.extend(reversed(run))
        else:
            pieces.append(list(reversed(run)))

    def untake(self, blocks: Sequence[int]) -> None:
        """Undo the last take: the n blocks just before the head go back in front of it."""
        n = len(blocks)
        if not n:
            return
        if self._off >= n:  # all of them came from the first piece
            self._off -= n
            return
        if self._off:  # the take ended in the first piece: its front is the take's end
            n -= self._off
            self._off = 0
        front = runs_of(blocks[:n]) if n < len(blocks) else runs_of(blocks)
        self._pieces.extendleft(list(run) if type(run) is list else run for run in reversed(front))

    def ungive(self, table: Sequence[int]) -> None:
        """Undo the last give: its blocks are the queue's last len(table)."""
        pieces, k = self._pieces, len(table)
        while k:
            last = pieces[-1]
            left = len(last) - (self._off if len(pieces) == 1 else 0)
            if left > k:
                if type(last) is list:
                    del last[-k:]  # (a list piece is the queue's own)
                else:
                    pieces[-1] = last[:len(last) - k]
                return
            pieces.pop()
            k -= left
            if not pieces:
                self._off = 0

    def order(self) -> list[int]:
        pieces = iter(self._pieces)
        first = next(pieces, ())
        return list(chain(islice(first, self._off, None), chain.from_iterable(pieces)))

    def copy(self) -> _FifoQueue:
        twin = _FifoQueue(0)
        twin._pieces = deque(list(p) if type(p) is list else p for p in self._pieces)
        twin._off = self._off
        return twin


class _LifoQueue:
    """A stack of pieces whose end is the head, each read from its end: the initial range
    (n − 1 … 0), then what is given back, in table order, so that a table's last block is handed
    out first. Short tables are gathered into list pieces; long runs stay ranges, so a long
    table is taken and given back at the cost of its runs (`take_table`), as with fifo."""

    _GATHER = 4096  # blocks in one gathered list piece

    def __init__(self, num_blocks: int) -> None:
        self._pieces: list[Run] = [range(num_blocks - 1, -1, -1)] if num_blocks else []

    def __len__(self) -> int:  # (the allocator counts its free blocks itself: this is for checks)
        return sum(map(len, self._pieces))

    def _pop(self, n: int) -> list[Run]:
        """The next n blocks off the head, as runs in the order handed out."""
        pieces, cut = self._pieces, []
        while n:
            last = pieces[-1]
            size = len(last)
            if size > n:
                part = last[size - n:]
                if type(last) is list:
                    del last[size - n:]  # (a list piece is the queue's own)
                else:
                    pieces[-1] = last[:size - n]
                cut.append(part[::-1])
                break
            pieces.pop()
            cut.append(last[::-1])
            n -= size
        return cut

    def take(self, n: int) -> list[int]:
        if not n:
            return []
        last = self._pieces[-1]
        if type(last) is list and len(last) > n:  # the hot path: a short table off a list piece
            blocks = last[-n:]
            del last[-n:]
            blocks.reverse()
            return blocks
        cut = self._pop(n)
        return list(cut[0]) if len(cut) == 1 else list(chain.from_iterable(cut))

    def take_table(self, n: int) -> Table:
        return self.take(n) if n <= SHORT else BlockRuns(self._pop(n))

    def give(self, table: Sequence[int]) -> None:
        for run in runs_of(table):
            self._push(run)

    def _push(self, run: Sequence[int]) -> None:
        """Blocks onto the head, in order: the run's last block is handed out next."""
        if not run:
            return
        pieces = self._pieces
        if isinstance(run, range) and len(run) > SHORT:
            pieces.append(run)
            return
        last = pieces[-1] if pieces else None
        if type(last) is list and len(last) < self._GATHER:
            last.extend(run)
        else:
            pieces.append(list(run))

    def untake(self, blocks: Sequence[int]) -> None:
        """Undo the last take: its first block is the head again, the rest after it in order."""
        for run in reversed(runs_of(blocks)):
            self._push(run[::-1])

    def ungive(self, table: Sequence[int]) -> None:
        if len(table):
            self._pop(len(table))

    def order(self) -> list[int]:
        return list(chain.from_iterable(reversed(piece) for piece in reversed(self._pieces)))

    def copy(self) -> _LifoQueue:
        twin = _LifoQueue(0)
        twin._pieces = [list(p) if type(p) is list else p for p in self._pieces]
        return twin


class _LowestQueue:
    """A free flag per block; memchr-speed search from the lowest block that may be free. A
    long table is found, marked and given back a run of consecutive blocks at a time."""

    def __init__(self, num_blocks: int) -> None:
        self._free = bytearray(b"\x01") * num_blocks
        self._count = num_blocks
        self._low = 0  # every block below this is taken

    def __len__(self) -> int:
        return self._count

    def take(self, n: int) -> list[int]:
        flags, find = self._free, self._free.find
        blocks = []
        at = self._low
        for _ in range(n):
            at = find(1, at)
            flags[at] = 0
            blocks.append(at)
            at += 1
        self._low = at
        self._count -= n
        return blocks

    def take_table(self, n: int) -> Table:
        """As take; a long table is found and marked a run of free blocks at a time."""
        if n <= SHORT:
            return self.take(n)
        flags, at, left = self._free, self._low, n
        runs: list[Run] = []
        while left:
            start = flags.find(1, at)
            end = flags.find(0, start, start + left)
            end = start + left if end == -1 else end
            flags[start:end] = bytes(end - start)
            runs.append(range(start, end))
            left -= end - start
            at = end
        self._low = at
        self._count -= n
        return BlockRuns(runs)

    def give(self, table: Sequence[int]) -> None:
        low = self._mark(table, 1)
        self._count += len(table)
        if low < self._low:
            self._low = low

    untake = give

    def ungive(self, table: Sequence[int]) -> None:
        self._mark(table, 0)
        self._count -= len(table)

    def _mark(self, table: Sequence[int], flag: int) -> int:
        """Set the blocks' flags (a run of consecutive ones in one slice); their lowest block."""
        flags = self._free
        if type(table) is list:  # the hot path: a short table, block by block
            for block in table:
                flags[block] = flag
            return min(table, default=len(flags))
        low = len(flags)
        for run in runs_of(table):
            ends = span(run)
            if ends is None:
                for block in run:
                    flags[block] = flag
                low = min(low, min(run, default=low))
            else:
                flags[ends[0]:ends[1]] = bytes((flag,)) * (ends[1] - ends[0])
                low = min(low, ends[0])
        return low

    def order(self) -> list[int]:
        flags = self._free
        return [b for b in range(self._low, len(flags)) if flags[b]]

    def copy(self) -> _LowestQueue:
        twin = _LowestQueue(0)
        twin._free, twin._count, twin._low = bytearray(self._free), self._count, self._low
        return twin


_QUEUES: dict[str, Callable[[int], FreeQueue]] = {"fifo": _FifoQueue, "lifo": _LifoQueue, "lowest": _LowestQueue}


class PagedAllocator:
    """Block tables are lists, or `BlockRuns` when long (more than SHORT blocks): serving mode
    grows either a block at a time, in amortized O(1). A table handed out
    in an outcome is never changed afterwards except by such growth.

    Nothing is shared here: each block has one holder. `PrefixCachingAllocator` (prefix_cache.py)
    adds vLLM v1's prefix cache; the tallies below are its, and stay 0 here."""

    prefix_caching = False
    hits = misses = evictions = 0  # blocks reused from the cache, computed anew, evicted from it
    cached_free: AbstractSet[int] = frozenset()  # free blocks holding a cached block identity

    def __init__(self, total_slots: int, block_size: int, order: str = "fifo") -> None:
        self.total_slots = total_slots
        self.block_size = block_size
        self.order = order
        self.num_blocks = total_slots // block_size
        self.unusable = total_slots - self.num_blocks * block_size  # past the last whole block
        self.queue: FreeQueue = _QUEUES[order](self.num_blocks)
        self.tables: dict[int, tuple[Table, int]] = {}  # id -> (block table, used)
        self.admitted = 0
        self.rejected_pool_full = 0
        self.rejected_fragmented = 0  # always 0: any free block serves
        self.used = 0
        self.free_blocks = self.num_blocks  # len(queue), kept as a number: cheaper to read
        self._take, self._give = self.queue.take_table, self.queue.give  # the hot calls, bound once

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
