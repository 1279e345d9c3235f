"""Contiguous placement by a binary buddy allocator, as the PagedAttention paper assumes Orca
uses (§6.1).

A request's *chunk* is the smallest power of two ≥ its reservation (the reservation comes from
the policy exactly as `contiguous.reservation_for` computes it: `max`, `pow2`, `oracle`). Its
tokens fill the chunk from the start; the rest of the chunk is reserved, and the part of that
beyond the reservation, `chunk − reservation`, is the rounding *slack*: internal fragmentation
that is held and never used.

The pool. A pool that is not a power of two is covered by its binary decomposition, largest
block first, at the lowest addresses: 15,728 = 8,192 + 4,096 + 2,048 + 1,024 + 256 + 64 + 32
+ 16, top-level blocks at 0, 8,192, 12,288, 14,336, 15,360, 15,616, 15,680, 15,712. Each
top-level block splits down by halves. Because every larger block comes first, a top-level
block of 2^k slots starts at a multiple of 2^k, so every chunk of 2^j slots starts at a
multiple of 2^j and its buddy is `start ^ 2^j`, for the whole pool at once. Buddies merge only
within their top-level block, and that needs no test: the buddy address of a top-level block of
2^k slots lies past it, where all the smaller blocks together hold fewer than 2^k slots, so no
free chunk of that size can ever be found there.

Admission. The smallest free chunk that holds the request's chunk is taken, the lowest-
addressed among chunks of that size; it is halved repeatedly, keeping the lower half, each
upper half becoming a free chunk, until it is the request's size.

Rejection reasons, decided on the chunk size (not the reservation), since that is what must fit:
- `pool-full` when fewer free slots than the chunk remain (`free < chunk`);
- `fragmented` when enough slots are free (`free ≥ chunk`) but no free chunk is that large:
  external fragmentation, the buddy system's kind (free slots split across chunks that are not
  buddies, or whose buddies are held).
A chunk larger than every top-level block can never be placed. No extra rule is needed for it:
such a chunk is at least twice the largest top-level block, so larger than the whole pool, and
`free < chunk` always holds; it is counted `pool-full`, like the contiguous allocator's
`max_len > total_slots`.

Free. The chunk returns and merges with its buddy while the buddy is wholly free, repeatedly.

Free space is read in chunks, not runs: two adjacent free chunks that are not buddies stay two
chunks (two "holes", `len`), `largest` is the largest chunk, and `stranded(t)` counts the free
slots in chunks smaller than the chunk a reservation of `t` needs. A reservation of 0 or less
(never made by the policies for a request of at least one token) gets a chunk of one slot.
`runs` shows the free chunks through `FreeRuns`' read side for code written against contiguous.

Outcomes are `ContiguousOutcome`s, whose `reservation` (the slots asked for, below the chunk)
is what undoing a free needs to restore:
- admitted: `start`/`length` = the chunk; `left` = 0; `right` = the free slots the split left
  right after the chunk (the upper halves, `source − chunk` for a source chunk of `source`
  slots; 0 when a chunk of the exact size was free);
- rejected: `start` = -1, `length` = the chunk size that was needed;
- freed: `start`/`length` = the chunk; `left`/`right` = the slots of the buddies it merged
  with on each side, so the merged free chunk is `[start − left, start + length + right)`,
  exactly as a contiguous free reports its neighbours;
- `cursor` is always 0 (a buddy allocator has no next-fit position to put back).
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush

from fragtui.sim.allocators.adapters import RunPool
from fragtui.sim.allocators.contiguous import RESERVATIONS, reservation_for, run_metrics
from fragtui.sim.allocators.snapshot import RunSnapshot
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.pool import Pool
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, POOL_FULL, REJECTED, ContiguousOutcome
from fragtui.sim.workload.requests import Request

_new = tuple.__new__  # outcomes are tuples: one C call each


def chunk_order(reservation: int) -> int:
    """log2 of the smallest power of two ≥ `reservation` (a chunk of one slot for 0 or less)."""
    return (reservation - 1).bit_length() if reservation > 0 else 0


def top_level_blocks(total_slots: int) -> tuple[tuple[int, int], ...]:
    """The pool's binary decomposition as (start, size), largest block first, from slot 0."""
    blocks = []
    start = 0
    for order in range(total_slots.bit_length() - 1, -1, -1):
        if total_slots >> order & 1:
            blocks.append((start, 1 << order))
            start += 1 << order
    return tuple(blocks)


class BuddyRuns:
    """The free chunks seen through `FreeRuns`' read side (`by_start`, `largest`, `runs()`,
    `len`), so code that reads a contiguous pool's free runs can read a buddy pool's chunks."""

    __slots__ = ("_pool", "by_start")

    def __init__(self, pool: BuddyAllocator) -> None:
        self._pool = pool
        self.by_start = pool.by_start

    def __len__(self) -> int:
        return len(self.by_start)

    @property
    def largest(self) -> int:
        return self._pool.largest

    def runs(self) -> list[tuple[int, int]]:
        return sorted(self.by_start.items())


class BuddyAllocator:
    """A binary buddy allocator with the `ContiguousAllocator` interface.

    `by_start` maps every free chunk's start to its size: it is the truth, and the buddy test is
    one lookup. Per order (size 2^order), `_counts[order]` counts the free chunks and
    `_heaps[order]` is a min-heap of their starts, so the lowest address is a `heappop`; bit
    `order` of `_mask` is set while that order has a free chunk, so the smallest fitting order
    is a few integer operations. Taking out a chunk that is not the lowest of its order (a
    merge, an undo) only drops it from `by_start` and its count: its heap entry goes stale, is
    skipped when it reaches the top, and a heap with more than `_SPARE` stale entries beyond its
    live ones is rebuilt. Every event is so O(orders + log chunks) however many chunks there
    are (sorted lists would memmove on every insertion: a 16M-slot pool can hold 500k holes).

    Heaps that differ only in stale entries hold the same pool: `state()` is the canonical
    value (allocations, reservations, free chunks, counts, mask, tallies) and compares equal
    exactly when two pools are the same.
    """

    placement = "buddy"
    _SPARE = 64

    def __init__(self, total_slots: int, reservation: str = "max") -> None:
        if reservation not in RESERVATIONS:
            raise ValueError(f"reservation {reservation!r}: expected one of {', '.join(RESERVATIONS)}")
        if total_slots < 0:
            raise ValueError(f"total_slots {total_slots}: expected 0 or more")
        self.total_slots = total_slots
        self.reservation = reservation
        self.blocks = top_level_blocks(total_slots)  # (start, size), the top-level blocks
        self.allocations: dict[int, tuple[int, int, int]] = {}  # id -> (start, chunk, used)
        self.reservations: dict[int, int] = {}  # id -> reservation (≤ chunk)
        self.admitted = 0
        self.rejected_pool_full = 0
        self.rejected_fragmented = 0
        self.used = 0
        self.reserved = 0  # Σ (chunk − used) of live requests: internal fragmentation, slack included
        self.slack = 0  # Σ (chunk − reservation): the rounding part of `reserved`
        self.by_start: dict[int, int] = {}  # free chunk start -> size
        orders = max(1, total_slots.bit_length())
        self._heaps: list[list[int]] = [[] for _ in range(orders)]
        self._counts = [0] * orders
        self._mask = 0
        for start, size in self.blocks:
            order = size.bit_length() - 1
            self._heaps[order].append(start)  # one top-level block per order
            self._counts[order] = 1
            self._mask |= size
            self.by_start[start] = size
        self.runs = BuddyRuns(self)

    # -- queries -------------------------------------------------------------------------

    @property
    def free(self) -> int:
        return self.total_slots - self.used - self.reserved

    @property
    def live(self) -> int:
        return len(self.allocations)

    @property
    def largest(self) -> int:
        """The largest free chunk's size (0 if none)."""
        mask = self._mask
        return 1 << (mask.bit_length() - 1) if mask else 0

    def __len__(self) -> int:
        """The number of free chunks ("holes")."""
        return len(self.by_start)

    def free_chunks(self) -> list[tuple[int, int]]:
        """Every free chunk as (start, size), by address."""
        return sorted(self.by_start.items())

    def chunk_at(self, slot: int) -> tuple[int, int] | None:
        """The free chunk (start, size) that contains `slot`, or None if the slot is held."""
        if not 0 <= slot < self.total_slots:
            return None
        by_start = self.by_start
        for order in range(len(self._counts)):
            start = slot >> order << order  # the only place a chunk of this size can start
            if by_start.get(start) == 1 << order:
                return start, 1 << order
        return None

    @property
    def holes(self) -> int:
        return len(self.by_start)

    def requested(self, request_id: int) -> int:
        """The slots live request `request_id` reserved; its chunk rounds that up."""
        return self.reservations[request_id]

    def free_runs_around(self, start: int, end: int) -> list[tuple[int, int]]:
        """The free chunks a change to the chunk [start, end) may have reshaped: the chunk
        holding it now (a merge), and the free buddies at every level above it (what a split
        left, even where a later admission in the same move took some of the chain)."""
        found = []
        merged = self.chunk_at(start)
        if merged is not None:
            found.append(merged)
        size, by_start, total = end - start, self.by_start, self.total_slots
        while size <= total:  # O(log pool) lookups; a chunk found across a top-level edge is harmless
            buddy = start ^ size
            if by_start.get(buddy) == size:
                found.append((buddy, size))
            start, size = start & ~size, size * 2
        return found

    def free_runs(self) -> list[tuple[int, int]]:
        return self.free_chunks()

    def run_needed(self, reservation: int) -> int:
        """The free chunk a reservation needs: smaller chunks strand."""
        return 1 << chunk_order(reservation)

    def can_ever_fit(self, reservation: int) -> bool:
        """Whether the chunk fits the largest top-level block (in an empty pool)."""
        return bool(self.blocks) and self.run_needed(reservation) <= self.blocks[0][1]

    def stranded(self, threshold: int) -> int:
        """Free slots in chunks smaller than the chunk a reservation of `threshold` needs."""
        counts = self._counts
        return sum(counts[order] << order for order in range(min(chunk_order(threshold), len(counts))))

    def state(self) -> tuple[object, ...]:
        """Everything the allocator holds, as a comparable value: equal iff the pools are equal."""
        return (
            self.total_slots,
            self.reservation,
            tuple(sorted(self.allocations.items())),
            tuple(sorted(self.reservations.items())),
            tuple(sorted(self.by_start.items())),
            tuple(self._counts),
            self._mask,
            self.admitted,
            self.rejected_pool_full,
            self.rejected_fragmented,
            self.used,
            self.reserved,
            self.slack,
        )

    # -- read (allocator.py) ---------------------------------------------------------------

    def tallies(self) -> tuple[int, ...]:
        live = len(self.allocations)
        mask = self._mask
        return (self.admitted, self.rejected_pool_full + self.rejected_fragmented, self.rejected_fragmented, live,
                self.used, self.reserved, self.total_slots - self.used - self.reserved,
                1 << (mask.bit_length() - 1) if mask else 0, live)

    def metrics(self, max_len: int, holes: bool = True) -> Metrics:
        return run_metrics(self, self.run_needed(max_len), self.slack)

    def snapshot(self) -> RunSnapshot:
        """Allocations and free chunks, and the chunk counts and reservations behind them
        (heaps that differ only in stale entries hold the same pool: `state` compares)."""
        allocations = sorted((s, n, rid, u) for rid, (s, n, u) in self.allocations.items())
        return RunSnapshot(self.total_slots, tuple(allocations), tuple(self.free_chunks()), self.state())

    def pool(self, max_len: int) -> Pool:
        return RunPool(self, self.run_needed(max_len))

    # -- events --------------------------------------------------------------------------

    def admit(self, request: Request) -> ContiguousOutcome:
        used = request.used
        policy = self.reservation
        if policy == "max":
            need = request.max_len
        elif policy == "oracle":
            need = used
        else:
            need = reservation_for(policy, used, request.max_len)
        order = (need - 1).bit_length() if need > 0 else 0
        chunk = 1 << order
        fits = self._mask >> order
        if not fits:
            if self.total_slots - self.used - self.reserved < chunk:
                self.rejected_pool_full += 1
                reason = POOL_FULL
            else:
                self.rejected_fragmented += 1
                reason = FRAGMENTED
            return _new(ContiguousOutcome, (REJECTED, reason, request.id, -1, chunk, used, 0, 0, 0, need))
        source = order + (fits & -fits).bit_length() - 1  # the smallest order with a free chunk
        size = 1 << source
        heaps, counts, by_start = self._heaps, self._counts, self.by_start
        heap = heaps[source]
        start = heappop(heap)
        while by_start.get(start) != size:  # a stale entry: that chunk merged or was undone
            start = heappop(heap)
        del by_start[start]
        mask = self._mask
        counts[source] -= 1
        if not counts[source]:
            mask ^= size
        split = source
        while split > order:  # halve, keeping the lower half; the upper half is free
            split -= 1
            half = 1 << split
            upper = start + half
            by_start[upper] = half
            heappush(heaps[split], upper)
            counts[split] += 1
            mask |= half
        self._mask = mask
        rid = request.id
        self.allocations[rid] = (start, chunk, used)
        self.reservations[rid] = need
        self.admitted += 1
        self.used += used
        self.reserved += chunk - used
        self.slack += chunk - need
        return _new(ContiguousOutcome, (ADMITTED, None, rid, start, chunk, used, 0, size - chunk, 0, need))

    def free_request(self, request_id: int) -> ContiguousOutcome:
        allocation = self.allocations.pop(request_id, None)
        if allocation is None:
            return _new(ContiguousOutcome, (NOOP, None, request_id, -1, 0, 0, 0, 0, 0, 0))
        start, chunk, used = allocation
        need = self.reservations.pop(request_id)
        self.used -= used
        self.reserved -= chunk - used
        self.slack -= chunk - need
        by_start = self.by_start
        merged, size = start, chunk
        left = right = 0
        while True:  # merge while the buddy is wholly free (never past a top-level block)
            buddy = merged ^ size
            if by_start.get(buddy) != size:
                break
            self._drop(buddy, size)
            if buddy < merged:
                left += size
                merged = buddy
            else:
                right += size
            size <<= 1
        order = size.bit_length() - 1
        by_start[merged] = size
        heappush(self._heaps[order], merged)
        self._counts[order] += 1
        self._mask |= size
        return _new(ContiguousOutcome, (FREED, None, request_id, start, chunk, used, left, right, 0, need))

    def undo(self, outcome: ContiguousOutcome) -> None:
        """Exactly reverse `outcome`, which must be the last thing this allocator did."""
        kind = outcome.kind
        if kind == ADMITTED:
            start, chunk, used = outcome.start, outcome.length, outcome.used
            rid = outcome.request_id
            del self.allocations[rid]
            need = self.reservations.pop(rid)
            self.admitted -= 1
            self.used -= used
            self.reserved -= chunk - used
            self.slack -= chunk - need
            source = chunk + outcome.right
            size = chunk
            while size < source:  # take the upper halves back
                self._drop(start + size, size)
                size <<= 1
            self._add(start, source)
        elif kind == REJECTED:
            if outcome.reason == POOL_FULL:
                self.rejected_pool_full -= 1
            else:
                self.rejected_fragmented -= 1
        elif kind == FREED:
            start, chunk, used = outcome.start, outcome.length, outcome.used
            merged = outcome.left + chunk + outcome.right
            self._drop(start - outcome.left, merged)
            size = chunk
            while size < merged:  # split the merged chunk back into the buddies it swallowed
                self._add((start & -size) ^ size, size)
                size <<= 1
            rid = outcome.request_id
            need = outcome.reservation
            self.allocations[rid] = (start, chunk, used)
            self.reservations[rid] = need
            self.used += used
            self.reserved += chunk - used
            self.slack += chunk - need

    def clone(self) -> BuddyAllocator:
        """An independent copy (serving mode's history checkpoints)."""
        twin = BuddyAllocator.__new__(BuddyAllocator)
        twin.__dict__.update(self.__dict__)
        twin.allocations = dict(self.allocations)
        twin.reservations = dict(self.reservations)
        twin.by_start = dict(self.by_start)
        twin._heaps = [list(heap) for heap in self._heaps]
        twin._counts = list(self._counts)
        twin.runs = BuddyRuns(twin)
        return twin

    # -- internals -----------------------------------------------------------------------

    def _add(self, start: int, size: int) -> None:
        order = size.bit_length() - 1
        self.by_start[start] = size
        heappush(self._heaps[order], start)
        self._counts[order] += 1
        self._mask |= size

    def _drop(self, start: int, size: int) -> None:
        """Take the free chunk at `start` out, leaving its heap entry stale."""
        order = size.bit_length() - 1
        del self.by_start[start]
        count = self._counts[order] = self._counts[order] - 1
        if not count:
            self._mask ^= size
        heap = self._heaps[order]
        if len(heap) > 2 * count + self._SPARE:  # mostly stale: keep the live entries, once each
            by_start = self.by_start
            heap[:] = {s for s in heap if by_start.get(s) == size}
            heapify(heap)
