"""Where each slot goes on screen: cells per row, slots per cell, rows, and how big a cell is.

A row always holds a whole number of blocks, so blocks line up in columns, and a cell never
straddles a block boundary: a cell is a divisor of block_size slots, or a whole number of
blocks. When the pool does not fit the pane, cells grow (`1 cell = k slots`); zoomed, a cell
is one slot (or the smallest cell a row allows) and the grid scrolls.

Among the layouts that fit, rows that line up with max_len are preferred (every request's run
then starts in the same column, so runs read as stripes), and a small pool on a large pane is
drawn with bigger cells (up to 4 characters wide) rather than in a corner of it.
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
    cell_width: int = 1  # characters across one cell

    @property
    def row_slots(self) -> int:
        return self.cells_per_row * self.slots_per_cell

    @property
    def width(self) -> int:
        """Characters across a row."""
        return self.cells_per_row * self.cell_width

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


# (characters across a cell, cells per character row): a character is about twice as tall as
# it is wide, so these keep a cell between 2:1 and 1:2, most square-like first.
SHAPES = ((1, 2), (2, 1), (2, 2), (1, 1), (3, 1), (4, 1))
MISALIGNED = 0.4  # rows that line up are worth a layout this much smaller


def fit_layout(
    total_slots: int,
    block_size: int,
    width: int,
    height: int,
    cells_per_char_row: int = 2,
    zoom: bool = False,
    max_len: int = 0,
    misaligned: float = MISALIGNED,
) -> GridLayout:
    """The layout that fits width × height characters, rows holding whole blocks, that shows
    the pool best: rows that line up with max_len where that costs less than `misaligned` of
    the picture (at the finest cells that fit, or at cells up to twice as coarse), and then the
    most of the pane used, with cells up to four characters wide. (`misaligned` 0: rows line
    up wherever they can.)

    `cells_per_char_row` 1 draws one cell per character row (monochrome glyphs). With `zoom`,
    the finest layout whose rows fit the width, however many rows it takes."""
    width, height = max(1, width), max(1, height)
    if zoom:
        return _finest(total_slots, block_size, width, height, cells_per_char_row, zoom=True)
    finest = _finest(total_slots, block_size, width, height, cells_per_char_row).slots_per_cell
    shapes = [(w, c) for w, c in SHAPES if c <= cells_per_char_row]

    def largest(k: int, aligned: bool) -> GridLayout | None:
        """The layout with k slots a cell that uses the most of the pane, rows lined up or not."""
        step = block_size // k if k < block_size else 1  # cells per block
        most = ceil(total_slots / k / step) * step  # past this a row is longer than the pool
        best, best_area = None, 0
        for cell_width, per_char in shapes:
            for cells in range(min(width // cell_width // step * step, most), 0, -step):
                layout = GridLayout(total_slots, cells, k, per_char, cell_width)
                if layout.text_rows > height:
                    break  # fewer cells a row only makes more rows
                row = layout.row_slots
                if (bool(max_len) and (row % max_len == 0 or max_len % row == 0)) == aligned:
                    area = layout.width * layout.text_rows
                    if area > best_area:
                        best, best_area = layout, area
        return best

    plain = largest(finest, aligned=False)
    coarser = [k for k in _round_sizes(block_size) if finest < k <= 2 * finest]
    for k in [finest] + coarser:
        lined_up = largest(k, aligned=True)
        if lined_up is not None and (plain is None or _area(lined_up) >= misaligned * _area(plain)):
            return lined_up
    assert plain is not None, "the finest layout fits by construction"
    return plain


def _round_sizes(block_size: int) -> Iterator[int]:
    """Cell sizes that can line rows up with a power-of-two max_len: divisors of block_size,
    then block_size times powers of two (up to the largest pool)."""
    yield from (k for k in range(1, block_size + 1) if block_size % k == 0)
    size = 2 * block_size
    while size <= 1 << 25:
        yield size
        size *= 2


def _area(layout: GridLayout) -> int:
    return layout.width * layout.text_rows


def _finest(total_slots: int, block_size: int, width: int, height: int, cells_per_char_row: int,
            zoom: bool = False) -> GridLayout:
    """The finest layout with one-character cells whose rows fit the width (and, unless
    zoomed, whose rows fit the height)."""
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


MIN_PANE_WIDTH = 20  # characters: a pane narrower than this cannot say which side it is


def pane_grid(panes: int, width: int, height: int) -> tuple[int, int]:
    """(columns, rows) to lay `panes` pools out in `width` × `height` characters: the
    arrangement that gives each pane the most cells inside its border (half blocks: a
    character is two cells), among those whose panes are at least MIN_PANE_WIDTH wide where
    any are; fewer rows on a tie. Side by side where there is room, a grid where not."""
    options = []
    for columns in range(1, panes + 1):
        rows = -(-panes // columns)
        if (columns - 1) * rows >= panes:
            continue  # a column would be empty
        pane_width, pane_height = width // columns, height // rows
        cells = max(0, pane_width - 2) * 2 * max(0, pane_height - 2)
        options.append((pane_width >= MIN_PANE_WIDTH, cells, -rows, (columns, rows)))
    return max(options)[3]
