"""Serving memory: an allocator as the serving engine uses it. Orca's fixed runs (any
contiguous-family allocator) and vLLM's growing block tables (paged), each keeping the running
sums the engine's breakdown needs, so nothing is counted per token. The registry makes them
(`AllocatorSpec.serve`), through `contiguous_memory` and `paged_memory`; another family brings
its own (allocators/vattention/serving.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence, TypeAlias

from fragtui.sim.allocators.adapters import BlockPool, RunPool
from fragtui.sim.allocators.contiguous import serving_reservation
from fragtui.sim.allocators.outcomes import ADMITTED
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.allocators.prefix_cache import PrefixCachingAllocator
from fragtui.sim.pool import Pool, Progress
from fragtui.sim.workload.requests import Request

if TYPE_CHECKING:
    from fragtui.sim.allocators.registry import Setting


# Serving memory besides its tokens, in slots, read twice a tick (a plain tuple: a named one cost
# the paper's report 1.4 % of its instructions): what the holdings will be filled to (their
# tokens and those to come), slots held, slots held past what the reservations asked for (a
# buddy allocator's rounding), and free slots in runs too short for the head of the queue.
Levels: TypeAlias = tuple[int, int, int, int]  # (to_fill, held, slack, stranded)


@dataclass(frozen=True)
class Serving:
    """What serving a stream asks of every side's memory besides the side's own options."""

    width: int = 1  # sequences a request runs as: its parallel samples or beam candidates
    beams: bool = False  # ... beam candidates, which fork and drop
    seed: int = 0  # picks the beams
    prompts: Mapping[int, int] | None = None  # request id -> prompt tokens (sharing needs them)
    outputs: Mapping[int, int] | None = None  # request id -> output tokens


def contiguous_memory(make: Callable[[], Any], setting: Setting, serving: Serving) -> Memory:
    """A contiguous-family allocator (`make` makes an empty one) serving requests: a run each,
    or a run for each of a request's sequences."""
    if serving.width > 1:
        from fragtui.sim.engines.serving.sharing import ContiguousGroups

        assert serving.prompts is not None
        return ContiguousGroups(make, setting.total_slots, setting.max_len, setting["reservation"], serving.width,
                                serving.prompts)
    return _ContiguousMemory(make, setting.total_slots, setting.max_len, setting["reservation"])


def paged_memory(setting: Setting, serving: Serving) -> Memory:
    """Paged serving memory: block tables that grow, shared by a request's sequences if it has several."""
    if serving.width > 1:
        from fragtui.sim.engines.serving.sharing import SharedPagedMemory

        assert serving.prompts is not None and serving.outputs is not None
        return SharedPagedMemory(setting.total_slots, setting["block_size"], setting["order"], serving.width,
                                 serving.beams, serving.prompts, serving.outputs, serving.seed)
    kind = _CachingPagedMemory if setting["prefix_caching"] else _PagedMemory
    return kind(setting.total_slots, setting["block_size"], setting["order"], setting["watermark"])


class Memory(Protocol):
    """What the engine needs of serving memory: admissions, releases, growth, and the running
    sums its breakdown reads. Every method is O(1) or O(what changed).

    A request may run as several sequences (its parallel samples or beam candidates, all of
    the same length): `width` of them. Where they share blocks whose sharing changes as they
    go (paged), `steps_every_tick` is set and the engine calls `step` for each running request
    every tick instead of growing it at block boundaries (sharing.py)."""

    grows: bool  # whether running requests take more memory as they go (paged)
    steps_every_tick: bool
    reshapes: bool  # a tick may change any running request's tables (beams fork and drop)
    width: int
    copies: int  # blocks copied on write so far
    total_slots: int
    unusable: int
    block_size: int  # slots a growth takes (1 where nothing grows)

    @property
    def free_blocks(self) -> int:
        """Blocks a growth can take (0 where nothing grows)."""
        ...

    def lead(self, final: int) -> int:
        """How many tokens before a running request's tokens need it its next block is taken
        (vAttention's eager allocation), for a request of `final` tokens; 0: as they need it."""
        ...

    def never_fits(self, request: Request) -> bool:
        """The request could not be admitted even into an empty pool."""
        ...

    def admit(self, request: Request, tokens: int) -> bool:
        """Admit `request` holding `tokens` now (its prompt, and any output kept from before a
        preemption); False, changing nothing, if it does not fit."""
        ...

    def fragmented(self, request: Request) -> bool:
        """A request that did not fit would have, had the free slots been one run: external
        fragmentation turned it away."""
        ...

    def release(self, rid: int, final: int) -> Sequence[int] | None:
        """Give request `rid`'s memory back; the blocks it held where a free block's look can
        change with them (prefix caching: cached or not), else None."""
        ...
        return None

    def grow(self, rid: int, tokens: int, final: int) -> bool: ...

    def grow_each(self, request_ids: list[int], overshoot: int) -> None: ...

    def step(self, rid: int, tokens: int, final: int) -> int | None:
        """Every sequence of running request `rid` (holding `tokens` each) appends a token:
        the blocks it took, or None (nothing changed) if too few are free."""
        ...

    def levels(self, head: Request | None) -> Levels:
        """Where the pool stands besides its tokens; `head` is the request at the head of the
        waiting queue, which free runs are too short for or not. None changes while tokens are
        appended."""
        ...

    def tokens_held(self, tokens: int) -> int:
        """The slots holding tokens, when each running request holds `tokens` in all."""
        ...

    def blocks_now(self) -> tuple[int, int]:
        """(block-table entries, blocks held): what sharing saves is the difference."""
        ...

    def lookups(self) -> tuple[int, int]:
        """(tokens hit, tokens queried) by prefix-cache lookups so far: (0, 0) without a cache."""
        ...

    def pool(self, progress: Progress, head: Request | None) -> Pool: ...

    def clone(self) -> Memory: ...


class _ContiguousMemory:
    """Orca: one run of R slots per request, fixed at admission."""

    grows = False
    steps_every_tick = False
    reshapes = False
    width = 1
    copies = 0
    free_blocks = 0
    block_size = 1

    def __init__(self, make: Callable[[], Any], total_slots: int, max_len: int, reservation: str) -> None:
        # The reservation is worked out here, from prompt and output (serving_reservation), and
        # handed to the allocator as the request's max_len, which a `max` allocator reserves.
        self.make = make
        self.allocator = make()
        self.total_slots = total_slots
        self.unusable = 0
        self.max_len = max_len
        self.reservation = reservation
        self.final_sum = 0  # Σ F of holders: what their runs will be filled to
        self.held = 0  # Σ runs of holders (buddy: chunks, so more than they reserved)
        self.slack = 0  # Σ (run − reservation) of holders: buddy rounding
        self._asked: Request | None = None  # the last request reservation_of was asked about
        self._need = 0  # and its reservation

    def reservation_of(self, request: Request) -> int:
        if request is not self._asked:  # the head is asked about again and again while it waits
            self._asked = request
            output = request.output  # (prompt = used − output, inline: this is the hot path)
            self._need = serving_reservation(self.reservation, request.used - output, output, self.max_len)
        return self._need

    def never_fits(self, request: Request) -> bool:
        return not self.allocator.can_ever_fit(self.reservation_of(request))

    def admit(self, request: Request, tokens: int) -> bool:
        need = self.reservation_of(request)
        if self.allocator.largest < need:
            return False  # no run is long enough, whatever the placement
        # The allocator's own used/reserved then count F, not tokens: we keep our own counts.
        final = request.final
        outcome = self.allocator.admit(Request(request.id, final, need))
        if outcome.kind != ADMITTED:
            return False
        self.final_sum += final
        self.held += outcome.length
        self.slack += outcome.length - need
        return True

    def fragmented(self, request: Request) -> bool:
        needed: int = self.allocator.run_needed(self.reservation_of(request))
        return self.total_slots - self.held >= needed

    def release(self, rid: int, final: int) -> Sequence[int] | None:
        self.final_sum -= final
        outcome = self.allocator.free_request(rid)
        self.held -= outcome.length
        self.slack -= outcome.length - outcome.reservation
        return None

    def lead(self, final: int) -> int:
        return 0

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

    def lookups(self) -> tuple[int, int]:
        return 0, 0

    def levels(self, head: Request | None) -> Levels:
        free = self.total_slots - self.held
        stranded = 0
        if head is not None and free:
            need = self.reservation_of(head)
            # A head that did not fit means no run is long enough: all free space strands.
            stranded = free if self.allocator.largest < need else self.allocator.stranded(need)
        return self.final_sum, self.held, self.slack, stranded

    def pool(self, progress: Progress, head: Request | None) -> Pool:
        """Free runs too short for the request at the head of the queue are stranded."""
        threshold = 0 if head is None else self.allocator.run_needed(self.reservation_of(head))
        return RunPool(self.allocator, threshold, progress)

    def clone(self) -> _ContiguousMemory:
        twin = copy.copy(self)
        twin.allocator = self.allocator.clone()
        return twin


class _PagedMemory:
    """vLLM: blocks for the tokens held, one more at each block boundary."""

    grows = True
    steps_every_tick = False
    reshapes = False
    width = 1
    copies = 0

    def __init__(self, total_slots: int, block_size: int, order: str, watermark: float = 0.0) -> None:
        self.allocator = PagedAllocator(total_slots, block_size, order)
        self.total_slots = total_slots
        self.unusable = self.allocator.unusable
        self.block_size = block_size
        self.free_blocks = self.allocator.num_blocks  # the allocator's, kept here for speed
        self.capped_sum = 0  # Σ min(blocks · block_size, F) of holders
        # vLLM admits only while this many blocks stay free after the admission, so that a
        # request admitted now is not the next preempted (watermark × all blocks, truncated).
        self.keep_free = int(watermark * self.allocator.num_blocks)

    def never_fits(self, request: Request) -> bool:
        return -(-request.final // self.block_size) > self.allocator.num_blocks - self.keep_free

    def admit(self, request: Request, tokens: int) -> bool:
        need = -(-tokens // self.block_size)
        if need > self.free_blocks - self.keep_free:
            return False
        final = request.final
        self.allocator.admit(Request(request.id, tokens, final))
        self.free_blocks -= need
        self.capped_sum += min(need * self.block_size, final)
        return True

    def fragmented(self, request: Request) -> bool:
        return False  # every free block is usable

    def release(self, rid: int, final: int) -> Sequence[int] | None:
        blocks = self.allocator.free_request(rid).blocks
        self.free_blocks += len(blocks)
        self.capped_sum -= min(len(blocks) * self.block_size, final)
        return None

    def lead(self, final: int) -> int:
        return 0  # vLLM takes a block when a token needs it

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

    def levels(self, head: Request | None) -> Levels:
        return self.capped_sum, (self.allocator.num_blocks - self.free_blocks) * self.block_size, 0, 0

    def tokens_held(self, tokens: int) -> int:
        return tokens

    def blocks_now(self) -> tuple[int, int]:
        held = self.allocator.num_blocks - self.free_blocks
        return held, held

    def lookups(self) -> tuple[int, int]:
        return 0, 0

    def pool(self, progress: Progress, head: Request | None) -> Pool:
        return BlockPool(self.allocator, progress)

    def clone(self) -> _PagedMemory:
        twin = copy.copy(self)
        twin.allocator = self.allocator.clone()
        return twin


class _CachingPagedMemory(_PagedMemory):
    """vLLM with prefix caching, serving: an admission reuses the cached blocks of its prompt's
    prefix (prefix_cache.py), a block is cached as it fills while the request generates, and a
    finished request's full blocks stay cached in the free queue until taken. A block several
    requests hold is counted once: what tokens the holdings hold and will fill, less the
    overlap of the shared blocks (always full)."""

    allocator: PrefixCachingAllocator

    def __init__(self, total_slots: int, block_size: int, order: str, watermark: float = 0.0) -> None:
        super().__init__(total_slots, block_size, order, watermark)
        self.allocator = PrefixCachingAllocator(total_slots, block_size, order)

    def admit(self, request: Request, tokens: int) -> bool:
        allocator = self.allocator
        outcome = allocator.admit(Request(request.id, tokens, request.final, request.prefix, request.prefix_len,
                                          hashes=request.hashes))
        if outcome.kind != ADMITTED:
            return False
        if allocator.free_blocks < self.keep_free:  # vLLM's watermark: not at the cost of the reserve
            allocator.undo(outcome)
            return False
        self.free_blocks = allocator.free_blocks
        self.capped_sum += min(len(outcome.blocks) * self.block_size, request.final)
        return True

    def release(self, rid: int, final: int) -> Sequence[int]:
        blocks = self.allocator.free_request(rid).blocks
        self.free_blocks = self.allocator.free_blocks
        self.capped_sum -= min(len(blocks) * self.block_size, final)
        return blocks

    def _overlap(self) -> int:
        """Slots counted once per holder beyond the first: the shared blocks' (full) slots."""
        allocator = self.allocator
        return (allocator.entries - (allocator.num_blocks - allocator.free_blocks)) * self.block_size

    def levels(self, head: Request | None) -> Levels:
        to_fill, held, slack, stranded = super().levels(head)
        return to_fill - self._overlap(), held, slack, stranded

    def tokens_held(self, tokens: int) -> int:
        return tokens - self._overlap()

    def blocks_now(self) -> tuple[int, int]:
        allocator = self.allocator
        return allocator.entries, allocator.num_blocks - allocator.free_blocks

    def lookups(self) -> tuple[int, int]:
        return self.allocator.hits * self.block_size, self.allocator.queried

    def clone(self) -> _CachingPagedMemory:
        twin = copy.copy(self)
        twin.allocator = self.allocator.clone()
        return twin
