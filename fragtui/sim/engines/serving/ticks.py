"""The serving engine: every piece of state that moves, and the ticks that move it."""

from __future__ import annotations

import copy
from collections import deque
from bisect import bisect_left
from heapq import heappop, heappush
from typing import NamedTuple, Sequence, TypeAlias

from fragtui.sim.engines.jumps import FRAGMENTED_BIT, NEVER_FITS, PREEMPTED, REFUSED
from fragtui.sim.engines.serving.memory import Memory
from fragtui.sim.engines.serving.stream import Stream
from fragtui.sim.measures.breakdown import Breakdown
from fragtui.sim.workload.requests import Request

NEVER = float("inf")
_new = tuple.__new__  # named tuples made in one C call: a tick must cost next to nothing
# Σ over ticks of: tokens held, slots holdings will fill, slots held, rounding slack, stranded.
Sums = tuple[int, int, int, int, int]


# What `stretch` ran in one go: who grew a block and who completed, by id, and where the
# stretch's arrivals start in the stream (a plain tuple, as Levels: a stretch is most ticks).
Stretch: TypeAlias = tuple[list[int], list[int], int]  # (grown, completed, first_arrival)


class Tick(NamedTuple):
    """What one tick run in full did, by request id (`run_tick`)."""

    tick: int
    freed: list[int]
    arrivals: tuple[int, int]  # the stream's [start, end) that arrived
    admitted: list[int]
    rejected: list[int]
    grown: list[int]
    preempted: list[int]
    completed: list[int]
    batch: int
    copies: int
    released: tuple[int, ...]


class Window(NamedTuple):
    """The tallies when the steady-state window opened (see _Engine.warmup)."""

    tick: int
    queued_ticks: int
    batch_sum_queued: int
    sums_queued: Sums
    arriving_ticks: int
    batch_sum_arriving: int

class _Engine:
    """Every piece of state that moves. `clone` is a checkpoint.

    A running request's entry is (admission seq, base, final): it holds base + tick tokens at
    the start of tick `tick`'s step 4. Paged growth needs no planning: a request crosses a
    block boundary exactly on the ticks t with (base + t) % block_size == 0, so requests are
    filed by that phase and tick t grows the file for t % block_size. Memory that takes a block
    `lead` tokens before it is needed (`Memory.lead`) is filed as if it held `lead` more: its
    phase entry is (seq, base + lead, final), and what it grows to is reckoned from that.
    """

    def __init__(self, stream: Stream, memory: Memory, block_size: int, warmup: int = 0, logs: bool = True) -> None:
        self.requests = stream.requests  # by (arrival_tick, id)
        self.by_id = stream.by_id
        self.doomed = frozenset(r.id for r in self.requests if memory.never_fits(r))
        self.memory = memory
        self.block_size = block_size
        self.tick = 0
        self.running: dict[int, tuple[int, int, int]] = {}  # id -> entry, in admission order
        self.phases: dict[int, dict[int, tuple[int, int, int]]] = {}  # paged: phase -> id -> entry
        self.frees: list[tuple[int, int, int]] = []  # heap of (tick, seq, id): step 1's work
        self.finishes: list[tuple[int, int, int]] = []  # heap of (last append's tick, seq, id)
        self.preempted: deque[tuple[int, int]] = deque()  # (id, generated): front of the queue
        self.next_fresh = 0  # requests[next_fresh:next_arrival] wait, never admitted
        self.next_arrival = 0
        self.seq = 0
        self.base_sum = 0  # Σ base of running: tokens held = base_sum + len(running) · tick
        self.blocked = False  # the head did not fit, and no memory was freed since
        self.released: tuple[int, ...] = ()  # blocks preempted requests gave back in the tick being run
        self.retry = False  # a preemption changed the queue: try admitting next tick
        self.admitted = self.completed = self.rejected = self.preemptions = 0
        self.generated = self.delay_sum = self.work = 0
        self.queued_ticks = self.batch_sum = self.batch_sum_queued = 0
        # Ticks before the last request arrived: a run's steady state under a load that never
        # fills memory, before the requests left running drain one by one.
        self.arriving_ticks = self.batch_sum_arriving = 0
        self.last_arrival = max((r.arrival_tick for r in self.requests), default=0)
        self.sums: Sums = (0, 0, 0, 0, 0)
        self.sums_queued: Sums = (0, 0, 0, 0, 0)
        self.block_sums = (0, 0)  # sharing: Σ over ticks of block-table entries and of blocks held
        # What happened, in order, for lists and jumps (`logs`; a run for metrics alone keeps
        # none: they grow with the stream, by about 100 MB for a million requests).
        self.logs = logs
        self.completed_log: list[int] = []  # shared by clones: the run's one future
        self.rejected_log: list[int] = []
        self.moments_log: list[tuple[int, int]] = []  # (tick, jumps flags), shared by clones too
        # The steady-state window opens after the tick in which the `warmup`-th request
        # completes: a snapshot of the tallies then, subtracted at the end. Completions only
        # happen in the last tick of a stretch, so the snapshot falls on a tick boundary.
        self.warmup = warmup
        self.window: Window | None = None
        self._open_window()

    def clone(self) -> _Engine:
        twin = copy.copy(self)
        twin.memory = self.memory.clone()
        twin.running = dict(self.running)
        twin.phases = {phase: dict(file) for phase, file in self.phases.items()}
        twin.frees = list(self.frees)
        twin.finishes = list(self.finishes)
        twin.preempted = deque(self.preempted)
        return twin

    @property
    def done(self) -> bool:
        """Every request completed or rejected, and the memory of the last given back: the run
        ends with its pools empty (a request that completes at tick t frees at tick t + 1)."""
        return self.completed + self.rejected == len(self.requests) and not self.running

    def head(self) -> Request | None:
        """The request at the head of the waiting queue; None if it is empty."""
        if self.preempted:
            return self.by_id[self.preempted[0][0]]
        if self.next_fresh < self.next_arrival:
            return self.requests[self.next_fresh]
        return None

    def next_event(self) -> float:
        """The first tick from now on that frees memory or may admit. Appends, completions,
        growths that find free blocks and arrivals behind a blocked head do not: `stretch`
        takes those."""
        t = self.tick
        if self.retry or (self.running and self.memory.steps_every_tick):  # (sharing changes every tick)
            return t
        tick = self.frees[0][0] if self.frees else NEVER
        if self.next_arrival < len(self.requests) and not self.blocked:
            tick = min(tick, self.requests[self.next_arrival].arrival_tick)
        return max(tick, t)

    def breakdown(self) -> Breakdown:
        tokens = self.memory.tokens_held(self.base_sum + len(self.running) * self.tick)
        return self.breakdown_of(1, (tokens, *self.memory.levels(self.head())))

    def breakdown_of(self, ticks: int, sums: Sums) -> Breakdown:
        """The mean breakdown over `ticks` ticks whose tallies add up to `sums`."""
        if not ticks:
            return Breakdown()
        tokens, cap, held, slack, stranded = sums
        unusable = self.memory.unusable * ticks
        free = self.memory.total_slots * ticks - unusable - held - stranded
        parts = (tokens, cap - tokens, held - slack - cap, slack, stranded, free, unusable)
        return Breakdown(*parts) if ticks == 1 else Breakdown(*(part / ticks for part in parts))

    # -- moving ------------------------------------------------------------------------

    def stretch(self, end: int) -> Stretch | None:
        """Run the ticks from now to `end` (exclusive), in which nothing frees memory or may
        be admitted, in one go; stop early before a tick whose growths would need more blocks
        than are free, since that tick preempts. Returns the ids that grew and that completed,
        and where this stretch's arrivals start in `requests`; None when the very first tick
        must preempt."""
        t, step, memory = self.tick, self.block_size, self.memory
        cap, held, slack, stranded = memory.levels(self.head())
        grown, cap_added, held_added = [], 0, 0  # the last two summed over the ticks
        if self.phases:
            phases, free = self.phases, memory.free_blocks
            count = filled = overshoot = 0  # so far: blocks, slots they will fill, slots past F
            # Visit only the ticks where some file grows, in order: a cycle of block_size
            # ticks at a time, each file at its phase. Between them the sums stay flat.
            due = sorted(phases)
            cycle, i = t - t % step, bisect_left(due, t % step)
            x = t  # the first tick not yet summed
            while True:
                if i == len(due):
                    cycle, i = cycle + step, 0
                g = cycle + due[i]  # the next tick with growth
                if g >= end:
                    break
                file = phases[due[i]]
                if count + len(file) > free:
                    end = g  # tick g preempts: the stretch stops before it
                    break
                cap_added += (g - x) * filled
                held_added += (g - x) * count
                reach = g + step  # a grower's new block takes it to base + reach slots
                for rid, (_, base, final) in file.items():
                    grown.append(rid)
                    if base + reach > final:  # (a block taken ahead of need may lie wholly past F)
                        overshoot += min(step, base + reach - final)
                count += len(file)
                filled = count * step - overshoot
                x, i = g, i + 1
            if end == t:
                return None
            cap_added += (end - x) * filled
            held_added = (held_added + (end - x) * count) * step
            if grown:
                memory.grow_each(grown, overshoot)
        ticks, n = end - t, len(self.running)
        completed = self._complete(end) if self.finishes and self.finishes[0][0] < end else []
        first_arrival, requests = self.next_arrival, self.requests
        if self.blocked:  # arrivals only lengthen a queue whose head cannot move
            while self.next_arrival < len(requests) and requests[self.next_arrival].arrival_tick < end:
                self.next_arrival += 1
        token_sum = memory.width * (ticks * self.base_sum + n * (ticks * t + ticks * (ticks + 1) // 2))
        self.generated += n * ticks
        self.work += 1 + len(grown)  # what replaying this costs, roughly
        self.tick = end
        sums = (token_sum, ticks * cap + cap_added, ticks * held + held_added, ticks * slack, ticks * stranded)
        self._account(ticks, n, sums)
        return grown, completed, first_arrival

    def run_tick(self) -> Tick:
        """Run one tick in full; returns what happened, by request id."""
        t = self.tick
        frees, running = self.frees, self.running
        self.retry = False
        # 1. finished requests free their memory
        freed = []
        while frees and frees[0][0] == t:
            _, seq, rid = heappop(frees)
            entry = running.get(rid)
            if entry is not None and entry[0] == seq:  # else preempted on its last tick
                self._remove(rid, entry)
                freed.append(rid)
        # 2. arrivals join the queue
        first_arrival = self.next_arrival
        requests, count = self.requests, len(self.requests)
        while self.next_arrival < count and requests[self.next_arrival].arrival_tick <= t:
            self.next_arrival += 1
        # 3. first come, first served, until the head does not fit
        admitted, rejected = ([], []) if self.blocked else self._admit(t)
        # 4. one token each: only growths across a block boundary need doing
        grown: list[int] = []
        preempted: list[int] = []
        memory = self.memory
        copies = memory.copies
        if memory.steps_every_tick:
            self.work += len(running)  # every request's sequences step: checkpoint often enough
            self._step_all(t, grown, preempted)
        elif self.phases and t % self.block_size in self.phases:
            self._grow(t, grown, preempted)
        # The batch: who appended a token, those that finished with it included; a request
        # preempted in step 4 did not run (vLLM preempts while it schedules, before the batch).
        batch = len(running)
        completed = self._complete(t + 1) if self.finishes and self.finishes[0][0] == t else []
        if (preempted or rejected) and self.logs:
            self._note(t, (PREEMPTED if preempted else 0) | (NEVER_FITS if rejected else 0))
        self.generated += batch
        self.tick = t + 1
        self.work += 1 + len(freed) + len(admitted) + len(grown) + len(preempted)
        tokens = memory.tokens_held(self.base_sum + len(running) * (t + 1))
        self._account(1, batch, (tokens, *memory.levels(self.head())))
        if memory.steps_every_tick:
            entries, held = memory.blocks_now()
            entries_sum, held_sum = self.block_sums
            self.block_sums = (entries_sum + entries, held_sum + held)
        arrived = (first_arrival, self.next_arrival)
        released, self.released = self.released, ()
        return _new(Tick, (t, freed, arrived, admitted, rejected, grown, preempted, completed, batch,
                           memory.copies - copies, released))

    def _admit(self, t: int) -> tuple[list[int], list[int]]:
        memory, preempted, requests = self.memory, self.preempted, self.requests
        admitted, rejected = [], []
        while True:
            if preempted:
                rid, generated = preempted[0]
                request, fresh = self.by_id[rid], False
            elif self.next_fresh < self.next_arrival:
                request, generated, fresh = requests[self.next_fresh], 0, True
                rid = request.id
            else:
                break
            tokens = request.used - request.output + generated  # (the prompt, inline: the hot path)
            if rid in self.doomed:
                if self.logs and len(self.rejected_log) == self.rejected:
                    self.rejected_log.append(rid)
                self.rejected += 1
                rejected.append(rid)
            elif memory.admit(request, tokens):
                admitted.append(rid)
                if fresh:
                    self.admitted += 1
                    self.delay_sum += t - request.arrival_tick
                self._start(t, rid, tokens, request.final)
            else:
                self.blocked = True  # head-of-line blocking, until memory is freed
                if self.logs:
                    self._note(t, REFUSED | (FRAGMENTED_BIT if memory.fragmented(request) else 0))
                break
            if fresh:
                self.next_fresh += 1
            else:
                preempted.popleft()
        return admitted, rejected

    def _start(self, t: int, rid: int, tokens: int, final: int) -> None:
        """File a just-admitted request and plan its completion and free."""
        self.seq += 1
        seq, base = self.seq, tokens - t
        entry = self.running[rid] = (seq, base, final)
        self.base_sum += base
        last = final - 1 - base  # the tick of its last append
        heappush(self.finishes, (last, seq, rid))
        heappush(self.frees, (last + 1, seq, rid))
        if self.memory.grows and not self.memory.steps_every_tick:
            lead = self.memory.lead(final)
            self.phases.setdefault(-(base + lead) % self.block_size, {})[rid] = (seq, base + lead, final) if lead \
                else entry

    def _grow(self, t: int, grown: list[int], preempted: list[int]) -> None:
        """Step 4 at tick t: a block for each request at a boundary, oldest admission first."""
        running, memory = self.running, self.memory
        growers = list(self.phases[t % self.block_size].items())
        # While blocks last nobody is preempted: the first ones grow in one go.
        easy = growers[:memory.free_blocks]
        if easy:
            rids = [rid for rid, _ in easy]
            reach = t + self.block_size  # a grower's new block takes it to base + reach slots
            overshoot = sum([min(self.block_size, base + reach - final) for _, (_, base, final) in easy
                             if base + reach > final])
            memory.grow_each(rids, overshoot)
            grown += rids
        for rid, entry in growers[len(easy):]:
            now = running.get(rid)
            if now is None or now[0] != entry[0]:
                continue  # preempted by an earlier grower
            _, base, final = entry  # (base + t: what its blocks cover now)
            while not memory.grow(rid, base + t, final):
                victim = next(reversed(running))  # the most recently admitted
                self._preempt(t, victim)
                preempted.append(victim)
                if victim == rid:
                    break
            else:
                grown.append(rid)

    def _note(self, t: int, flags: int) -> None:
        """Log tick t's moments (for jumps) the first time it runs; a replay finds them logged.
        Ticks first run in order, so the log stays sorted."""
        log = self.moments_log
        if not log or log[-1][0] < t:
            log.append((t, flags))
        elif log[-1][0] == t:
            log[-1] = (t, log[-1][1] | flags)
    def _step_all(self, t: int, grown: list[int], preempted: list[int]) -> None:
        """Step 4 where a request's sequences share blocks: each running request, oldest first,
        appends a token to each sequence (sharing.py), preempting the newest when blocks run out."""
        running, memory = self.running, self.memory
        for rid, entry in list(running.items()):
            if running.get(rid) is not entry:
                continue  # preempted by an older request's step
            _, base, final = entry
            took = memory.step(rid, base + t, final)
            while took is None:
                victim = next(reversed(running))  # the most recently admitted
                self._preempt(t, victim)
                preempted.append(victim)
                if victim == rid:
                    break
                took = memory.step(rid, base + t, final)
            if took:
                grown.append(rid)

    def _complete(self, before: int) -> list[int]:
        """Count the completions due before tick `before`, by tick then admission."""
        finishes, running, log = self.finishes, self.running, self.completed_log
        completed = []
        while finishes and finishes[0][0] < before:
            _, seq, rid = heappop(finishes)
            entry = running.get(rid)
            if entry is not None and entry[0] == seq:  # else preempted before its last token
                if self.logs and len(log) == self.completed:
                    log.append(rid)
                self.completed += 1
                completed.append(rid)
        return completed

    def _preempt(self, t: int, rid: int) -> None:
        entry = self.running[rid]
        given_back = self._remove(rid, entry)
        if given_back:  # (prefix caching: what the picture must look at again, see SideRecord.released)
            self.released += tuple(given_back)
        generated = entry[1] + t - self.by_id[rid].prompt  # kept for readmission
        self.preempted.appendleft((rid, generated))
        self.preemptions += 1
        self.retry = True

    def _remove(self, rid: int, entry: tuple[int, int, int]) -> Sequence[int] | None:
        """Take a request off the running list and give its memory back; the blocks it gave
        back where the memory says (prefix caching)."""
        _, base, final = entry
        del self.running[rid]
        if self.phases:
            phase = -(base + self.memory.lead(final)) % self.block_size
            file = self.phases[phase]
            del file[rid]
            if not file:
                del self.phases[phase]
        given_back = self.memory.release(rid, final)
        self.base_sum -= base
        self.blocked = False
        return given_back

    def _open_window(self) -> None:
        if self.window is None and self.completed >= self.warmup:
            self.window = Window(self.tick, self.queued_ticks, self.batch_sum_queued, self.sums_queued,
                                 self.arriving_ticks, self.batch_sum_arriving)

    def _account(self, ticks: int, batch: int, sums: Sums) -> None:
        """Add `ticks` ticks to the averages: `sums` are their tallies (see Sums)."""
        a, b, c, d, e = sums
        a_, b_, c_, d_, e_ = self.sums
        self.sums = (a_ + a, b_ + b, c_ + c, d_ + d, e_ + e)
        self.batch_sum += batch * ticks
        arriving = min(self.tick, self.last_arrival) - (self.tick - ticks)  # of ticks [tick - ticks, tick)
        if arriving > 0:
            self.batch_sum_arriving += batch * arriving
            self.arriving_ticks += arriving
        if self.preempted or self.next_fresh < self.next_arrival:  # the queue is not empty
            a_, b_, c_, d_, e_ = self.sums_queued
            self.sums_queued = (a_ + a, b_ + b, c_ + c, d_ + d, e_ + e)
            self.batch_sum_queued += batch * ticks
            self.queued_ticks += ticks
        if self.window is None:
            self._open_window()
