"""The free runs of a contiguous pool, indexed so that placement never scans every hole.

Runs are keyed by start address. A max-segment-tree over fixed address buckets (each bucket
holds the runs that start in it) answers first fit and next fit by descending to the leftmost
bucket whose longest run fits: O(log buckets) however many holes there are. Best and worst fit
use a sorted list of (length, start) keys, kept only when a policy needs it. The tree's root is
the largest free run, which every step's metrics want.
"""

from __future__ import annotations

from bisect import bisect_left, insort

_MAX_LEAVES = 1 << 16
_TARGET_BUCKET = 8  # slots per bucket when the pool is small enough


class FreeRuns:
    def __init__(self, total_slots: int, track_sizes: bool = False) -> None:
        self.total_slots = total_slots
        self.by_start: dict[int, int] = {}  # start -> length
        self.by_end: dict[int, int] = {}  # end -> start
        leaves = 1
        while leaves < _MAX_LEAVES and leaves * _TARGET_BUCKET < total_slots:
            leaves *= 2
        self._leaves = leaves
        self._width = max(1, -(-total_slots // leaves))  # slots per bucket
        self._tree = [0] * (2 * leaves)
        self._buckets: dict[int, list[int]] = {}  # bucket -> sorted run starts
        self._key = total_slots + 1
        self._sizes: list[int] | None = [] if track_sizes else None  # length*key + start

    # -- queries -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.by_start)

    @property
    def largest(self) -> int:
        return self._tree[1]

    def first_fit(self, need: int) -> int | None:
        """Start of the lowest-addressed run of at least `need` slots."""
        tree = self._tree
        if tree[1] < need:
            return None
        i, leaves = 1, self._leaves
        while i < leaves:
            i <<= 1
            if tree[i] < need:
                i += 1
        return self._fit_in_bucket(i - leaves, need, 0)

    def next_fit(self, need: int, cursor: int) -> int | None:
        """The lowest run of at least `need` slots starting at or after `cursor`, else wrap."""
        tree = self._tree
        if tree[1] < need:
            return None
        bucket = min(cursor // self._width, self._leaves - 1) if cursor < self.total_slots else self._leaves
        if bucket < self._leaves:
            start = self._fit_in_bucket(bucket, need, cursor)
            if start is not None:
                return start
            i = bucket + 1 + self._leaves
            if i < 2 * self._leaves:
                found = self._leftmost_from(i, need)
                if found is not None:
                    return found
        return self.first_fit(need)

    def best_fit(self, need: int) -> int | None:
        """Start of the shortest run of at least `need` slots (ties: lowest address)."""
        sizes = self._sizes
        i = bisect_left(sizes, need * self._key)
        if i == len(sizes):
            return None
        return sizes[i] % self._key

    def worst_fit(self, need: int) -> int | None:
        """Start of the longest run (ties: lowest address), if it holds `need` slots."""
        largest = self._tree[1]
        if largest < need:
            return None
        sizes = self._sizes
        return sizes[bisect_left(sizes, largest * self._key)] % self._key

    def runs(self) -> list[tuple[int, int]]:
        """Every free run as (start, length), by address."""
        return sorted(self.by_start.items())

    # -- updates -------------------------------------------------------------------------

    def add(self, start: int, length: int) -> None:
        self.by_start[start] = length
        self.by_end[start + length] = start
        bucket = start // self._width
        starts = self._buckets.get(bucket)
        if starts is None:
            self._buckets[bucket] = [start]
        else:
            insort(starts, start)
        if self._sizes is not None:
            insort(self._sizes, length * self._key + start)
        tree = self._tree
        i = bucket + self._leaves
        while i and tree[i] < length:  # a longer run can only raise the maxima above it
            tree[i] = length
            i >>= 1

    def remove(self, start: int) -> int:
        length = self.by_start.pop(start)
        del self.by_end[start + length]
        bucket = start // self._width
        starts = self._buckets[bucket]
        starts.remove(start)
        if self._sizes is not None:
            sizes = self._sizes
            del sizes[bisect_left(sizes, length * self._key + start)]
        tree = self._tree
        i = bucket + self._leaves
        if tree[i] == length:  # only the run that set a maximum can lower it
            by_start = self.by_start
            if starts:
                tree[i] = max([by_start[s] for s in starts])
            else:
                tree[i] = 0
                del self._buckets[bucket]
            i >>= 1
            while i:
                best = max(tree[2 * i], tree[2 * i + 1])
                if tree[i] == best:
                    break
                tree[i] = best
                i >>= 1
        return length

    # -- internals -----------------------------------------------------------------------

    def _fit_in_bucket(self, bucket: int, need: int, at_least: int) -> int | None:
        by_start = self.by_start
        for start in self._buckets.get(bucket, ()):
            if start >= at_least and by_start[start] >= need:
                return start
        return None

    def _leftmost_from(self, i: int, need: int) -> int | None:
        """The first bucket at tree node `i` or to its right whose longest run fits."""
        tree, leaves = self._tree, self._leaves
        while tree[i] < need:
            while i & 1:  # a right child: climb until we can step right
                i >>= 1
            if i == 0:
                return None
            i += 1
        while i < leaves:
            i <<= 1
            if tree[i] < need:
                i += 1
        return self._fit_in_bucket(i - leaves, need, 0)
