"""The free runs of a contiguous pool, indexed so that placement never scans every hole.

Runs are keyed by start address. A max-segment-tree over fixed address buckets (each bucket
holds the runs that start in it) answers first fit and next fit by descending to the leftmost
bucket whose longest run fits: O(log buckets) however many holes there are. Best and worst fit
use a sorted list of (length, start) keys, kept only when a policy needs it. The tree's root is
the largest free run, which every step's metrics want.

Updates come in the four shapes an allocator needs, each touching one or two buckets and
climbing the tree once: `take` (an admission carves the front of a run), `release` (a free
merges with its neighbours), and their exact inverses `untake` and `unrelease`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

_MAX_LEAVES = 1 << 14
_BUCKET = 256  # slots per bucket when the pool is small enough (measured best: 64 and 1024 cost more)


class FreeRuns:
    def __init__(self, total_slots: int, track_sizes: bool = False) -> None:
        self.total_slots = total_slots
        self.by_start: dict[int, int] = {}  # start -> length
        self.by_end: dict[int, int] = {}  # end -> start
        leaves = 1
        while leaves < _MAX_LEAVES and leaves * _BUCKET < total_slots:
            leaves *= 2
        self._leaves = leaves
        self._width = max(1, -(-total_slots // leaves))  # slots per bucket
        self._tree = [0] * (2 * leaves)
        self._buckets: list[list[int]] = [[] for _ in range(leaves)]  # sorted run starts
        self._key = total_slots + 1
        self._sizes: list[int] | None = [] if track_sizes else None  # length*key + start
        if total_slots:
            self._insert(0, total_slots)
            self._refresh(0)

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
        by_start = self.by_start
        for start in self._buckets[i - leaves]:  # the bucket holds a fit: find the lowest
            if by_start[start] >= need:
                return start
        raise AssertionError("free-run tree out of date")  # pragma: no cover

    def next_fit(self, need: int, cursor: int) -> int | None:
        """The lowest run of at least `need` slots starting at or after `cursor`, else wrap."""
        if self._tree[1] < need:
            return None
        if cursor < self.total_slots:
            bucket = cursor // self._width
            start = self._fit_in_bucket(bucket, need, cursor)
            if start is not None:
                return start
            if bucket + 1 < self._leaves:
                start = self._leftmost_from(bucket + 1 + self._leaves, need)
                if start is not None:
                    return start
        return self.first_fit(need)

    def best_fit(self, need: int) -> int | None:
        """Start of the shortest run of at least `need` slots (ties: lowest address)."""
        sizes = self._sizes
        assert sizes is not None, "best fit needs track_sizes"
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
        assert sizes is not None, "worst fit needs track_sizes"
        return sizes[bisect_left(sizes, largest * self._key)] % self._key

    def run_at(self, slot: int) -> tuple[int, int] | None:
        """The free run (start, length) holding `slot`, or None if the slot is held.

        The run starts in the slot's bucket or, failing that, it is the last run of the
        nearest bucket to the left that has any: found by the tree, never by a scan."""
        starts = self._buckets[slot // self._width]
        i = bisect_right(starts, slot)
        if i:
            start = starts[i - 1]
        else:
            before = self._last_start_before(slot // self._width)
            if before is None:
                return None
            start = before
        length = self.by_start[start]
        return (start, length) if slot < start + length else None

    def runs(self) -> list[tuple[int, int]]:
        """Every free run as (start, length), by address."""
        return sorted(self.by_start.items())

    def clone(self) -> FreeRuns:
        """An independent copy (serving mode's history checkpoints)."""
        twin = FreeRuns.__new__(FreeRuns)
        twin.__dict__.update(self.__dict__)
        twin.by_start, twin.by_end = dict(self.by_start), dict(self.by_end)
        twin._tree = list(self._tree)
        twin._buckets = [list(b) for b in self._buckets]
        twin._sizes = None if self._sizes is None else list(self._sizes)
        return twin

    # -- updates -------------------------------------------------------------------------

    def take(self, start: int, need: int) -> None:
        """The run at `start` gives up its first `need` slots.

        The hot path of every admission, so written out in full: the rest of the run keeps
        the run's place in its bucket (no run can start between the two), and only the
        buckets that changed are refreshed."""
        by_start, width = self.by_start, self._width
        length = by_start.pop(start)
        bucket = start // width
        starts = self._buckets[bucket]
        sizes = self._sizes
        if sizes is not None:
            del sizes[bisect_left(sizes, length * self._key + start)]
        if length > need:
            rest_start, rest = start + need, length - need
            by_start[rest_start] = rest
            self.by_end[start + length] = rest_start
            rest_bucket = rest_start // width
            if rest_bucket == bucket:
                starts[starts.index(start)] = rest_start
            else:
                starts.remove(start)
                self._buckets[rest_bucket].insert(0, rest_start)  # the lowest start there
                self._raise(rest_start, rest)
            if sizes is not None:
                insort(sizes, rest * self._key + rest_start)
        else:
            del self.by_end[start + length]
            starts.remove(start)
        self._refresh(bucket)

    def untake(self, start: int, need: int) -> None:
        """Undo `take(start, need)`: the slots rejoin what is left of their run."""
        self.release(start, need)

    def release(self, start: int, length: int) -> tuple[int, int]:
        """Free [start, start+length), merging with free neighbours.

        Returns the lengths of the left and right neighbours it merged with (0 for none).
        The hot path of every free: a left neighbour keeps its place in its bucket and just
        grows; a merge only raises the maxima above the merged run's bucket."""
        by_start, by_end, width, sizes = self.by_start, self.by_end, self._width, self._sizes
        left = right = 0
        merged_start = by_end.pop(start, None)
        if merged_start is not None:  # a free run ends where this one starts: grow it
            left = by_start[merged_start]
            if sizes is not None:
                del sizes[bisect_left(sizes, left * self._key + merged_start)]
        else:
            merged_start = start
            starts = self._buckets[start // width]
            if not starts or starts[-1] < start:
                starts.append(start)
            else:
                insort(starts, start)
        end = start + length
        right = by_start.pop(end, 0)
        if right:
            del by_end[end + right]
            self._buckets[end // width].remove(end)
            if sizes is not None:
                del sizes[bisect_left(sizes, right * self._key + end)]
            if end // width != merged_start // width:
                self._refresh(end // width)  # that bucket lost a run: its maximum may fall
        merged = left + length + right
        by_start[merged_start] = merged
        by_end[merged_start + merged] = merged_start
        if sizes is not None:
            insort(sizes, merged * self._key + merged_start)
        self._raise(merged_start, merged)
        return left, right

    def unrelease(self, start: int, length: int, left: int, right: int) -> None:
        """Undo `release(start, length)`, which merged with `left` and `right` free slots."""
        merged = start - left
        self._delete(merged)
        if left:
            self._insert(merged, left)
        self._refresh(merged // self._width)
        if right:
            end = start + length
            self._insert(end, right)
            self._raise(end, right)

    # -- internals -----------------------------------------------------------------------

    def _insert(self, start: int, length: int) -> None:
        self.by_start[start] = length
        self.by_end[start + length] = start
        starts = self._buckets[start // self._width]
        if not starts or starts[-1] < start:
            starts.append(start)
        else:
            insort(starts, start)
        if self._sizes is not None:
            insort(self._sizes, length * self._key + start)

    def _delete(self, start: int) -> int:
        length = self.by_start.pop(start)
        del self.by_end[start + length]
        self._buckets[start // self._width].remove(start)
        if self._sizes is not None:
            sizes = self._sizes
            del sizes[bisect_left(sizes, length * self._key + start)]
        return length

    def _raise(self, start: int, length: int) -> None:
        """A run of `length` now starts at `start`: lift the maxima above it that it beats."""
        tree = self._tree
        i = start // self._width + self._leaves
        while i and tree[i] < length:
            tree[i] = length
            i >>= 1

    def _refresh(self, bucket: int) -> None:
        """Recompute a bucket's longest run and carry the change up the tree."""
        by_start = self.by_start
        starts = self._buckets[bucket]
        if len(starts) == 1:  # the usual case: one run per bucket
            best = by_start[starts[0]]
        else:
            best = 0
            for start in starts:
                length = by_start[start]
                if length > best:
                    best = length
        tree = self._tree
        i = bucket + self._leaves
        if tree[i] == best:
            return
        tree[i] = best
        while i > 1:
            sibling = tree[i ^ 1]
            if sibling > best:
                best = sibling
            i >>= 1
            if tree[i] == best:
                return
            tree[i] = best

    def _last_start_before(self, bucket: int) -> int | None:
        """The highest run start in the buckets left of `bucket` (a bucket holds runs
        exactly when its tree leaf is above 0)."""
        tree, leaves = self._tree, self._leaves
        i = bucket + leaves
        while i > 1:
            if i & 1 and tree[i - 1]:  # a right child whose left sibling holds runs
                i -= 1
                break
            i >>= 1
        else:
            return None
        while i < leaves:
            i = 2 * i + 1 if tree[2 * i + 1] else 2 * i
        return self._buckets[i - leaves][-1]

    def _fit_in_bucket(self, bucket: int, need: int, at_least: int) -> int | None:
        by_start = self.by_start
        for start in self._buckets[bucket]:
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
