"""The prefix cache's free queue: the free blocks in the order they are handed out, in pieces.

A piece is a run of blocks (a range of consecutive ones, either way, or a list) and, if they
hold cached identities, their names: (space, index of its first block, +1 or −1 from one block
to the next), as in cache_map.py. A table given back goes to the queue a piece per run of its
blocks and names, so a prompt of 800 blocks is a few pieces, not 800 links; short pieces that
follow on join (`JOIN`). The pieces form a doubly linked list (dicts of next and previous, END
the sentinel), as vLLM's free queue does, so blocks leave from anywhere (a cached block taken
back) in O(1) a piece: `where` says which piece holds each free block (an array, grown to the
highest block ever given back), and a piece cut in the middle becomes two. Blocks never handed out are one piece, UNTOUCHED, always
range(low, n), which is not indexed: the list costs the blocks used, not the pool.

Undo puts blocks back where they were in the order, not the pieces as they were: `remove`
says which block preceded what it took out, and `insert_after` puts it back after that block.
"""

from __future__ import annotations

from array import array
from collections import deque
from itertools import repeat
from typing import Iterator

from fragtui.sim.allocators.block_runs import Run, ends, joined, leading
from fragtui.sim.allocators.cache_map import Space

Name = tuple[Space, int, int] | None  # (space, index of the first block, +1 or −1 a block), or no identities
Piece = tuple[Run, Name]
JOIN = 256  # pieces that follow on join up to this many blocks (a range: any length)

END = 0  # the list's sentinel
UNTOUCHED = -1  # the piece of the blocks never handed out: range(low, n)


def part(name: Name, start: int, stop: int) -> Name:
    """The names of a piece's blocks start .. stop − 1 (in queue order)."""
    if name is None:
        return None
    space, first, step = name
    return space, first + start * step, step


class PieceList:
    def __init__(self, n: int, filled: bool) -> None:
        self.n = n
        self.low = 0 if filled else n  # blocks from here on were never handed out
        self.nxt: dict[int, int] = {END: END}
        self.prv: dict[int, int] = {END: END}
        self.run: dict[int, Run] = {}
        self.name: dict[int, Name] = {}
        self.where: array[int] = array("q")  # block -> the piece that holds it, while it is free
        self.named = 0  # blocks in pieces with names: the cached free blocks
        self.last_id = 0
        if self.low < n:
            self.run[UNTOUCHED], self.name[UNTOUCHED] = range(0, n), None
            self._link_after(END, UNTOUCHED)

    # -- reading ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[int]:
        """The free blocks, head first."""
        nxt, run, pid = self.nxt, self.run, self.nxt[END]
        while pid != END:
            yield from run[pid]
            pid = nxt[pid]

    def pieces(self) -> Iterator[Piece]:
        nxt, pid = self.nxt, self.nxt[END]
        while pid != END:
            yield self.run[pid], self.name[pid]
            pid = nxt[pid]

    def is_named(self, block: int) -> bool:
        """Whether `block` is free here and holds a cached identity."""
        if block >= len(self.where):
            return False
        pid = self.where[block]
        return self.name.get(pid) is not None and block in self.run[pid]

    # -- taking and giving back ------------------------------------------------------------

    def take(self, k: int) -> list[Piece]:
        """The first `k` free blocks (there are as many), as the pieces they were in."""
        taken: list[Piece] = []
        nxt, runs, names = self.nxt, self.run, self.name
        while k:
            pid = nxt[END]
            run, name = runs[pid], names[pid]
            if len(run) <= k:
                taken.append((run, name))
                k -= len(run)
                self._unlink(pid)
                if pid == UNTOUCHED:
                    self.low = self.n
            else:
                taken.append((run[:k], name))
                runs[pid], names[pid] = run[k:], part(name, k, len(run))
                if pid == UNTOUCHED:
                    self.low += k
                k = 0
            if name is not None:
                self.named -= len(taken[-1][0])
        return taken

    def untake(self, pieces: list[Piece], low: int) -> None:
        """Undo the last `take`, which gave `pieces` when the untouched blocks began at `low`."""
        for run, name in reversed(pieces):
            if run[0] >= low:  # from the untouched blocks: they are untouched again
                self.low = run[0]
                self.run[UNTOUCHED] = range(self.low, self.n)
                if UNTOUCHED not in self.nxt:
                    self.name[UNTOUCHED] = None
                    self._link_after(END, UNTOUCHED)
            else:
                self._link_after(END, self._new(run, name))
                if name is not None:
                    self.named += len(run)

    def push_back(self, pieces: list[Piece]) -> None:
        """Pieces join the tail, in order."""
        runs, names = self.run, self.name
        for run, name in pieces:
            tail = self.prv[END]
            joined = _join(runs[tail], names[tail], run, name) if tail > 0 else None
            if joined is None:
                self._link_after(tail, self._new(run, name))
            else:
                runs[tail], names[tail] = joined
                self._index(tail, run)
            if name is not None:
                self.named += len(run)

    def push_front(self, pieces: list[Piece]) -> None:
        """Pieces become the head, in order."""
        for run, name in reversed(pieces):
            self._link_after(END, self._new(run, name))
            if name is not None:
                self.named += len(run)

    def pop_back(self, k: int) -> None:
        """Undo a `push_back` of `k` blocks."""
        self._pop(k, self.prv)

    def pop_front(self, k: int) -> None:
        """Undo a `push_front` of `k` blocks."""
        self._pop(k, self.nxt)

    def remove(self, blocks: Run) -> list[tuple[int | None, Piece]]:
        """Take `blocks` (free, each named, so in indexed pieces) out, wherever they are; for
        each part taken out, the block that preceded it (None: the head) and it. A table's
        blocks went back last first, so they are found in pieces mostly the other way round."""
        parts: list[tuple[int | None, Piece]] = []
        j = 0
        while j < len(blocks):
            rest = blocks[j:]
            pid = self.where[rest[0]]
            run, name = self.run[pid], self.name[pid]
            at = run.index(rest[0])
            back = leading(run[at::-1], rest)
            k0, k1 = (at - back + 1, at + 1) if back > 1 else (at, at + leading(run[at:], rest))
            before, after = run[:k0], run[k1:]
            prior = before[-1] if before else self._last(self.prv[pid])
            parts.append((prior, (run[k0:k1], part(name, k0, k1))))
            if name is not None:
                self.named -= k1 - k0
            if before:
                self.run[pid], self.name[pid] = before, part(name, 0, k0)
                if after:
                    self._link_after(pid, self._new(after, part(name, k1, len(run))))
            elif after:
                self.run[pid], self.name[pid] = after, part(name, k1, len(run))
            else:
                self._unlink(pid)
            j += k1 - k0
        return parts

    def insert_after(self, prior: int | None, piece: Piece) -> None:
        """Undo a `remove`: `piece` goes back after block `prior` (None: at the head)."""
        before = END
        if prior is not None:
            if self.low <= prior < self.n and UNTOUCHED in self.nxt:
                before = UNTOUCHED
                assert prior == self.n - 1, "a block only ever follows the untouched ones' last"
            else:
                before = self.where[prior]
                run, name = self.run[before], self.name[before]
                if run[-1] != prior:  # the piece is cut after it
                    k = run.index(prior) + 1
                    self.run[before], self.name[before] = run[:k], part(name, 0, k)
                    self._link_after(before, self._new(run[k:], part(name, k, len(run))))
        run, name = piece
        self._link_after(before, self._new(run, name))
        if name is not None:
            self.named += len(run)

    def copy(self) -> PieceList:
        twin = PieceList.__new__(PieceList)
        twin.__dict__.update(self.__dict__)
        twin.nxt, twin.prv, twin.run, twin.name = dict(self.nxt), dict(self.prv), dict(self.run), dict(self.name)
        twin.where = array("q", self.where)
        return twin

    # -- inside ----------------------------------------------------------------------------

    def _new(self, run: Run, name: Name) -> int:
        self.last_id += 1
        pid = self.last_id
        self.run[pid], self.name[pid] = run, name
        self._index(pid, run)
        return pid

    def _index(self, pid: int, run: Run) -> None:
        where = self.where
        if type(run) is range:
            low, high = ends(run)
            if high > len(where):
                where.frombytes(bytes(8 * (high - len(where))))
            where[low:high] = array("q", (pid,)) * (high - low)
        else:
            high = max(run) + 1
            if high > len(where):
                where.frombytes(bytes(8 * (high - len(where))))
            deque(map(where.__setitem__, run, repeat(pid)), maxlen=0)

    def _link_after(self, before: int, pid: int) -> None:
        nxt, prv = self.nxt, self.prv
        after = nxt[before]
        nxt[before], prv[pid], nxt[pid], prv[after] = pid, before, after, pid

    def _unlink(self, pid: int) -> None:
        nxt, prv = self.nxt, self.prv
        before, after = prv.pop(pid), nxt.pop(pid)
        nxt[before], prv[after] = after, before
        del self.run[pid], self.name[pid]

    def _last(self, pid: int) -> int | None:
        return None if pid == END else self.run[pid][-1]

    def _pop(self, k: int, inward: dict[int, int]) -> None:
        """Take `k` blocks off the tail (inward: prv) or the head (nxt)."""
        runs, names = self.run, self.name
        while k:
            pid = inward[END]
            run, name = runs[pid], names[pid]
            gone = min(k, len(run))
            if name is not None:
                self.named -= gone
            if gone == len(run):
                self._unlink(pid)
            elif inward is self.prv:
                runs[pid], names[pid] = run[:len(run) - gone], name
            else:
                runs[pid], names[pid] = run[gone:], part(name, gone, len(run))
            k -= gone


def _join(run: Run, name: Name, more: Run, more_name: Name) -> Piece | None:
    """The one piece `run` then `more` make, if their names run on (or neither has names), and
    their blocks do or there are few of them."""
    if name is None or more_name is None:
        if name is not None or more_name is not None:
            return None
        both: Name = None
    else:
        space, first, way = name
        to = more_name[1] - (first + (len(run) - 1) * way)  # from run's last name to more's first
        if (more_name[0] != space or to not in (1, -1) or (len(run) > 1 and way != to)
                or (len(more) > 1 and more_name[2] != to)):
            return None
        both = (space, first, to)
    blocks: Run | None = joined(run, more) if type(run) is range and type(more) is range else None
    if blocks is None:
        if len(run) + len(more) > JOIN:
            return None
        blocks = [*run, *more]
    return blocks, both
