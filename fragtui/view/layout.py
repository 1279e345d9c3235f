"""Where each slot goes on screen: cells per row, slots per cell, rows.

A row always holds a whole number of blocks, so blocks line up in columns, and a cell never
straddles a block boundary: a cell is a divisor of block_size slots, or a whole number of
blocks. When the pool does not fit the pane, cells grow (`1 cell = k slots`); zoomed, a cell
is one slot (or the smallest cell a row allows) and the grid scrolls.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Iterator


@dataclass(frozen=True)
class GridLayout:
    total_slots: int
    cells_per_row: int
    slots_per_cell: int
    cells_per_char_row: int = 2  # half-blocks: two cell rows per character row

    @property
    def row_slots(self) -> int:
        return self.cells_per_row * self.slots_per_cell

    @property
    def cell_rows(self) -> int:
        return ceil(self.total_slots / self.row_slots)

    @property
    def text_rows(self) -> int:
        return ceil(self.cell_rows / self.cells_per_char_row)

    def text_rows_for(self, start: int, end: int) -> range:
        """The character rows showing slots [start, end)."""
        per_text_row = self.row_slots * self.cells_per_char_row
        return range(start // per_text_row, (max(start, end - 1)) // per_text_row + 1)

    def cell_at(self, x: int, cell_row: int) -> tuple[int, int] | None:
        """Slots [start, end) under cell (x, cell_row), or None off the pool."""
        if not 0 <= x < self.cells_per_row or cell_row < 0:
            return None
        start = cell_row * self.row_slots + x * self.slots_per_cell
        if start >= self.total_slots:
            return None
        return start, min(start + self.slots_per_cell, self.total_slots)


def _cell_sizes(block_size: int, at_least: int) -> Iterator[int]:
    """Allowed slots-per-cell, ascending, from `at_least`: divisors of block_size, then multiples."""
    for k in range(1, block_size + 1):
        if block_size % k == 0 and k >= at_least:
            yield k
    multiple = max(2, ceil(at_least / block_size))
    while True:
        yield multiple * block_size
        multiple += 1


def fit_layout(
    total_slots: int,
    block_size: int,
    width: int,
    height: int,
    cells_per_char_row: int = 2,
    zoom: bool = False,
) -> GridLayout:
    """The finest layout whose rows hold whole blocks and that fits width × height characters.

    With `zoom`, the finest layout whose rows fit the width, however many rows it takes."""
    width, height = max(1, width), max(1, height)
    at_least = 1 if zoom else max(1, ceil(total_slots / (width * height * cells_per_char_row)))
    for k in _cell_sizes(block_size, at_least):
        step = block_size // k if k < block_size else 1  # cells per block
        cells = min(width // step * step, ceil(total_slots / k / step) * step)
        if cells == 0:
            continue
        layout = GridLayout(total_slots, cells, k, cells_per_char_row)
        if zoom or layout.text_rows <= height:
            return layout
    raise AssertionError("unreachable: cell sizes grow without bound")
