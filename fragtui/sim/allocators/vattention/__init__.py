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
  "best fit", exactly as written). ASSUMPTION: by default as many slots as the pool has pages,
  at most the code's 999 (`max_batch_size < 1000`, vattention.cu:107), so that slots bind only
  where the implementation would: `max_batch_size` is the scheduler's `max_num_seqs`
  (arg_utils.py:165), a cap fragtui models for no side; `slots=128` pins the authors' benchmark
  configuration (default.yml:82). A request that finds every slot taken is refused (event
  mode) or waits (serving mode).
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

import re
from typing import TYPE_CHECKING

from fragtui.sim.allocators.vattention.event import VAttentionAllocator, VAttentionOutcome
from fragtui.sim.allocators.vattention.pages import (DEFAULT_MODEL, DEFAULT_PAGE, EAGER_TOKENS,
                                                     MAX_SLOTS, PAGE_SIZES, SPACES, VirtualMemory, VirtualSnapshot,
                                                     page_tokens)
from fragtui.sim.allocators.vattention.serving import VAttentionMemory
from fragtui.sim.config.kv import format_bytes, parse_bytes
from fragtui.sim.errors import ParamError
from fragtui.sim.numbers import NumberError, whole

if TYPE_CHECKING:
    from fragtui.sim.allocators.registry import Setting
    from fragtui.sim.engines.serving.memory import Serving

__all__ = ["DEFAULT_MODEL", "DEFAULT_PAGE", "EAGER_TOKENS", "MAX_SLOTS", "PAGE_SIZES", "SPACES",
           "VAttentionAllocator", "VAttentionMemory", "VAttentionOutcome", "VirtualMemory", "VirtualSnapshot",
           "check", "describe", "explain", "make", "page_tokens", "read_page_size", "read_slots", "serve"]


def read_page_size(text: str) -> str:
    """A page size as text, any unit (`2MB`, `2048KiB`; the code's KB is 1,024 bytes): one of
    PAGE_SIZES."""
    try:
        size = parse_bytes(re.sub(r"(?i)([km])b\s*$", r"\1iB", text.strip()))  # (the code's KB and MB are binary)
    except ParamError:
        size = 0
    for name in PAGE_SIZES:
        if parse_bytes(name) == size:
            return name
    raise ParamError("page_size", text, "must be one of " + ", ".join(PAGE_SIZES) + " (the pages vAttention maps)")


def read_slots(text: str) -> int | None:
    """A number of virtual slots, or `auto` (None: as many as the pool has pages, at most 999)."""
    if text.strip().lower() in ("auto", "none"):
        return None
    try:
        return whole(text, 1, MAX_SLOTS)
    except NumberError as error:
        raise ParamError("slots", text, error.allowed + ", or auto") from None


def setting_slots(setting: Setting) -> int:
    """The virtual slots: pinned, or as many as there are pages (at most MAX_SLOTS)."""
    slots: int | None = setting["slots"]
    return slots if slots is not None else max(1, min(setting.total_slots // setting_page(setting), MAX_SLOTS))


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


def describe(setting: Setting, mode: str) -> str:
    """The pane's title: `2 MiB pages (1,024 tokens) · virtual`."""
    page = setting_page(setting)
    size = format_bytes(parse_bytes(setting["page_size"]))
    parts = [f"{size} pages ({page:,} tokens)"]
    if setting["slots"] is not None:
        parts.append(f"{setting['slots']} slots")
    if setting["sync"]:
        parts.append("sync")
    if setting["space"] == "virtual":
        parts.append("virtual")
    return " · ".join(parts)


def make(setting: Setting) -> VAttentionAllocator:
    return VAttentionAllocator(setting.total_slots, setting.max_len, setting_page(setting), setting_slots(setting),
                               setting["sync"], setting["space"] == "virtual")


def serve(setting: Setting, serving: Serving) -> VAttentionMemory:
    return VAttentionMemory(setting.total_slots, setting.max_len, setting_page(setting), setting_slots(setting),
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
        slots = setting_slots(setting)
        capped = f", but only {slots} have a virtual slot" if slots < pages // need else ""
        return (f"maps ⌈{used} / {page:,}⌉ = {need} page{'s' if need != 1 else ''} of {page:,} tokens into each "
                f"request's virtual range ({tail:,} slot{'s' if tail != 1 else ''} of tail waste), so "
                f"⌊{pages:,} / {need}⌋ = {pages // need:,} fit{capped}.")
    return (f"maps ⌈tokens / {page:,}⌉ pages of {pages:,} from anywhere into each request's contiguous virtual "
            f"range, wasting less than a page each.")
