"""The pool in the PagedAttention paper's memory categories (§3, Fig. 2): one vocabulary for
every side in both modes, counted the same in the pane, the sidebar and every report."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = ("token_states", "reserved", "internal", "slack", "stranded", "free", "unusable")

def kv_usage(free: float, usable: float) -> float:
    """vLLM's KV-cache usage gauge, `1 − free blocks / blocks`, in slots: a cached block nobody
    holds counts as free, and a block holding one token counts as used whole. (vLLM divides by
    num_gpu_blocks − 1: its block 0 is a null block it never hands out; every block here is
    usable.) The truth beside it is token occupancy, the share of slots that hold a token."""
    return 1 - free / usable if usable else 0.0


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The pool in the paper's categories (PagedAttention §3, Fig. 2), in slots.

    Per tick the values are whole numbers; averaged over ticks they are floats."""

    token_states: float = 0  # tokens held
    reserved: float = 0  # held for tokens still to come that will come
    internal: float = 0  # held, never to be used, within what was reserved
    slack: float = 0  # held past the reservation, never used: a buddy allocator's rounding
    stranded: float = 0  # free, in runs too short for the head of the queue (contiguous)
    free: float = 0  # other free slots
    unusable: float = 0  # past the last whole block (paged)

    @property
    def total(self) -> float:
        return (self.token_states + self.reserved + self.internal + self.slack + self.stranded + self.free
                + self.unusable)

    def share(self, category: str) -> float:
        """`category` as a fraction of the pool."""
        total = self.total
        return getattr(self, category) / total if total else 0.0

    def as_dict(self) -> dict[str, float]:
        return {category: getattr(self, category) for category in CATEGORIES}
