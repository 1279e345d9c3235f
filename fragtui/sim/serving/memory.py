"""The two kinds of serving memory: Orca's fixed runs and vLLM's growing block tables.

Both keep the running sums the engine's breakdown needs, so nothing is counted per token.
"""

from __future__ import annotations

import copy
from typing import Protocol

from fragtui.sim.contiguous import reservation_for
from fragtui.sim.outcomes import ADMITTED
from fragtui.sim.paged import PagedAllocator
from fragtui.sim.pool import Pool, Progress
from fragtui.sim.pools import BlockPool, RunPool, run_allocator
from fragtui.sim.requests import Request


class Memory(Protocol):
    """What the engine needs of serving memory: admissions, releases, growth, and the running
    sums its breakdown reads. Every method is O(1) or O(what changed).

    A request may run as several sequences (its parallel samples or beam candidates, all of
    the same length): `width` of them. Where they share blocks whose sharing changes as they
    go (paged), `steps_every_tick` is set and the engine calls `step` for each running request
    every tick instead of growing it at block boundaries (sharing.py)."""

    grows: bool  # whether running requests take more memory as they go (paged)
    steps_every_tick: bool
    width: int
    copies: int  # blocks copied on write so far
    total_slots: int
    unusable: int
    free_blocks: int  # blocks a growth can take (0 where nothing grows)

    def never_fits(self, final: int, prompt: int) -> bool:
        """A request of `final` tokens (`prompt` of them its prompt) could not fit even in an
        empty pool."""
        ...

    def admit(self, rid: int, tokens: int, final: int) -> bool: ...

    def release(self, rid: int, final: int) -> None: ...

    def grow(self, rid: int, tokens: int, final: int) -> bool: ...

    def grow_each(self, request_ids: list[int], overshoot: int) -> None: ...

    def step(self, rid: int, tokens: int, final: int) -> int | None:
        """Every sequence of running request `rid` (holding `tokens` each) appends a token:
        the blocks it took, or None (nothing changed) if too few are free."""
        ...

    def levels(self, head_final: int | None) -> tuple[int, int, int]:
        """(slots holdings will fill, slots held, stranded) besides the tokens."""
        ...

    def tokens_held(self, tokens: int) -> int:
        """The slots holding tokens, when each running request holds `tokens` in all."""
        ...

    def blocks_now(self) -> tuple[int, int]:
        """(block-table entries, blocks held): what sharing saves is the difference."""
        ...

    def pool(self, progress: Progress, head_final: int | None) -> Pool: ...

    def clone(self) -> Memory: ...


class _ContiguousMemory:
    """Orca: one run of R slots per request, fixed at admission."""

    grows = False
    steps_every_tick = False
    width = 1
    copies = 0
    free_blocks = 0

    def __init__(self, total_slots: int, max_len: int, reservation: str, placement: str) -> None:
        self.allocator = run_allocator(total_slots, reservation, placement)
        self.total_slots = total_slots
        self.unusable = 0
        self.max_len = max_len
        self.reservation = reservation
        self.final_sum = 0  # Σ F of holders: what their runs will be filled to
        self.held = 0  # Σ R of holders
        self._reservations: dict[int, int] = {}  # final -> R, shared by clones

    def reservation_of(self, final: int) -> int:
        need = self._reservations.get(final)
        if need is None:
            need = self._reservations[final] = reservation_for(self.reservation, final, self.max_len)
        return need

    def never_fits(self, final: int, prompt: int) -> bool:
        return not self.allocator.can_ever_fit(self.reservation_of(final))

    def admit(self, rid: int, tokens: int, final: int) -> bool:
        if self.allocator.largest < self.reservation_of(final):
            return False  # no run is long enough, whatever the placement
        # The allocator's own used/reserved then count F, not tokens: we keep our own counts.
        outcome = self.allocator.admit(Request(rid, final, self.max_len))
        if outcome.kind != ADMITTED:
            return False
        self.final_sum += final
        self.held += outcome.length
        return True

    def release(self, rid: int, final: int) -> None:
        self.final_sum -= final
        self.held -= self.allocator.free_request(rid).length

    def grow(self, rid: int, tokens: int, final: int) -> bool:
        return False  # a run is reserved whole at admission

    def grow_each(self, request_ids: list[int], overshoot: int) -> None:
        if request_ids:
            raise ValueError("a contiguous run never grows")

    def step(self, rid: int, tokens: int, final: int) -> int | None:
        return 0

    def tokens_held(self, tokens: int) -> int:
        return tokens * self.width

    def blocks_now(self) -> tuple[int, int]:
        return 0, 0  # no blocks

    def levels(self, head_final: int | None) -> tuple[int, int, int]:
        """(slots holdings will fill, slots held, stranded): what the breakdown needs besides
        the tokens, none of which changes while tokens are appended."""
        free = self.total_slots - self.held
        stranded = 0
        if head_final is not None and free:
            need = self.reservation_of(head_final)
            # A head that did not fit means no run is long enough: all free space strands.
            stranded = free if self.allocator.largest < need else self.allocator.stranded(need)
        return self.final_sum, self.held, stranded

    def pool(self, progress: Progress, head_final: int | None) -> Pool:
        """Free runs too short for the request at the head of the queue are stranded."""
        threshold = 0 if head_final is None else self.allocator.run_needed(self.reservation_of(head_final))
        return RunPool(self.allocator, threshold, progress)

    def clone(self) -> _ContiguousMemory:
        twin = copy.copy(self)
        twin.allocator = self.allocator.clone()
        return twin


class _PagedMemory:
    """vLLM: blocks for the tokens held, one more at each block boundary."""

    grows = True
    steps_every_tick = False
    width = 1
    copies = 0

    def __init__(self, total_slots: int, block_size: int, order: str) -> None:
        self.allocator = PagedAllocator(total_slots, block_size, order)
        self.total_slots = total_slots
        self.unusable = self.allocator.unusable
        self.block_size = block_size
        self.free_blocks = self.allocator.num_blocks  # the allocator's, kept here for speed
        self.capped_sum = 0  # Σ min(blocks · block_size, F) of holders

    def never_fits(self, final: int, prompt: int) -> bool:
        return -(-final // self.block_size) > self.allocator.num_blocks

    def admit(self, rid: int, tokens: int, final: int) -> bool:
        need = -(-tokens // self.block_size)
        if need > self.free_blocks:
            return False
        self.allocator.admit(Request(rid, tokens, final))
        self.free_blocks -= need
        self.capped_sum += min(need * self.block_size, final)
        return True

    def release(self, rid: int, final: int) -> None:
        blocks = self.allocator.free_request(rid).blocks
        self.free_blocks += len(blocks)
        self.capped_sum -= min(len(blocks) * self.block_size, final)

    def grow(self, rid: int, tokens: int, final: int) -> bool:
        """One more block for a request holding `tokens`, which fill its blocks exactly."""
        if not self.free_blocks:
            return False
        self.allocator.grow(rid)
        self.free_blocks -= 1
        self.capped_sum += min(tokens + self.block_size, final) - tokens
        return True

    def grow_each(self, request_ids: list[int], overshoot: int) -> None:
        """`grow` each request, knowing there are blocks enough; `overshoot` is how far their
        new blocks reach past their final lengths, in all."""
        self.allocator.grow_each(request_ids)
        self.free_blocks -= len(request_ids)
        self.capped_sum += len(request_ids) * self.block_size - overshoot

    def step(self, rid: int, tokens: int, final: int) -> int | None:
        raise NotImplementedError("one sequence per request grows at block boundaries instead")

    def levels(self, head_final: int | None) -> tuple[int, int, int]:
        return self.capped_sum, (self.allocator.num_blocks - self.free_blocks) * self.block_size, 0

    def tokens_held(self, tokens: int) -> int:
        return tokens

    def blocks_now(self) -> tuple[int, int]:
        held = self.allocator.num_blocks - self.free_blocks
        return held, held

    def pool(self, progress: Progress, head_final: int | None) -> Pool:
        return BlockPool(self.allocator, progress)

    def clone(self) -> _PagedMemory:
        twin = copy.copy(self)
        twin.allocator = self.allocator.clone()
        return twin
