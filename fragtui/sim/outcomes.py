"""What one allocator did with one event: enough to narrate it and to undo it exactly."""

from __future__ import annotations

ADMITTED = "admitted"
REJECTED = "rejected"
FREED = "freed"
NOOP = "noop"

POOL_FULL = "pool-full"
FRAGMENTED = "fragmented"


class ContiguousOutcome:
    """`start`/`length` is the run (reservation) the request got or gave back.

    `left`/`right` are the lengths of the free neighbours a free merged with, and `cursor`
    the next-fit position before the event: what undo needs to split the run back apart.
    """

    __slots__ = ("kind", "reason", "request_id", "start", "length", "used", "left", "right", "cursor")

    def __init__(self, kind, reason, request_id, start=-1, length=0, used=0, left=0, right=0, cursor=0):
        self.kind = kind
        self.reason = reason
        self.request_id = request_id
        self.start = start
        self.length = length
        self.used = used
        self.left = left
        self.right = right
        self.cursor = cursor

    def __repr__(self) -> str:
        return (
            f"ContiguousOutcome({self.kind!r}, {self.reason!r}, r{self.request_id}, "
            f"start={self.start}, length={self.length}, used={self.used})"
        )


class PagedOutcome:
    """`blocks` is the request's block table (admitted) or what it gave back (freed)."""

    __slots__ = ("kind", "reason", "request_id", "blocks", "used")

    def __init__(self, kind, reason, request_id, blocks=(), used=0):
        self.kind = kind
        self.reason = reason
        self.request_id = request_id
        self.blocks = blocks
        self.used = used

    def __repr__(self) -> str:
        return f"PagedOutcome({self.kind!r}, {self.reason!r}, r{self.request_id}, blocks={list(self.blocks)})"
