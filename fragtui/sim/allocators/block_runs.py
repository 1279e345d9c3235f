"""Long block tables kept as runs of consecutive block ids.

At block size 1 a request of 32,768 tokens holds 32,768 blocks, and a free queue hands
them out as a few runs of consecutive ids. Kept as a list of ints, every admission, free and
repaint touches each id (a jump over 150k events on a 16,777,216-block pool moved half a
billion of them). Kept as runs, each a `range` (ascending or descending) or, where ids do not
run, a short list, they cost their runs instead: a run is sliced, reversed and painted whole.

A `BlockRuns` reads as the sequence of block ids it stands for (iteration, `len`, indexing,
equality with a list), so everything that reads a block table reads one unchanged. A run is
never changed in place except a list at the end of a table that grows, which no other table
or queue holds (slices and copies copy it).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import chain, groupby, islice
from operator import sub
from abc import abstractmethod
from typing import AbstractSet, Iterator, Sequence, overload

Run = Sequence[int]  # a range with step 1 or -1, or a list


class BlockRuns(Sequence[int]):
    """A block table as runs; grows at its end in O(1) (serving mode's growth)."""

    __slots__ = ("runs", "_ends")

    def __init__(self, runs: list[Run]) -> None:
        """`runs` become this table's own (a list at the end may grow)."""
        self.runs = runs
        self._ends: list[int] = []  # the running total of the runs' lengths
        total = 0
        for run in runs:
            total += len(run)
            self._ends.append(total)

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __iter__(self) -> Iterator[int]:
        return chain.from_iterable(self.runs)

    def __contains__(self, block: object) -> bool:
        return any(block in run for run in self.runs)

    def __reversed__(self) -> Iterator[int]:
        return chain.from_iterable(reversed(run) for run in reversed(self.runs))

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> BlockRuns: ...
    def __getitem__(self, i: int | slice) -> int | BlockRuns:
        n = len(self)
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            if step != 1:
                return BlockRuns([list(self)[i]])
            return BlockRuns(self._cut(start, stop))
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("block table index out of range")
        k = bisect_right(self._ends, i)
        run = self.runs[k]
        return run[i - self._ends[k] + len(run)]

    def _cut(self, start: int, stop: int) -> list[Run]:
        """The runs covering ids [start, stop), the end ones sliced."""
        if start >= stop:
            return []
        ends, runs = self._ends, self.runs
        first, last = bisect_right(ends, start), bisect_right(ends, stop - 1)
        cut = runs[first:last + 1]
        head_base = ends[first] - len(runs[first])
        tail_base = ends[last] - len(runs[last])
        if first == last:
            return [cut[0][start - head_base:stop - head_base]]
        cut[0] = cut[0][start - head_base:]
        cut[-1] = cut[-1][:stop - tail_base]
        return cut

    def append(self, block: int) -> None:
        """One more block at the end: a range extends when `block` continues it; otherwise the
        block joins a list at the end (serving mode's growth takes blocks one at a time, between
        other requests' takes, so they seldom run)."""
        runs, ends = self.runs, self._ends
        if runs:
            last = runs[-1]
            if type(last) is list:
                last.append(block)  # (the one run changed in place: see copy and _cut)
                ends[-1] += 1
                return
            if isinstance(last, range) and len(last) > 1 and block == last[-1] + last.step:
                runs[-1] = range(last[0], block + last.step, last.step)
                ends[-1] += 1
                return
        runs.append([block])
        ends.append(len(self) + 1)

    def copy(self) -> BlockRuns:
        """An independent copy: its list runs are copied, since `append` grows the last one."""
        return BlockRuns([list(run) if type(run) is list else run for run in self.runs])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (BlockRuns, list, tuple, range)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # (a table grows: not a key)

    def __repr__(self) -> str:
        return f"BlockRuns({list(self)!r})"


Table = list[int] | BlockRuns  # a block table: a list, or runs when it is long


class RunSet(AbstractSet[int]):
    """A set of blocks that lists itself as runs too (a free queue's cached blocks), so that it
    is painted a run at a time."""

    @abstractmethod
    def runs(self) -> list[Run]: ...


def runs_of(blocks: Sequence[int]) -> Sequence[Run]:
    """The runs a block table is kept as (a list is one run)."""
    return blocks.runs if isinstance(blocks, BlockRuns) else (blocks,)


def span(run: Run) -> tuple[int, int] | None:
    """[low, high) if `run` is a range of consecutive ids (either way), else None."""
    if isinstance(run, range) and run and run.step in (1, -1):
        return ends(run)
    return None


def leading(run: Run, other: Run) -> int:
    """How many of their first ids two runs share (compared in C where all of them are)."""
    n = min(len(run), len(other))
    a, b = run[:n], other[:n]
    if (a == b) if type(a) is type(b) else list(a) == list(b):
        return n
    return next(k for k, (x, y) in enumerate(zip(a, b)) if x != y)


def joined(run: range, more: range) -> range | None:
    """The one range `run` then `more` make, if `more`'s ids carry on from `run`'s (either way)."""
    step = more[0] - run[-1]
    if step not in (1, -1) or (len(run) > 1 and run.step != step) or (len(more) > 1 and more.step != step):
        return None
    return range(run[0], more[-1] + step, step)


def ends(run: range) -> tuple[int, int]:
    """[low, high) of a range of consecutive ids (either way), not empty."""
    first, last = run[0], run[-1]
    return (first, last + 1) if first <= last else (last, first + 1)


def stretches(run: Run) -> Iterator[Run]:
    """A run as ranges of consecutive ids (either way) and lists of the ids between them. A
    table's runs are often lists whose ids run all the same (short tables given back, gathered
    in a queue, taken again), and a range is painted or counted in one slice; the ids are
    compared in C, a stretch at a time."""
    if isinstance(run, range) or len(run) < 2:
        yield run
        return
    start = j = 0  # the first id not yet yielded; the first difference of the next group
    for diff, group in groupby(map(sub, islice(run, 1, None), run)):
        length = len(list(group))  # ids j .. j + length differ by `diff` in turn
        a, b = max(j, start), j + length
        if diff in (1, -1) and b > a:
            if a > start:
                yield run[start:a]
            yield range(run[a], run[b] + diff, diff)
            start = b + 1
        j += length
    if start < len(run):
        yield run[start:]
