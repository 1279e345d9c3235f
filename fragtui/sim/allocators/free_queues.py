"""The free block queues of paged allocation: the free blocks in the order they will be handed
out, with exact inverses for undo.

`fifo` and `lifo` release a freed table tail-first (last block-table entry first) as a group at
the tail or at the head; `lowest` always hands out the lowest free block ids. Each keeps long
tables as runs (block_runs.py), so taking and giving back cost the runs, not the blocks.
"""

from __future__ import annotations

from collections import deque
from itertools import chain, islice
from typing import Callable, Literal, Protocol, Sequence, get_args

from fragtui.sim.allocators.block_runs import BlockRuns, Run, Table, runs_of, span

Order = Literal["fifo", "lifo", "lowest"]
ORDERS: tuple[Order, ...] = get_args(Order)
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


class FifoQueue:
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
        return _ids(cut)

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

    def copy(self) -> FifoQueue:
        twin = FifoQueue(0)
        twin._pieces = deque(list(p) if type(p) is list else p for p in self._pieces)
        twin._off = self._off
        return twin


class LifoQueue:
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
        return _ids(cut)

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

    def copy(self) -> LifoQueue:
        twin = LifoQueue(0)
        twin._pieces = [list(p) if type(p) is list else p for p in self._pieces]
        return twin


class LowestQueue:
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

    def copy(self) -> LowestQueue:
        twin = LowestQueue(0)
        twin._free, twin._count, twin._low = bytearray(self._free), self._count, self._low
        return twin


def _ids(cut: list[Run]) -> list[int]:
    """The block ids of the runs a take cut, as a list."""
    return list(cut[0]) if len(cut) == 1 else list(chain.from_iterable(cut))


_QUEUES: dict[str, Callable[[int], FreeQueue]] = {"fifo": FifoQueue, "lifo": LifoQueue, "lowest": LowestQueue}


def free_queue(order: str, num_blocks: int) -> FreeQueue:
    """The queue of `num_blocks` free blocks that `order` names."""
    return _QUEUES[order](num_blocks)
