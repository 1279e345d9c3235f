"""What one allocator did with one event: enough to narrate it and to undo it exactly.

Outcomes are named tuples, made in the hot paths with `tuple.__new__(Outcome, (...))`, one C
call each: an allocator makes one per event, so they must cost next to nothing.
"""

from __future__ import annotations

from typing import Any, Collection, NamedTuple, cast

from fragtui.sim.allocators.block_runs import Table

ADMITTED = "admitted"
REJECTED = "rejected"
FREED = "freed"
NOOP = "noop"

POOL_FULL = "pool-full"
FRAGMENTED = "fragmented"

Identity = object  # a cached block's identity, hashable: block_names.block_identities


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
    are new); `evicted` are the (block, identity) its new blocks dropped from the cache,
    `revived` the (block, identity) of cached free blocks it took out of the queue, and
    `duplicates` counts new blocks cached under an identity another block already held. A
    `PrefixOutcome` carries them, and what undo needs; any other admission reused nothing, so
    they are 0, (), () and 0 here, and the allocator's hot path makes five-item tuples (more
    items cost it 3%)."""

    kind: str
    reason: str | None
    request_id: int
    blocks: Table
    used: int

    @property
    def reused(self) -> int:
        return 0

    @property
    def evicted(self) -> Collection[tuple[int, Identity]]:
        return ()

    @property
    def revived(self) -> Collection[tuple[int, Identity]]:
        return ()

    @property
    def duplicates(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"PagedOutcome({self.kind!r}, {self.reason!r}, r{self.request_id}, blocks={list(self.blocks)})"


class PrefixOutcome(PagedOutcome):
    """A prefix-caching admission or release: a PagedOutcome with six more items, (reused,
    evicted, revived, duplicates, names, undo), made with `tuple.__new__` like the rest.
    `names` are the identities of the table's cached blocks, in runs, and `undo` what else an
    admission's undo needs (prefix_cache.py)."""

    __slots__ = ()

    @property
    def reused(self) -> int:
        return cast(int, tuple.__getitem__(self, 5))

    @property
    def evicted(self) -> Collection[tuple[int, Identity]]:
        return cast(Collection[tuple[int, Identity]], tuple.__getitem__(self, 6))

    @property
    def revived(self) -> Collection[tuple[int, Identity]]:
        return cast(Collection[tuple[int, Identity]], tuple.__getitem__(self, 7))

    @property
    def duplicates(self) -> int:
        return cast(int, tuple.__getitem__(self, 8))

    @property
    def names(self) -> Any:
        return tuple.__getitem__(self, 9)

    @property
    def undo(self) -> Any:
        return tuple.__getitem__(self, 10)

    def __eq__(self, other: object) -> bool:
        """What it did, not how undo is kept (which depends on how the queue is cut in pieces)."""
        if not isinstance(other, PrefixOutcome):
            return NotImplemented
        return tuple.__getitem__(self, slice(10)) == tuple.__getitem__(other, slice(10))

    __hash__ = None  # type: ignore[assignment]  # (its block table is a list)
