"""What a slot looks like: the states a picture stores, one byte per slot, and their names."""

from __future__ import annotations

from typing import Iterable

FREE, USED, RESERVED, STRANDED, UNUSABLE, INTERNAL, SHARED, CACHED, SLACK, RETAINED = range(10)
# SHARED: a used slot in a block more than one holding references (paged only: a shared block
# is always full, so every slot of it holds a token). CACHED: a free slot in a block that
# still holds a cached block identity, which a later request can take back without computing.
# SLACK: held past what the request asked for, never to be used: an allocator's rounding (a
# buddy allocator's power-of-two chunks). RETAINED: a free slot in a page still mapped to a
# virtual range no request needs now (vAttention's deferred reclamation): any request can have
# it, its own slot's next request without mapping it again.
BEYOND = 10  # a cell past the end of the pool
STATE_NAMES = ("free", "used", "reserved", "stranded", "unusable", "internal", "shared", "cached", "slack", "retained")
STATE_OF = {name: state for state, name in enumerate(STATE_NAMES)}
HELD = (USED, RESERVED, INTERNAL, SLACK)  # slots one holder owns
NOBODY = -1  # the owner of a slot nobody holds
SEVERAL = -2  # the owner of a shared block: its holders are listed apart
LEGEND_ORDER = (USED, SHARED, RESERVED, INTERNAL, SLACK, FREE, STRANDED, CACHED, RETAINED, UNUSABLE)


def legend_of(names: Iterable[str], labels: dict[int, str] | None = None) -> tuple[tuple[int, str], ...]:
    """(state, label) for the states named (free always), in the legend's order; `labels`
    renames some (serving mode speaks of token states and future tokens)."""
    drawn = {STATE_OF[name] for name in names} | {FREE}
    return tuple((state, (labels or {}).get(state, STATE_NAMES[state])) for state in LEGEND_ORDER if state in drawn)
