"""The block-size trade-off: the same stream through paged allocators of each block size."""

from __future__ import annotations

from dataclasses import dataclass

from fragtui.sim.errors import ParamError
from fragtui.sim.numbers import NumberError, ascii_note, whole
from fragtui.sim.prefix_cache import paged_allocator
from fragtui.sim.params import Params
from fragtui.sim.requests import Arrive, Event

DEFAULT_BLOCK_SIZES = (1, 4, 16, 64, 256)
MAX_BLOCK_SIZES = 32  # each one replays the whole stream: keep the sweep's work bounded


@dataclass(frozen=True)
class SweepRow:
    block_size: int
    admitted: int
    rejected: int
    tail_waste: int  # reserved slots in last blocks, at the end of the stream
    held: int  # used + tail waste
    block_table_entries: int

    @property
    def tail_waste_pct(self) -> float:
        return 100 * self.tail_waste / self.held if self.held else 0.0


def parse_block_sizes(text: str, total_slots: int) -> tuple[int, ...]:
    items = text.split(",")
    if len(items) > MAX_BLOCK_SIZES:
        raise ParamError("block_sizes", text, f"takes at most {MAX_BLOCK_SIZES} block sizes, found {len(items):,}")
    sizes = []
    for item in items:
        try:
            sizes.append(whole(item, 1, total_slots))
        except NumberError:
            raise ParamError("block_sizes", text, f"must be whole numbers from 1 to total_slots ({total_slots}), "
                                                  f"comma-separated{ascii_note(item)}") from None
    return tuple(sizes)


def sweep(params: Params, events: list[Event], block_sizes: tuple[int, ...] = DEFAULT_BLOCK_SIZES) -> list[SweepRow]:
    rows = []
    for bs in block_sizes:
        pool = paged_allocator(params.total_slots, bs, params.order, params.prefix_caching)
        for event in events:
            if isinstance(event, Arrive):
                pool.admit(event.request)
            else:
                pool.free_request(event.id)
        rows.append(
            SweepRow(bs, pool.admitted, pool.rejected_pool_full, pool.reserved, pool.used + pool.reserved,
                     pool.block_table_entries)
        )
    return rows
