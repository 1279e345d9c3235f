"""vAttention: contiguous in virtual memory, paged in physical memory.

Prabhu, Nayak, Mohan, Ramjee, Panwar, "vAttention: Dynamic Memory Management for Serving LLMs
without PagedAttention", ASPLOS 2025 (arXiv 2405.04437). Every request keeps a contiguous
*virtual* range as large as its longest, and physical pages are mapped into it on demand with
the CUDA virtual memory APIs, so attention kernels keep their contiguous layout and the pool
suffers no external fragmentation. Each rule below cites the authors' implementation
(github.com/microsoft/vattention, commit ef3fff25, `file:line`), the code the paper's numbers
come from; what it leaves open is marked ASSUMPTION.

- Page sizes: 64 KB, 128 KB, 256 KB and 2 MB (README.md:83); 2 MB is the stock driver's
  granularity and the default (`page_size = 2 * MB`, utils.h:81), the smaller ones need the
  authors' driver change (README.md:88-90).
- Tokens a page holds: `page_size / (num_kv_heads * head_size * bytes_per_elem)`
  (vattention.cu:38-44): pages are per layer and per K or V buffer (vattention.cu:172-181), so
  one step of growth maps 2 × layers pages and holds that many tokens in every layer
  (`PAGES_TO_KVBLOCKS`, utils.h:9). fragtui's pool counts tokens, so one of its pages is such a
  step: `page` token slots, standing for 2 × layers physical pages. ASSUMPTION: one GPU (no
  tensor parallelism, which divides the KV heads and so multiplies the tokens a page holds).
- Virtual request slots: `max_batch_size` ranges of `ROUND_UP(max_context_length, page)` each
  (vattention.cu:49-74; utils.h:135-138); a request is given one when first scheduled
  (`alloc_new_batch_idx`, vattention.cu:560-589): the lowest inactive slot, unless a later
  inactive slot has enough pages mapped already and fewer than the current pick (the code's
  "best fit", exactly as written). The default number of slots is 128, the authors' benchmark
  configuration's `max_batch_size` (default.yml:82); a request that finds them all taken is
  refused (event mode) or waits (serving mode).
- Physical pages come from a stack (`cuda_pages.back()`, mux.h), mapped at the end of the
  request's range (`get_req_current_map_offset`) and unmapped from its end, each pushed back
  (`release_kvcache_pages_some`, vattention.cu:243-251). ASSUMPTION: pages are numbered in the
  order the stack first hands them out (page 0 first); a physical page has no address order.
- Mapping is on demand: a request has `ceil(tokens / page)` pages (`map_pages_for_curr_step`,
  vattention.cu:376-392), never fewer while it runs.
- Eager allocation (the default, asynchronous mode): after each step a background thread maps
  ahead for the next steps, `need_new_page_async(reqId, k)` for k up to `EAGER_NUM_STEPS − 1`
  = 9 tokens ahead (vattention.cu:471-536), never past the request's virtual range. Serving
  mode maps each page 9 tokens before a request's tokens need it (`EAGER_TOKENS`); so a
  request may hold a page ahead of need, even past its last token. ASSUMPTION: the thread's
  limit of `EAGER_NUM_KVBLOCKS` = 2 eager pages a step across the batch is not modelled (with
  pages of hundreds of tokens, few requests cross a page boundary in any one step); event
  mode has no next step, so nothing is mapped ahead there.
- Deferred reclamation: a finished request's pages stay mapped to its slot (`free_batch_idx`
  only sets its length to 0, vattention.cu:591-594), for the next request in that slot; they
  are reclaimed only when free pages run short (`reclaim_kvblocks_on_demand`,
  vattention.cu:420-438): from the highest slot down, each slot trimmed to what its request
  needs now (0 for an idle slot, so a running request's eager pages go too), until enough are
  free. fragtui draws such pages `retained`. The scheduler counts them free
  (`num_free_kvblocks` = free + overcommitted, vattention.cu:194-210; utils.h:177-183), and so
  do fragtui's tallies.
- `sync` (the authors' `_sync` variants, README.md:83): no eager allocation, and every idle
  slot's pages unmapped at each step (`step_sync` with `eager_reclaim`, vattention.cu:395-409):
  nothing is retained.
- Admission in serving mode: the vLLM block manager's check with free + overcommitted pages
  and its 1% watermark (vattention_block_space_manager.py:11-66), here the run's `watermark`.
- Nothing is shared: the code has no prefix caching (`map_common_pages` only validates that a
  page can be mapped twice, vattention.cu:325).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Collection, Iterator, NamedTuple, Sequence

from fragtui.sim.allocators.outcomes import ADMITTED, FREED, NOOP, POOL_FULL, REJECTED
from fragtui.sim.config.kv import DTYPES, format_bytes, parse_bytes, parse_model
from fragtui.sim.errors import ParamError
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.numbers import NumberError, whole
from fragtui.sim.pool import BlockStarts, Holding, Pool, Progress
from fragtui.sim.workload.requests import Request

if TYPE_CHECKING:
    from fragtui.sim.allocators.registry import Setting
    from fragtui.sim.engines.serving.memory import Serving

PAGE_SIZES = ("64KiB", "128KiB", "256KiB", "2MiB")  # README.md:83 (the code's KB is 1,024 bytes)
DEFAULT_PAGE = "2MiB"  # utils.h:81: the stock driver's granularity
DEFAULT_MODEL = "llama-3-8b"  # ASSUMPTION where the run names none: a model the authors serve (scripts/utils.py:26-31)
DEFAULT_SLOTS = 128  # default.yml:82 max_batch_size
MAX_SLOTS = 999  # vattention.cu:107 asserts max_batch_size < 1000
EAGER_TOKENS = 9  # EAGER_NUM_STEPS − 1 (vattention.cu:471-536)
SPACES = ("physical", "virtual")
IDLE = -1  # a slot no request holds


def page_tokens(page_size: str, model: str) -> int:
    """Tokens one page holds for `model`: page bytes over one token's K (or V) in one layer."""
    shape = parse_model(model)
    return parse_bytes(page_size) // (shape.kv_heads * shape.head_dim * DTYPES[shape.dtype])


def read_page_size(text: str) -> str:
    """A page size as text, any unit (`2MB`, `2048KiB`; the code's KB is 1,024 bytes): one of
    PAGE_SIZES."""
    try:
        size = parse_bytes(text.strip().replace("KB", "KiB").replace("MB", "MiB"))
    except ParamError:
        size = 0
    for name in PAGE_SIZES:
        if parse_bytes(name) == size:
            return name
    raise ParamError("page_size", text, "must be one of " + ", ".join(PAGE_SIZES) + " (the pages vAttention maps)")


def read_slots(text: str) -> int:
    try:
        return whole(text, 1, MAX_SLOTS)
    except NumberError as error:
        raise ParamError("slots", text, error.allowed) from None


def setting_model(setting: Setting) -> str:
    return setting.model or DEFAULT_MODEL


def setting_page(setting: Setting) -> int:
    return page_tokens(setting["page_size"], setting_model(setting))


def check(setting: Setting) -> None:
    """Refuse a page the pool cannot hold (or that holds no token)."""
    page = setting_page(setting)
    model = setting_model(setting)
    if not 1 <= page <= setting.total_slots:
        raise ParamError("page_size", setting["page_size"],
                         f"holds {page:,} tokens of {model}, and a page must hold 1 to {setting.total_slots:,} "
                         "(total_slots); try a smaller page or a larger pool")


@dataclass(frozen=True)
class VirtualSnapshot:
    """A vAttention pool, frozen: equal exactly when two pools are in the same state."""

    total_slots: int
    page: int  # tokens a page
    tables: tuple[tuple[int, int, tuple[int, ...], int], ...]  # (id, slot, pages it holds, tokens) by id
    free: tuple[int, ...]  # the free stack, in the order it hands pages out
    mapped: tuple[tuple[int, ...], ...]  # each slot's mapped pages, in virtual order


class Reclaimed(NamedTuple):
    slot: int
    pages: tuple[int, ...]  # unmapped from the slot's end: the last first


class VAttentionOutcome(NamedTuple):
    """What one event did: `pages` is the request's page table (admitted) or what it held
    (freed); `slot` its virtual slot (-1: none was free); `taken` the pages popped from the
    free stack, `reclaimed` the pages unmapped from other slots to make room, `unmapped` a
    sync free's pages, `kept` the pages its slot had mapped beforehand."""

    kind: str
    reason: str | None
    request_id: int
    used: int
    slot: int
    pages: tuple[int, ...]
    taken: tuple[int, ...] = ()
    reclaimed: tuple[Reclaimed, ...] = ()
    unmapped: tuple[int, ...] = ()
    kept: int = 0

    @property
    def looks(self) -> tuple[int, ...]:
        """Pages held by no request before or after whose look changed: reclaimed but not
        taken (retained → free), or unmapped by a sync free."""
        taken = set(self.taken)
        return tuple(p for r in self.reclaimed for p in r.pages if p not in taken) + self.unmapped

    def words(self, listed: Callable[[Sequence[int], str], str]) -> str:
        """What vAttention did, for the narration; `listed(pages, "page")` writes a list of
        pages as the narration writes blocks ("pages 3–5")."""
        if self.kind == ADMITTED:
            parts = [f"{listed(self.pages, 'page')} mapped into virtual slot {self.slot}"]
            if self.kept:
                parts.append(f"{min(self.kept, len(self.pages))} of them mapped there already")
            if self.reclaimed:
                got = sum(len(r.pages) for r in self.reclaimed)
                slots = ", ".join(str(r.slot) for r in self.reclaimed)
                parts.append(f"{got} page{'s' if got != 1 else ''} reclaimed from idle slot"
                             f"{'s' if len(self.reclaimed) > 1 else ''} {slots}")
            return ", ".join(parts)
        if self.kind == FREED:
            if self.unmapped:
                return f"slot {self.slot} idle, {listed(self.unmapped, 'page')} unmapped (sync)"
            kept = f", {listed(self.pages, 'page')} kept mapped to it (deferred reclamation)" if self.pages else ""
            return f"slot {self.slot} idle{kept}"
        if self.kind == NOOP:
            return "no-op (never admitted here)"
        if self.slot < 0:
            return "rejected: every virtual slot is taken"
        return "rejected, pool full"


class VirtualMemory:
    """The state both modes share: the free-page stack, each slot's mapped pages in virtual
    order, and who holds each slot and how many of its pages that request needs."""

    def __init__(self, total_slots: int, max_len: int, page: int, slots: int, deferred: bool) -> None:
        self.total_slots = total_slots
        self.page = page
        self.num_pages = total_slots // page
        self.unusable = total_slots - self.num_pages * page
        self.slots = slots
        self.range_pages = -(-max_len // page)  # a slot's virtual range, in pages
        self.deferred = deferred
        self.stack = list(range(self.num_pages - 1, -1, -1))  # the top (end) is handed out first
        self.mapped: list[list[int]] = [[] for _ in range(slots)]
        self.holder = [IDLE] * slots
        self.need = [0] * slots  # pages the slot's request holds (mapped beyond: retained)
        self.slot_of: dict[int, int] = {}
        self.held = 0  # Σ need: pages requests hold
        self.retained = 0  # Σ mapped − need: pages mapped and held by no request

    def choose(self, need: int) -> int:
        """`alloc_new_batch_idx`: the lowest idle slot, unless a later idle one has at least
        `need` pages mapped and fewer than the pick; -1 if every slot is taken."""
        pick = -1
        mapped, holder = self.mapped, self.holder
        for slot in range(self.slots):
            if holder[slot] != IDLE:
                continue
            if pick < 0:
                pick = slot
                if not mapped[slot]:
                    break  # nothing has fewer than none
            elif need <= len(mapped[slot]) < len(mapped[pick]):
                pick = slot
        return pick

    def fits(self, need: int, keep_free: int = 0) -> bool:
        """The scheduler's check: `need` pages leave `keep_free` of the free and retained
        pages (`num_free_kvblocks` counts both; vLLM's `can_allocate`)."""
        return len(self.stack) + self.retained - need >= keep_free

    def map(self, rid: int, slot: int, need: int) -> tuple[tuple[int, ...], tuple[Reclaimed, ...], int]:
        """Give idle `slot` to `rid` with `need` pages mapped (`fits` said it can); returns the
        pages taken from the stack, what was reclaimed for them, and how many it had."""
        pages = self.mapped[slot]
        have = len(pages)
        self.holder[slot] = rid
        self.slot_of[rid] = slot
        self.need[slot] = need
        self.held += need
        self.retained -= min(have, need)
        short = need - have
        if short <= 0:
            return (), (), have
        reclaimed = self.reclaim(short) if short > len(self.stack) else ()
        stack = self.stack
        taken = tuple(stack[-short:][::-1])
        del stack[-short:]
        pages.extend(taken)
        return taken, reclaimed, have

    def reclaim(self, short: int) -> tuple[Reclaimed, ...]:
        """`reclaim_kvblocks_on_demand`: from the highest slot down, trim each to its need
        until `short` pages are free."""
        out = []
        stack, mapped, need = self.stack, self.mapped, self.need
        for slot in range(self.slots - 1, -1, -1):
            if len(stack) >= short:
                break
            pages = mapped[slot]
            keep = need[slot]
            if len(pages) > keep:
                dropped = tuple(pages[keep:])
                del pages[keep:]
                stack.extend(reversed(dropped))  # the slot's end unmapped first
                self.retained -= len(dropped)
                out.append(Reclaimed(slot, dropped))
        return tuple(out)

    def unmap(self, taken: tuple[int, ...], reclaimed: tuple[Reclaimed, ...], slot: int, have: int) -> None:
        """Exactly undo `map`."""
        rid = self.holder[slot]
        del self.slot_of[rid]
        self.holder[slot] = IDLE
        need, self.need[slot] = self.need[slot], 0
        self.held -= need
        pages = self.mapped[slot]
        if taken:
            del pages[have:]
            self.stack.extend(reversed(taken))
        for slot_back, dropped in reversed(reclaimed):
            del self.stack[len(self.stack) - len(dropped):]
            self.mapped[slot_back].extend(dropped)
            self.retained += len(dropped)
        self.retained += min(have, need)

    def release(self, rid: int) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        """The request's slot goes idle: its pages are kept (deferred) or unmapped (sync).
        Returns the slot, the pages it held and those unmapped."""
        slot = self.slot_of.pop(rid)
        self.holder[slot] = IDLE
        held = tuple(self.mapped[slot][:self.need[slot]])
        self.retained += self.need[slot]
        self.held -= self.need[slot]
        self.need[slot] = 0
        unmapped: tuple[int, ...] = ()
        if not self.deferred:
            pages = self.mapped[slot]
            unmapped = tuple(pages)
            pages.clear()
            self.stack.extend(reversed(unmapped))
            self.retained -= len(unmapped)
        return slot, held, unmapped

    def unrelease(self, rid: int, slot: int, held: int, unmapped: tuple[int, ...]) -> None:
        """Exactly undo `release`."""
        if unmapped:
            del self.stack[len(self.stack) - len(unmapped):]
            self.mapped[slot].extend(unmapped)
            self.retained += len(unmapped)
        self.holder[slot] = rid
        self.slot_of[rid] = slot
        self.need[slot] = held
        self.held += held
        self.retained -= held

    def grow(self, rid: int) -> bool:
        """One more page for `rid`: one its slot has mapped already, else from the stack,
        reclaiming if it must; False if none can be had."""
        slot = self.slot_of[rid]
        pages = self.mapped[slot]
        if len(pages) > self.need[slot]:
            self.retained -= 1
        else:
            if not self.stack and not self.reclaim(1):
                return False
            pages.append(self.stack.pop())
        self.need[slot] += 1
        self.held += 1
        return True

    @property
    def free_pages(self) -> int:
        """Pages any request can have: the free stack and the retained."""
        return len(self.stack) + self.retained

    def table(self, rid: int) -> list[int]:
        slot = self.slot_of[rid]
        return self.mapped[slot][:self.need[slot]]

    def retained_pages(self) -> frozenset[int]:
        return frozenset(p for slot, pages in enumerate(self.mapped) for p in pages[self.need[slot]:])

    def retained_virtual(self) -> frozenset[int]:
        """The retained pages' places in the virtual address space, in pages."""
        r = self.range_pages
        return frozenset(slot * r + j for slot, pages in enumerate(self.mapped)
                         for j in range(self.need[slot], len(pages)))

    def snapshot(self, tokens: dict[int, int]) -> VirtualSnapshot:
        """`tokens`: id -> tokens each request holds."""
        tables = tuple(sorted((rid, slot, tuple(self.mapped[slot][:self.need[slot]]), tokens[rid])
                              for rid, slot in self.slot_of.items()))
        return VirtualSnapshot(self.total_slots, self.page, tables, tuple(reversed(self.stack)),
                               tuple(tuple(pages) for pages in self.mapped))

    def clone(self) -> VirtualMemory:
        twin = copy.copy(self)
        twin.stack = list(self.stack)
        twin.mapped = [list(pages) for pages in self.mapped]
        twin.holder = list(self.holder)
        twin.need = list(self.need)
        twin.slot_of = dict(self.slot_of)
        return twin


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

    def holders(self, block: int) -> int:
        return 0

    def copies(self, block: int) -> int:
        return 0

    def cached_blocks(self) -> Collection[int]:
        return self.memory.retained_virtual() if self.virtual else self.memory.retained_pages()


class VAttentionAllocator:
    """vAttention in event mode: a request's pages are mapped when it arrives and kept
    mapped to its slot when it leaves (unless `sync`)."""

    rejected_fragmented = 0  # a page from anywhere serves: nothing strands

    def __init__(self, total_slots: int, max_len: int, page: int, slots: int = DEFAULT_SLOTS, sync: bool = False,
                 virtual: bool = False) -> None:
        self.memory = VirtualMemory(total_slots, max_len, page, slots, deferred=not sync)
        self.total_slots = total_slots
        self.virtual = virtual
        self.tokens: dict[int, int] = {}  # id -> tokens held
        self.admitted = 0
        self.rejected_pool_full = 0
        self.used = 0

    @property
    def reserved(self) -> int:
        return self.memory.held * self.memory.page - self.used

    @property
    def free(self) -> int:
        return self.total_slots - self.memory.unusable - self.used - self.reserved

    @property
    def live(self) -> int:
        return len(self.tokens)

    def admit(self, request: Request) -> VAttentionOutcome:
        m, used = self.memory, request.used
        need = -(-used // m.page)
        slot = m.choose(need)
        if slot < 0 or not m.fits(need):
            self.rejected_pool_full += 1
            return VAttentionOutcome(REJECTED, POOL_FULL, request.id, used, slot, ())
        taken, reclaimed, have = m.map(request.id, slot, need)
        self.tokens[request.id] = used
        self.used += used
        self.admitted += 1
        return VAttentionOutcome(ADMITTED, None, request.id, used, slot, tuple(m.table(request.id)), taken, reclaimed,
                                 kept=have)

    def free_request(self, request_id: int) -> VAttentionOutcome:
        used = self.tokens.pop(request_id, None)
        if used is None:
            return VAttentionOutcome(NOOP, None, request_id, 0, -1, ())
        slot, held, unmapped = self.memory.release(request_id)
        self.used -= used
        return VAttentionOutcome(FREED, None, request_id, used, slot, held, unmapped=unmapped)

    def undo(self, outcome: VAttentionOutcome) -> None:
        if outcome.kind == ADMITTED:
            self.memory.unmap(outcome.taken, outcome.reclaimed, outcome.slot, outcome.kept)
            del self.tokens[outcome.request_id]
            self.used -= outcome.used
            self.admitted -= 1
        elif outcome.kind == REJECTED:
            self.rejected_pool_full -= 1
        elif outcome.kind == FREED:
            self.memory.unrelease(outcome.request_id, outcome.slot, len(outcome.pages), outcome.unmapped)
            self.tokens[outcome.request_id] = outcome.used
            self.used += outcome.used

    def clone(self) -> VAttentionAllocator:
        twin = copy.copy(self)
        twin.memory = self.memory.clone()
        twin.tokens = dict(self.tokens)
        return twin

    def tallies(self) -> tuple[int, ...]:
        m = self.memory
        reserved = m.held * m.page - self.used
        free = self.total_slots - m.unusable - self.used - reserved
        return (self.admitted, self.rejected_pool_full, 0, len(self.tokens), self.used, reserved, free,
                m.free_pages * m.page, m.held)

    def metrics(self, max_len: int, holes: bool = True) -> Metrics:
        admitted, rejected, _, live, used, reserved, free, largest, entries = self.tallies()
        m = self.memory
        return Metrics(admitted=admitted, rejected=rejected, rejected_pool_full=rejected, rejected_fragmented=0,
                       live=live, used=used, reserved=reserved, slack=0, free=free, unusable=m.unusable,
                       largest_free_run=largest, holes=self._holes() if holes else None, stranded=0,
                       block_table_entries=entries, total_slots=self.total_slots, retained=m.retained * m.page)

    def _holes(self) -> int:
        """Runs of consecutive free page ids (retained pages are free): where free memory lies."""
        held = sorted(p for slot, pages in enumerate(self.memory.mapped) for p in pages[:self.memory.need[slot]])
        runs, low = 0, 0
        for p in [*held, self.memory.num_pages]:
            runs += p > low
            low = p + 1
        return runs

    def snapshot(self) -> VirtualSnapshot:
        return self.memory.snapshot(self.tokens)

    def pool(self, max_len: int) -> Pool:
        return VAttentionPool(self.memory, self.tokens, self.virtual)


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

    def retained(self) -> int:
        return self.memory.retained * self.block_size

    def pool(self, progress: Progress, head: Request | None) -> Pool:
        return VAttentionPool(self.memory, {}, self.virtual, progress)

    def clone(self) -> VAttentionMemory:
        twin = copy.copy(self)
        twin.memory = self.memory.clone()
        return twin


def describe(setting: Setting, mode: str) -> str:
    """The pane's title: `2 MiB pages (1,024 tokens) · virtual`."""
    page = setting_page(setting)
    size = format_bytes(parse_bytes(setting["page_size"]))
    parts = [f"{size} pages ({page:,} tokens)"]
    if setting["sync"]:
        parts.append("sync")
    if setting["space"] == "virtual":
        parts.append("virtual")
    return " · ".join(parts)


def make(setting: Setting) -> VAttentionAllocator:
    return VAttentionAllocator(setting.total_slots, setting.max_len, setting_page(setting), setting["slots"],
                               setting["sync"], setting["space"] == "virtual")


def serve(setting: Setting, serving: Serving) -> VAttentionMemory:
    return VAttentionMemory(setting.total_slots, setting.max_len, setting_page(setting), setting["slots"],
                            setting["sync"], setting["watermark"], setting["space"] == "virtual")


def explain(setting: Setting, situation: str, used: int) -> str:
    """What this side does, for "what to watch": a sentence that begins with its verb."""
    page = setting_page(setting)
    pages = setting.total_slots // page
    if situation == "serving":
        return (f"maps a page of {page:,} tokens as each request is about to need it, {pages:,} pages in all, into "
                f"the request's own virtual range of {setting.max_len:,} tokens, and keeps a finished request's "
                "pages mapped for the next one in its slot.")
    if situation == "wave":
        need = -(-used // page)
        tail = need * page - used
        fit = min(pages // need, setting["slots"]) if need else setting["slots"]
        return (f"maps ⌈{used} / {page:,}⌉ = {need} page{'s' if need != 1 else ''} of {page:,} tokens into each "
                f"request's virtual range ({tail:,} slot{'s' if tail != 1 else ''} of tail waste), so "
                f"⌊{pages:,} / {need}⌋ = {pages // need:,} fit" + (f", and {setting['slots']} virtual slots "
                                                                      f"let {fit} run." if fit < pages // need else "."))
    return (f"maps ⌈tokens / {page:,}⌉ pages of {pages:,} from anywhere into each request's contiguous virtual "
            f"range, wasting less than a page each.")
