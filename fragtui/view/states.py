"""What a slot looks like: the states a picture stores, one byte per slot."""

from __future__ import annotations

FREE, USED, RESERVED, STRANDED, UNUSABLE, INTERNAL = range(6)
BEYOND = 6  # a cell past the end of the pool
STATE_NAMES = ("free", "used", "reserved", "stranded", "unusable", "internal")
HELD = (USED, RESERVED, INTERNAL)
NOBODY = -1  # the owner of a slot nobody holds
