"""What one allocator did with one event: enough to narrate it and to undo it exactly.

Outcomes are tuples with named fields (made by `contiguous_outcome` / `paged_outcome`, one C
call each): an allocator makes one per event, so they must cost next to nothing.
"""

from __future__ import annotations

from operator import itemgetter

ADMITTED = "admitted"
REJECTED = "rejected"
FREED = "freed"
NOOP = "noop"

POOL_FULL = "pool-full"
FRAGMENTED = "fragmented"


class ContiguousOutcome(tuple):
    """`start`/`length` is the run (reservation) the request got or gave back.

    `left`/`right` are the lengths of the free neighbours a free merged with, and `cursor`
    the next-fit position before the event: what undo needs to split the run back apart.
    """

    __slots__ = ()
    kind = property(itemgetter(0))
    reason = property(itemgetter(1))
    request_id = property(itemgetter(2))
    start = property(itemgetter(3))
    length = property(itemgetter(4))
    used = property(itemgetter(5))
    left = property(itemgetter(6))
    right = property(itemgetter(7))
    cursor = property(itemgetter(8))

    def __repr__(self) -> str:
        return (
            f"ContiguousOutcome({self.kind!r}, {self.reason!r}, r{self.request_id}, "
            f"start={self.start}, length={self.length}, used={self.used})"
        )


class PagedOutcome(tuple):
    """`blocks` is the request's block table (admitted) or what it gave back (freed)."""

    __slots__ = ()
    kind = property(itemgetter(0))
    reason = property(itemgetter(1))
    request_id = property(itemgetter(2))
    blocks = property(itemgetter(3))
    used = property(itemgetter(4))

    def __repr__(self) -> str:
        return f"PagedOutcome({self.kind!r}, {self.reason!r}, r{self.request_id}, blocks={list(self.blocks)})"


_new = tuple.__new__


def contiguous_outcome(kind, reason, request_id, start=-1, length=0, used=0, left=0, right=0, cursor=0):
    return _new(ContiguousOutcome, (kind, reason, request_id, start, length, used, left, right, cursor))


def paged_outcome(kind, reason, request_id, blocks=(), used=0):
    return _new(PagedOutcome, (kind, reason, request_id, blocks, used))
