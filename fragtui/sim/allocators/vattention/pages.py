"""vAttention's state, both modes alike: the free-page stack, each virtual slot's mapped pages
and who holds it (the rules, cited, are in this package's docstring)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import NamedTuple

from fragtui.sim.config.kv import DTYPES, parse_bytes, parse_model

PAGE_SIZES = ("64KiB", "128KiB", "256KiB", "2MiB")  # README.md:83 (the code's KB is 1,024 bytes)
DEFAULT_PAGE = "2MiB"  # utils.h:81: the stock driver's granularity
DEFAULT_MODEL = "llama-3-8b"  # ASSUMPTION where the run names none: a model the authors serve (scripts/utils.py:26-31)
MAX_SLOTS = 999  # vattention.cu:107 asserts max_batch_size < 1000: the most virtual slots
EAGER_TOKENS = 9  # EAGER_NUM_STEPS − 1 (vattention.cu:471-536)
SPACES = ("physical", "virtual")
IDLE = -1  # a slot no request holds



def page_tokens(page_size: str, model: str) -> int:
    """Tokens one page holds for `model`: page bytes over one token's K (or V) in one layer."""
    shape = parse_model(model)
    return parse_bytes(page_size) // (shape.kv_heads * shape.head_dim * DTYPES[shape.dtype])


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
