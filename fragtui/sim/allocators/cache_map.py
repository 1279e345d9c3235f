"""The prefix cache's map from block identities to the blocks holding them, kept in runs.

An identity is named here by a *space* and an index, so that a request's identities run: the
k-th block of a run of its table has index i + k in the run's space. A Mooncake number
(h × 512 + t, block size ≤ 512) is index number // block_size in space None, so a prompt whose
hash ids follow each other is one run of hundreds of blocks; `(key, i)` (a prefix letter's or
a request's own block) is index i in space key; a number below 0 (a block of several hash
blocks) is a space of its own, index 0 (`identity` turns a name back).

vLLM's map keeps every copy of an identity, in the order cached, and a lookup answers with the
first (prefix_cache.py). Here the first copies are runs, `first[(space, a)] = (b, blocks)`:
identities a .. b − 1 of `space` are first held by `blocks` (a run: a range of consecutive
blocks, or a list), one each; runs never overlap, so a lookup, an insertion and an eviction
cost the runs they cross, not the blocks. `starts` finds the run holding an index: for each
chunk of CHUNK indices, the sorted starts of the runs that reach into it. Further copies (duplicates: vLLM does not de-duplicate) are rare and kept
one identity at a time in `extra`, in order; `extra_in` counts them per chunk, so that an
eviction looks for copies to promote only where there are some.

Every change is logged as it is made (`Log`), and `undo` reverses a log exactly: each identity
gets back its copies in their order, whatever runs hold them.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from typing import Hashable, Iterator

from fragtui.sim.allocators.block_runs import Run, leading
from fragtui.sim.allocators.outcomes import Identity

CHUNK = 1024  # indices a chunk of the index covers

Space = Hashable  # None (Mooncake numbers), a prefix letter, a request id, or a number below 0
Entry = tuple[int, Run]  # (end, the blocks): a run of first copies from a start
Log = list[tuple[object, ...]]  # what a change did, for undo

# Log records, by their first item:
_FIRST_ADDED, _FIRST_REMOVED, _EXTRA_ADDED, _EXTRA_REMOVED, _PROMOTED = range(5)


def identity(space: Space, index: int, block_size: int) -> Identity:
    """The identity index `index` of `space` names (block_names.block_identities)."""
    if space is None:
        return index * block_size
    if isinstance(space, int) and space < 0:
        return space
    return (space, index)


class CacheMap:
    """Cached identities and the blocks that hold them, first copies in runs (see the module)."""

    def __init__(self, block_size: int) -> None:
        self.block_size = block_size
        self.first: dict[tuple[Space, int], Entry] = {}
        self.starts: dict[tuple[Space, int], list[int]] = {}
        self.extra: dict[tuple[Space, int], list[int]] = {}
        self.extra_in: dict[tuple[Space, int], int] = {}

    # -- reading ---------------------------------------------------------------------------

    def find(self, space: Space, i: int) -> tuple[int, int, Run] | None:
        """(start, end, blocks) of the run of first copies holding index i."""
        starts = self.starts.get((space, i // CHUNK))
        if not starts:
            return None
        j = bisect_right(starts, i) - 1
        if j < 0:
            return None
        a = starts[j]
        b, blocks = self.first[(space, a)]
        return (a, b, blocks) if i < b else None

    def lookup(self, names: list[tuple[Space, int, int]], limit: int) -> list[Run]:
        """The first copies of the longest run of `names` (runs of (space, start, count), in
        table order) cached from the start, at most `limit` of them: as runs of blocks."""
        hits: list[Run] = []
        find = self.find
        for space, i, n in names:
            end = i + min(n, limit)
            while i < end:
                found = find(space, i)
                if found is None:
                    return hits
                a, b, blocks = found
                stop = min(b, end)
                hits.append(blocks[i - a:stop - a])
                limit -= stop - i
                i = stop
            if not limit:
                break
        return hits

    def copies(self, space: Space, i: int) -> int:
        """How many blocks hold index i of `space`."""
        held = self.find(space, i) is not None
        return held + len(self.extra.get((space, i), ()))

    def named(self, block: int) -> tuple[Space, int] | None:
        """The (space, index) block `block` holds, if any: a search of every run (for hovering
        and checks, never on a hot path)."""
        for (space, a), (_, blocks) in self.first.items():
            if block in blocks:
                return space, a + blocks.index(block)
        for key, blocks in self.extra.items():
            if block in blocks:
                return key
        return None

    def items(self) -> Iterator[tuple[int, Identity]]:
        """(block, identity) for every block holding one (checks and snapshots)."""
        bs = self.block_size
        for (space, a), (_, blocks) in self.first.items():
            for k, block in enumerate(blocks):
                yield block, identity(space, a + k, bs)
        for (space, i), blocks in self.extra.items():
            for block in blocks:
                yield block, identity(space, i, bs)

    def lists(self) -> dict[Identity, list[int]]:
        """identity -> the blocks holding it, in the order cached (checks)."""
        bs, out = self.block_size, {}
        for (space, a), (_, blocks) in self.first.items():
            for k, block in enumerate(blocks):
                out[identity(space, a + k, bs)] = [block, *self.extra.get((space, a + k), ())]
        return out

    # -- changing --------------------------------------------------------------------------

    def add(self, space: Space, i: int, blocks: Run, log: Log) -> int:
        """Blocks `blocks` (k-th: index i + k) hold these identities now, each as its last
        copy; returns how many of them another block held already (duplicates)."""
        end, x, duplicates = i + len(blocks), i, 0
        while x < end:
            found = self.find(space, x)
            if found is not None:  # computed again though cached: another copy, after the others
                stop = min(found[1], end)
                for k in range(x, stop):
                    self._extra_add(space, k, blocks[k - i])
                    log.append((_EXTRA_ADDED, space, k))
                duplicates += stop - x
            else:
                stop = self._next_start(space, x, end)
                self._insert(space, x, stop, blocks[x - i:stop - i])
                log.append((_FIRST_ADDED, space, x, stop))
            x = stop
        return duplicates

    def remove(self, space: Space, i: int, blocks: Run, log: Log) -> None:
        """Blocks `blocks` (k-th: index i + k) no longer hold these identities (evicted)."""
        end, x = i + len(blocks), i
        while x < end:
            block = blocks[x - i]
            found = self.find(space, x)
            if found is not None and found[2][x - found[0]] == block:  # the first copies, as far as they agree
                a, b, held = found
                stop = x + leading(held[x - a:min(b, end) - a], blocks[x - i:min(b, end) - i])
                gone = held[x - a:stop - a]
                self._cut(space, a, x, stop)
                log.append((_FIRST_REMOVED, space, x, stop, gone))
                if self.extra_in:
                    self._promote(space, x, stop, log)
                x = stop
            else:  # a later copy
                copies = self.extra[(space, x)]
                at = copies.index(block)
                self._extra_remove(space, x, at)
                log.append((_EXTRA_REMOVED, space, x, block, at))
                x += 1

    def undo(self, log: Log) -> None:
        """Exactly reverse the changes `log` recorded (the last made)."""
        for record in reversed(log):
            kind, space = record[0], record[1]
            if kind == _FIRST_ADDED:  # (an eviction undone since may have cut it into runs)
                x, stop = record[2], record[3]
                assert isinstance(x, int) and isinstance(stop, int)
                while x < stop:
                    x = self._delete(space, x)[0]
            elif kind == _EXTRA_ADDED:
                k = record[2]
                assert isinstance(k, int)
                self._extra_remove(space, k, -1)
            elif kind == _PROMOTED:
                k, block = record[2], record[3]
                assert isinstance(k, int) and isinstance(block, int)
                self._delete(space, k)
                self._extra_add(space, k, block, 0)
            elif kind == _EXTRA_REMOVED:
                x, block, at = record[2], record[3], record[4]
                assert isinstance(x, int) and isinstance(block, int) and isinstance(at, int)
                self._extra_add(space, x, block, at)
            else:
                x, stop, gone = record[2], record[3], record[4]
                assert isinstance(x, int) and isinstance(stop, int) and isinstance(gone, (range, list))
                self._insert(space, x, stop, gone)

    def copy(self) -> CacheMap:
        twin = CacheMap(self.block_size)
        twin.first = dict(self.first)
        twin.starts = {key: list(starts) for key, starts in self.starts.items()}
        twin.extra = {key: list(blocks) for key, blocks in self.extra.items()}
        twin.extra_in = dict(self.extra_in)
        return twin

    # -- inside ----------------------------------------------------------------------------

    def _insert(self, space: Space, a: int, b: int, blocks: Run) -> None:
        self.first[(space, a)] = (b, blocks)
        starts = self.starts
        for chunk in range(a // CHUNK, (b - 1) // CHUNK + 1):
            listed = starts.get((space, chunk))
            if listed is None:
                starts[(space, chunk)] = [a]
            else:
                insort(listed, a)

    def _delete(self, space: Space, a: int) -> Entry:
        entry = self.first.pop((space, a))
        self._unlist(space, a, a // CHUNK, (entry[0] - 1) // CHUNK)
        return entry

    def _unlist(self, space: Space, a: int, first_chunk: int, last_chunk: int) -> None:
        """Start `a` leaves the chunks first_chunk .. last_chunk."""
        starts = self.starts
        for chunk in range(first_chunk, last_chunk + 1):
            listed = starts[(space, chunk)]
            del listed[bisect_right(listed, a) - 1]
            if not listed:
                del starts[(space, chunk)]

    def _cut(self, space: Space, a: int, x: int, stop: int) -> None:
        """Take indices x .. stop − 1 out of the run starting at a."""
        b, blocks = self.first[(space, a)]
        if x > a:  # the front stays, shorter
            self.first[(space, a)] = (x, blocks[:x - a])
            self._unlist(space, a, (x - 1) // CHUNK + 1, (b - 1) // CHUNK)
        else:
            self._delete(space, a)
        if stop < b:  # the back, a run of its own
            self._insert(space, stop, b, blocks[stop - a:])

    def _next_start(self, space: Space, x: int, end: int) -> int:
        """The first start of a run of first copies after x, or `end` if none is before it."""
        starts = self.starts
        for chunk in range(x // CHUNK, (end - 1) // CHUNK + 1):
            listed = starts.get((space, chunk))
            if listed:
                j = bisect_right(listed, x)
                if j < len(listed):
                    return min(listed[j], end)
        return end

    def _promote(self, space: Space, x: int, stop: int, log: Log) -> None:
        """Where an identity whose first copy went has later copies, the next is first now."""
        extra_in, extra = self.extra_in, self.extra
        for chunk in range(x // CHUNK, (stop - 1) // CHUNK + 1):
            if (space, chunk) not in extra_in:
                continue
            for k in range(max(x, chunk * CHUNK), min(stop, (chunk + 1) * CHUNK)):
                if (space, k) in extra:
                    block = extra[(space, k)][0]
                    self._extra_remove(space, k, 0)
                    self._insert(space, k, k + 1, range(block, block + 1))
                    log.append((_PROMOTED, space, k, block))

    def _extra_add(self, space: Space, k: int, block: int, at: int | None = None) -> None:
        copies = self.extra.setdefault((space, k), [])
        copies.insert(len(copies) if at is None else at, block)
        chunk = (space, k // CHUNK)
        self.extra_in[chunk] = self.extra_in.get(chunk, 0) + 1

    def _extra_remove(self, space: Space, k: int, at: int) -> None:
        copies = self.extra[(space, k)]
        del copies[at]
        if not copies:
            del self.extra[(space, k)]
        chunk = (space, k // CHUNK)
        left = self.extra_in[chunk] - 1
        if left:
            self.extra_in[chunk] = left
        else:
            del self.extra_in[chunk]


def runs_in(names: list[tuple[Space, int, int]], start: int, stop: int) -> Iterator[tuple[Space, int, int]]:
    """The part of `names` (runs of (space, start, count), in table order) at table positions
    start .. stop − 1."""
    position = 0
    for space, i, n in names:
        a, b = max(start, position), min(stop, position + n)
        if a < b:
            yield space, i + a - position, b - a
        position += n
        if position >= stop:
            return
