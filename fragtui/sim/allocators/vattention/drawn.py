"""vAttention through the pool contract: its physical pages, or its virtual address space."""

from __future__ import annotations

from typing import Collection, Iterator, Sequence

from fragtui.sim.allocators.vattention.pages import VirtualMemory
from fragtui.sim.pool import BlockStarts, Holding, Progress


class VAttentionPool:
    """vAttention through the pool contract: its physical pages (`virtual` False) or its
    virtual address space, one range of `range_pages` pages a slot (`virtual` True). A
    request's pages are its holding; retained pages are drawn as kept."""

    stranded_below = 0
    shares = False
    kept_as = "retained"

    def __init__(self, memory: VirtualMemory, tokens: dict[int, int], virtual: bool,
                 progress: Progress | None = None) -> None:
        self.memory = memory
        self.tokens = tokens  # event mode: id -> tokens held
        self.virtual = virtual
        self.progress = progress
        self.block_size = memory.page
        if virtual:
            self.row_slots = memory.range_pages * memory.page  # a slot's range a row
            self.total_slots = memory.slots * self.row_slots
            self.unusable = 0
        else:
            self.row_slots = 0
            self.total_slots = memory.total_slots
            self.unusable = memory.unusable

    def holding(self, rid: int) -> Holding | None:
        m = self.memory
        slot = m.slot_of.get(rid)
        if slot is None:
            return None
        need = m.need[slot]
        blocks: Sequence[int] = (range(slot * m.range_pages, slot * m.range_pages + need) if self.virtual
                                 else m.mapped[slot][:need])
        capacity = need * m.page
        low = slot * m.range_pages * m.page
        place = (f"virtual slot {slot}: virtual tokens {low:,}–{low + m.range_pages * m.page - 1:,}, "
                 f"{need} of {m.range_pages} pages mapped")
        if self.progress is None:
            tokens = self.tokens[rid]
            return Holding(rid, BlockStarts(blocks, m.page), m.page, tokens, capacity, capacity, place)
        return Holding(rid, BlockStarts(blocks, m.page), m.page, self.progress.tokens(rid), self.progress.reach(rid),
                       capacity, place)

    def holdings(self) -> Iterator[Holding]:
        for rid in list(self.memory.slot_of):
            holding = self.holding(rid)
            assert holding is not None
            yield holding

    def free_runs_around(self, start: int, end: int) -> tuple[tuple[int, int], ...]:
        return ()

    def free_runs(self) -> tuple[tuple[int, int], ...]:
        return ()

    free_block_count = None  # (a page can be retained: neither free nor held)

    def free_block_ids(self) -> tuple[int, ...]:
        return ()

    def holders(self, block: int) -> int:
        return 0

    def copies(self, block: int) -> int:
        return 0

    def cached_blocks(self) -> Collection[int]:
        return self.memory.retained_virtual() if self.virtual else self.memory.retained_pages()
