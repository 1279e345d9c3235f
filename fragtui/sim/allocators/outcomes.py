"""What one allocator did with one event: enough to narrate it and to undo it exactly.

Outcomes are named tuples, made in the hot paths with `tuple.__new__(Outcome, (...))`, one C
call each: an allocator makes one per event, so they must cost next to nothing.
"""

from __future__ import annotations

from typing import NamedTuple, cast

from fragtui.sim.allocators.block_runs import Table

ADMITTED = "admitted"
REJECTED = "rejected"
FREED = "freed"
NOOP = "noop"

POOL_FULL = "pool-full"
FRAGMENTED = "fragmented"

Identity = object  # a cached block's identity, hashable: prefix_cache.block_identities


class ContiguousOutcome(NamedTuple):
    """`start`/`length` is the run the request got or gave back (on a rejection, start is -1
    and length the run it needed); `reservation` the slots it asked for, which a buddy
    allocator rounds up to its run. `left`/`right` are the lengths of the free neighbours a
    free merged with (a buddy admission: the free halves its split left after the run), and
    `cursor` the next-fit position before the event: what undo needs to put things back."""

    kind: str
    reason: str | None
    request_id: int
    start: int
    length: int
    used: int
    left: int
    right: int
    cursor: int
    reservation: int

    def __repr__(self) -> str:
        return (
            f"ContiguousOutcome({self.kind!r}, {self.reason!r}, r{self.request_id}, "
            f"start={self.start}, length={self.length}, used={self.used})"
        )


class PagedOutcome(NamedTuple):
    """`blocks` is the request's block table (admitted) or what it gave back (freed).

    With prefix caching, an admission's first `reused` blocks came from the cache (the rest
    are new); `evicted` are the (block, identity, its place among the identity's copies) its
    new blocks dropped from the cache, `revived` the (block, node before it in the free queue)
    of cached free blocks it took out of the queue, and `low` where the never-used blocks began
    before it: what undo needs to put the cache and the queue back. `duplicates` counts new
    blocks cached under an identity another block already held. A `PrefixOutcome` carries them;
    any other admission reused nothing, so they are 0, (), () and 0 here, and the allocator's
    hot path makes five-item tuples (more items cost it 3%)."""

    kind: str
    reason: str | None
    request_id: int
    blocks: Table
    used: int

    @property
    def reused(self) -> int:
        return 0

    @property
    def evicted(self) -> tuple[tuple[int, Identity, int], ...]:
        return ()

    @property
    def revived(self) -> tuple[tuple[int, int], ...]:
        return ()

    @property
    def low(self) -> int:
        return 0

    @property
    def duplicates(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"PagedOutcome({self.kind!r}, {self.reason!r}, r{self.request_id}, blocks={list(self.blocks)})"


class PrefixOutcome(PagedOutcome):
    """A prefix-caching admission: a PagedOutcome with five more items, (reused, evicted,
    revived, low, duplicates), made with `tuple.__new__` like the rest."""

    __slots__ = ()

    @property
    def reused(self) -> int:
        return cast(int, tuple.__getitem__(self, 5))

    @property
    def evicted(self) -> tuple[tuple[int, Identity, int], ...]:
        return cast(tuple[tuple[int, Identity, int], ...], tuple.__getitem__(self, 6))

    @property
    def revived(self) -> tuple[tuple[int, int], ...]:
        return cast(tuple[tuple[int, int], ...], tuple.__getitem__(self, 7))

    @property
    def low(self) -> int:
        return cast(int, tuple.__getitem__(self, 8))

    @property
    def duplicates(self) -> int:
        return cast(int, tuple.__getitem__(self, 9))
