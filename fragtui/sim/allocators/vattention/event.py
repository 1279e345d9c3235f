"""vAttention in event mode: a request's pages mapped when it arrives, kept mapped to its slot
when it leaves (unless `sync`), each event undone exactly."""

from __future__ import annotations

import copy
from typing import Callable, NamedTuple, Sequence

from fragtui.sim.allocators.outcomes import ADMITTED, FREED, NOOP, POOL_FULL, REJECTED

NO_SLOT = "no-slot"  # a rejection's reason: every virtual request slot is taken
from fragtui.sim.allocators.vattention.drawn import VAttentionPool
from fragtui.sim.allocators.vattention.pages import Reclaimed, VirtualMemory, VirtualSnapshot
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.pool import Pool
from fragtui.sim.workload.requests import Request


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
        if self.reason == NO_SLOT:
            return "rejected: every virtual slot is taken"
        return "rejected, pool full"

class VAttentionAllocator:
    """vAttention in event mode: a request's pages are mapped when it arrives and kept
    mapped to its slot when it leaves (unless `sync`)."""

    rejected_fragmented = 0  # a page from anywhere serves: nothing strands

    def __init__(self, total_slots: int, max_len: int, page: int, slots: int, sync: bool = False,
                 virtual: bool = False) -> None:
        self.memory = VirtualMemory(total_slots, max_len, page, slots, deferred=not sync)
        self.total_slots = total_slots
        self.virtual = virtual
        self.tokens: dict[int, int] = {}  # id -> tokens held
        self.admitted = 0
        self.rejected_pool_full = 0
        self.rejected_no_slot = 0  # every virtual slot taken, whatever memory is free
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
        if not m.fits(need):  # memory first, as vLLM's scheduler asks its block manager first
            self.rejected_pool_full += 1
            return VAttentionOutcome(REJECTED, POOL_FULL, request.id, used, -1, ())
        slot = m.choose(need)
        if slot < 0:
            self.rejected_no_slot += 1
            return VAttentionOutcome(REJECTED, NO_SLOT, request.id, used, slot, ())
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
            if outcome.reason == NO_SLOT:
                self.rejected_no_slot -= 1
            else:
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
        return (self.admitted, self.rejected_pool_full + self.rejected_no_slot, 0, len(self.tokens), self.used,
                reserved, free,
                m.free_pages * m.page, m.held)

    def metrics(self, max_len: int, holes: bool = True) -> Metrics:
        admitted, rejected, _, live, used, reserved, free, largest, entries = self.tallies()
        m = self.memory
        return Metrics(admitted=admitted, rejected=rejected, rejected_pool_full=self.rejected_pool_full,
                       rejected_no_slot=self.rejected_no_slot, rejected_fragmented=0,
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
