"""Rows of cells: what one row of the grid shows, and what one cell holds.

With several slots per cell, a cell shows the state most of its slots are in (ties go to the
more telling state: shared, used, reserved, internal, slack, stranded, cached, retained, free,
unusable), so
shares stay honest at any scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fragtui.view.layout import GridLayout
from fragtui.view.picture import Picture
from fragtui.view.states import (
    BEYOND,
    CACHED,
    FREE,
    HELD,
    INTERNAL,
    NOBODY,
    RESERVED,
    RETAINED,
    SHARED,
    SLACK,
    STATE_NAMES,
    STRANDED,
    UNUSABLE,
    USED,
)

_PRIORITY = (SHARED, USED, RESERVED, INTERNAL, SLACK, STRANDED, CACHED, RETAINED, FREE, UNUSABLE)
_ALIKE: dict[tuple[int, int], bytes] = {}  # (state, slots) -> that many slots in that state: a cell all alike


def cell_row(picture: Picture, layout: GridLayout, row: int) -> bytes:
    """The state of every cell in cell row `row`, BEYOND past the pool's end."""
    k, cells = layout.slots_per_cell, layout.cells_per_row
    start = row * layout.row_slots
    states = picture.states
    if k == 1:
        out = bytes(states[start:start + cells])
    else:
        out = bytes(majority(states, a, min(a + k, len(states))) for a in range(start, start + cells * k, k)
                    if a < len(states))
    return out + bytes([BEYOND]) * (cells - len(out))


def owner_row(picture: Picture, layout: GridLayout, row: int, states: bytes) -> list[int]:
    """Who holds each cell of a row: the owner of its first slot in the cell's state."""
    k = layout.slots_per_cell
    start = row * layout.row_slots
    slots = picture.states
    owners = []
    for x, state in enumerate(states):
        if state not in HELD:
            owners.append(NOBODY)
            continue
        a = start + x * k
        if k > 1:
            a = slots.find(state, a, a + k)
        owners.append(picture.owner(a))
    return owners


def majority(states: bytearray, a: int, b: int) -> int:
    """The state most of slots [a, b) are in; ties go to the more telling state."""
    first = states[a]
    alike = _ALIKE.get((first, b - a))
    if alike is None:
        alike = _ALIKE[first, b - a] = bytes([first]) * (b - a)
    if states[a:b] == alike or 2 * states.count(first, a, b) > b - a:  # all (a memcmp), or most: no tie
        return first
    chunk = states[a:b]
    counts = [chunk.count(state) for state in _PRIORITY]
    return _PRIORITY[counts.index(max(counts))]  # the first of the most: priority breaks ties


@dataclass(frozen=True)
class CellInfo:
    """What hovering a cell tells: its slots, how they are split, who holds them."""

    start: int
    end: int
    counts: dict[str, int]
    owners: tuple[int, ...]
    blocks: tuple[int, int] | None
    shared: int = 0  # the most holders any of its blocks has, where that is more than one
    duplicates: int = 0  # its blocks that hold a cached identity another block holds too
    places: tuple[str, ...] = ()  # where each owner's holding lives besides (Holding.place)

    def describe(self, request_detail: Callable[[int], str], name: Callable[[int], str] = "r{}".format) -> str:
        """`request_detail(id)` says how full a request is, e.g. "32/512"; `name(id)` what to
        call a holding (r7; r7.2 for one of its sequences)."""
        slots = f"slot {self.start}" if self.end - self.start == 1 else f"slots {self.start}–{self.end - 1}"
        split = ", ".join(f"{n} {name}" if len(self.counts) > 1 else name for name, n in self.counts.items())
        parts = [slots, split]
        if self.shared:
            parts.append(f"shared by {self.shared}")
        for i, rid in enumerate(self.owners[:3]):
            detail = request_detail(rid)
            parts.append(f"{name(rid)} {detail}" if detail else name(rid))
            if i < len(self.places) and self.places[i]:
                parts.append(self.places[i])
        if len(self.owners) > 3:
            parts.append(f"+{len(self.owners) - 3} more")
        if self.blocks is not None:
            first, last = self.blocks
            parts.append(f"block {first}" if first == last else f"blocks {first}–{last}")
        if self.duplicates:
            one = self.duplicates == 1
            parts.append(f"{self.duplicates} block{'' if one else 's'} of it hold{'s' if one else ''} what another "
                         "block holds too (a duplicate: computed again though cached; vLLM keeps both)")
        return " · ".join(parts)


def cell_info(picture: Picture, start: int, end: int) -> CellInfo:
    states = picture.states
    counts = {STATE_NAMES[s]: states.count(s, start, end) for s in _PRIORITY}
    counts = {name: n for name, n in counts.items() if n}
    owners: list[int] = []
    shared = 0
    for slot in range(start, end):
        state = states[slot]
        if state == SHARED:
            holders = picture.holders(slot)
            shared = max(shared, len(holders))
        else:
            holders = (picture.owner(slot),) if state in HELD else ()
        for rid in holders:
            if rid != NOBODY and (not owners or owners[-1] != rid) and rid not in owners:
                owners.append(rid)
    first, last = picture.block(start), picture.block(end - 1)
    blocks, duplicates = None, 0
    if first is not None and last is not None:
        blocks, duplicates = (first, last), sum(picture.copies(b) > 1 for b in range(first, last + 1))
    return CellInfo(start, end, counts, tuple(owners), blocks, shared, duplicates,
                    tuple(picture.place(rid) for rid in owners[:3]))
