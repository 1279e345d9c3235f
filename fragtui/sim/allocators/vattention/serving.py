"""vAttention serving: pages mapped as a request's tokens are about to need them (eager), kept
mapped to an idle slot until reclaimed."""

from __future__ import annotations

import copy

from fragtui.sim.allocators.vattention.drawn import VAttentionPool
from fragtui.sim.allocators.vattention.pages import EAGER_TOKENS, VirtualMemory
from fragtui.sim.pool import Pool, Progress
from fragtui.sim.workload.requests import Request


class VAttentionMemory:
    """vAttention serving: a page mapped as a request's tokens are about to need it (eager:
    `EAGER_TOKENS` ahead), pages kept mapped to an idle slot until reclaimed."""

    steps_every_tick = False
    reshapes = False
    width = 1
    copies = 0
    grows = True

    def __init__(self, total_slots: int, max_len: int, page: int, slots: int, sync: bool, watermark: float,
                 virtual: bool) -> None:
        self.memory = VirtualMemory(total_slots, max_len, page, slots, deferred=not sync)
        self.total_slots = total_slots
        self.unusable = self.memory.unusable
        self.block_size = page
        self.eager = 0 if sync else EAGER_TOKENS
        self.virtual = virtual
        self.keep_free = int(watermark * self.memory.num_pages)  # vLLM's watermark blocks
        self.capped_sum = 0  # Σ min(pages · page, F) of holders
        self.range_tokens = self.memory.range_pages * page

    @property
    def free_blocks(self) -> int:
        return self.memory.free_pages

    def lead(self, final: int) -> int:
        """Tokens ahead of need a request's pages are mapped: never past its virtual range."""
        return min(self.eager, self.range_tokens - final)

    def _pages(self, tokens: int, final: int) -> int:
        return -(-(tokens + self.lead(final)) // self.block_size)

    def never_fits(self, request: Request) -> bool:
        return self._pages(request.final, request.final) > self.memory.num_pages - self.keep_free

    def admit(self, request: Request, tokens: int) -> bool:
        m = self.memory
        final = request.final
        need = self._pages(tokens, final)
        slot = m.choose(need)
        if slot < 0 or not m.fits(need, self.keep_free):
            return False
        m.map(request.id, slot, need)
        self.capped_sum += min(need * self.block_size, final)
        return True

    def fragmented(self, request: Request) -> bool:
        return False  # any page serves

    def release(self, rid: int, final: int) -> None:
        slot, held, _ = self.memory.release(rid)
        self.capped_sum -= min(len(held) * self.block_size, final)

    def grow(self, rid: int, tokens: int, final: int) -> bool:
        """One more page for a request whose pages cover `tokens` exactly."""
        if not self.memory.grow(rid):
            return False
        self.capped_sum += min(tokens + self.block_size, final) - min(tokens, final)
        return True

    def grow_each(self, request_ids: list[int], overshoot: int) -> None:
        grow = self.memory.grow
        for rid in request_ids:
            if not grow(rid):
                raise ValueError("no page to grow into")
        self.capped_sum += len(request_ids) * self.block_size - overshoot

    def step(self, rid: int, tokens: int, final: int) -> int | None:
        raise NotImplementedError("one sequence per request grows at page boundaries instead")

    def levels(self, head: Request | None) -> tuple[int, int, int, int]:
        return self.capped_sum, self.memory.held * self.block_size, 0, 0

    def tokens_held(self, tokens: int) -> int:
        return tokens

    def blocks_now(self) -> tuple[int, int]:
        held = self.memory.held
        return held, held

    def lookups(self) -> tuple[int, int]:
        return 0, 0

    def pool(self, progress: Progress, head: Request | None) -> Pool:
        return VAttentionPool(self.memory, {}, self.virtual, progress)

    def clone(self) -> VAttentionMemory:
        twin = copy.copy(self)
        twin.memory = self.memory.clone()
        return twin
