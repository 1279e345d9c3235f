"""The one reference count of shared blocks: how many block tables hold each block.

Prefix caching (requests that share a cached prefix) and a request's parallel samples or beam
candidates (serving/sharing.py) share blocks the same way: a block is held while some table
holds it, and goes back to the free queue when the last lets go. Only held blocks have an
entry, so the count costs the blocks in use, not the pool.
"""

from __future__ import annotations


class RefCounts(dict[int, int]):
    """block -> how many tables hold it, for held blocks only (a dict: hot paths read it as one)."""

    def of(self, block: int) -> int:
        """How many tables hold `block` (0: it is free)."""
        return self.get(block, 0)

    def hold(self, block: int, times: int = 1) -> None:
        """`times` more tables hold `block`."""
        self[block] = self.get(block, 0) + times

    def let_go(self, block: int) -> bool:
        """One table fewer holds `block`; True when none does now and it is free."""
        count = self[block] - 1
        if count:
            self[block] = count
            return False
        del self[block]
        return True

    def copy(self) -> RefCounts:
        return RefCounts(self)
