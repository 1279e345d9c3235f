"""What a slot looks like: the states a picture stores, one byte per slot."""

from __future__ import annotations

FREE, USED, RESERVED, STRANDED, UNUSABLE, INTERNAL, SHARED, CACHED = range(8)
# SHARED: a used slot in a block more than one holding references (paged only: a shared block
# is always full, so every slot of it holds a token). CACHED: a free slot in a block that
# still holds a cached block identity, which a later request can take back without computing.
BEYOND = 8  # a cell past the end of the pool
STATE_NAMES = ("free", "used", "reserved", "stranded", "unusable", "internal", "shared", "cached")
HELD = (USED, RESERVED, INTERNAL)  # slots one holder owns
NOBODY = -1  # the owner of a slot nobody holds
SEVERAL = -2  # the owner of a shared block: its holders are listed apart
