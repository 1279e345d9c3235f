"""Parallel sampling and beam search (PagedAttention §4.4): a request runs as several sequences.

With `--samples N` a request's N samples share its prompt; with `--beam-width K` its K beam
candidates share whatever they have in common. Every sequence of a request has the same
length (vLLM's benchmarks ignore the end-of-sequence token and generate exactly the output
length), so all of them append a token each tick.

Paged (`SharedPagedMemory`): each sequence has a block table; a block's reference count is the
number of tables holding it, and it goes back to the free queue (in the free order, released
last block first) when that reaches zero. Admission lays the prompt out once: every sequence's
table points at its blocks. Each tick, every sequence picks a parent among the request's
sequences before the tick (samples: itself; beams: the rule below), takes its parent's table —
the first child takes the table over, the others copy it and raise its blocks' counts; a parent
no child picked lets go of its table — and appends its token. At a block boundary each takes a
new block; otherwise a last block that more than one child holds is copied on write for all
but the last writer, who writes in place: so only a last, partial block is ever copied. After
every tick only full blocks are shared.

Beam model (deterministic, seeded): at decoding step s ≥ 1 each of the K new candidates is the
child of a beam drawn uniformly at random from the K current ones, from a stream of its own
(seed, request); candidates are ordered by parent. Step 0 takes the K best first tokens of the
one prompt, so every candidate descends from it. This is the paper's picture (Fig. 9): each
iteration the top K candidates come from some of the current beams, the beams none of them
come from are dropped and their blocks freed where no other candidate references them, and
beams that several candidates come from are forked. Picking parents uniformly assumes nothing
about which beam scores best; it makes candidates' histories merge a few steps back, so they
share all but their last few blocks, as the paper describes.

Preemption recomputes (as in event mode's engine): a readmitted request's sequences share its
prompt's full blocks and each holds the rest of its tokens in blocks of its own.

Contiguous (`ContiguousGroups`, Orca): every sequence reserves a run of its own, as for a
request of one; forking a beam copies tokens between runs, which changes no memory.
"""

from __future__ import annotations

import copy
import random
from functools import lru_cache
from collections import Counter
from itertools import chain
from typing import Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence

from fragtui.sim.allocators.outcomes import ADMITTED
from fragtui.sim.allocators.free_queues import FreeQueue, free_queue
from fragtui.sim.pool import BlockStarts, Holding, Pool, Progress
from fragtui.sim.allocators.adapters import BlocksAlike
from fragtui.sim.allocators.refcounts import RefCounts
from fragtui.sim.workload.requests import Request
from fragtui.sim.engines.serving.memory import Levels, _ContiguousMemory


class Sequences:
    """The ids of requests' sequences. A request's first sequence keeps its id (so with one
    sequence a request is its own holding); the others are numbered after every request."""

    def __init__(self, width: int, request_ids: Iterable[int]) -> None:
        self.width = width
        self.offset = 1 + max(request_ids, default=-1)

    def ids(self, rid: int) -> tuple[int, ...]:
        base = self.offset + rid * (self.width - 1) - 1
        return (rid, *range(base + 1, base + self.width))

    def request(self, sid: int) -> int:
        return sid if sid < self.offset else (sid - self.offset) // (self.width - 1)

    def index(self, sid: int) -> int:
        """Which of its request's sequences `sid` is, from 0."""
        return 0 if sid < self.offset else (sid - self.offset) % (self.width - 1) + 1

    def name(self, sid: int) -> str:
        """`r7` for a request of one sequence; `r7.2` for the third of several."""
        rid = self.request(sid)
        return f"r{rid}" if self.width == 1 else f"r{rid}.{self.index(sid)}"


@lru_cache(maxsize=4096)
def beam_parents(seed: int, rid: int, width: int, steps: int) -> tuple[tuple[int, ...], ...]:
    """Each decoding step's parents, by candidate: step 0 all from the prompt (sequence 0's
    copy of it, which every sequence holds), then drawn uniformly, sorted. (Kept: a what-if
    that serves the same requests again draws the same beams.)"""
    rng = random.Random(f"beams:{seed}:{rid}")
    identity = tuple(range(width))
    return (identity, *(tuple(sorted(rng.randrange(width) for _ in range(width))) for _ in range(1, steps)))


class SharedPagedMemory:
    """Paged serving memory with reference-counted blocks shared by a request's sequences."""

    grows = True
    steps_every_tick = True

    def lead(self, final: int) -> int:
        return 0  # (it steps every tick: growth is not planned by phase)

    def __init__(self, total_slots: int, block_size: int, order: str, width: int, beams: bool,
                 prompts: Mapping[int, int], outputs: Mapping[int, int], seed: int) -> None:
        self.total_slots = total_slots
        self.block_size = block_size
        self.num_blocks = total_slots // block_size
        self.unusable = total_slots - self.num_blocks * block_size
        self.order = order
        self.width = width
        self.beams = beams
        self.prompts, self.outputs, self.seed = prompts, outputs, seed
        self.sequences = Sequences(width, prompts)
        self.reshapes = beams  # beams fork and drop: any table may change in any tick
        self.queue: FreeQueue = free_queue(order, self.num_blocks)
        self.free_blocks = self.num_blocks
        self.refs = RefCounts()  # the blocks held, and by how many tables (allocators/refcounts.py)
        self.groups: dict[int, list[list[int]]] = {}  # request -> its sequences' block tables
        self.lengths: dict[int, tuple[int, int]] = {}  # request -> (tokens per sequence, final)
        self.entries = 0  # Σ table lengths: the blocks the sequences would hold without sharing
        self.unfilled = 0  # slots of held blocks past their tokens (only last blocks are partial)
        self.never = 0  # of those, slots past the final length: never to be filled
        self.copies = 0
        self._parents: dict[int, tuple[tuple[int, ...], ...]] = {}  # beam schedules, shared by clones
        self._identity = tuple(range(width))  # every sequence its own parent
        self._children: dict[tuple[int, ...], tuple[int, ...]] = {}  # parents -> children of each sequence

    @property
    def held_blocks(self) -> int:
        return self.num_blocks - self.free_blocks

    def never_fits(self, request: Request) -> bool:
        """At its longest, with only the prompt's full blocks shared."""
        shared = request.prompt // self.block_size
        return shared + self.width * (-(-request.final // self.block_size) - shared) > self.num_blocks

    def fragmented(self, request: Request) -> bool:
        return False  # every free block is usable

    def admit(self, request: Request, tokens: int) -> bool:
        """Lay out `tokens` per sequence: all of them shared on a first admission (the prompt),
        the prompt's full blocks shared and the rest each sequence's own on a readmission."""
        rid, final = request.id, request.final
        bs, width = self.block_size, self.width
        blocks = -(-tokens // bs)
        shared = blocks if tokens == self.prompts[rid] else self.prompts[rid] // bs
        own = blocks - shared
        if shared + width * own > self.free_blocks:
            return False
        taken = self.queue.take(shared + width * own)
        refs = self.refs
        for block in taken[:shared]:
            refs.hold(block, width)
        for block in taken[shared:]:
            refs.hold(block)
        common = taken[:shared]
        self.groups[rid] = [common + taken[shared + j * own:shared + (j + 1) * own] for j in range(width)]
        self.free_blocks -= shared + width * own
        self.entries += width * blocks
        self.lengths[rid] = (tokens, final)
        self._tally(rid, 1)
        return True

    def release(self, rid: int, final: int) -> Sequence[int] | None:
        self._tally(rid, -1)
        tables = self.groups.pop(rid)
        for table in reversed(tables):
            self._let_go(table)
        self.entries -= sum(len(table) for table in tables)
        del self.lengths[rid]
        return None

    def step(self, rid: int, tokens: int, final: int) -> int | None:
        bs, refs, tables, width = self.block_size, self.refs, self.groups[rid], self.width
        generated = tokens - self.prompts[rid]
        parents = self._parents_at(rid, generated)
        if parents is self._identity and generated:
            return self._append(rid, tokens, final)  # each its own way: no fork, no drop, no copy
        children = self._children.get(parents)
        if children is None:
            children = self._children[parents] = tuple(map(parents.count, range(width)))
        # What the tick needs, worked out before anything changes. A request's tables are all
        # as long as each other and a block sits at the same place in every table holding it
        # (a fork copies a table, and each grows at its end), so a last block is held only as
        # a last block; no other request holds these blocks.
        boundary = tokens % bs == 0
        if boundary:
            need = width  # a new block each
        else:  # a last block several children hold is copied for all but the last writer
            after: dict[int, int] = {}
            for table, count in zip(tables, children):
                after[table[-1]] = after.get(table[-1], 0) + count
            need = sum(after[block] - 1 for block in {tables[i][-1] for i in parents})
        if need > self.free_blocks and need > self.free_blocks + self._freed(tables, children):
            return None
        self._tally(rid, -1)
        for table, count in zip(tables, children):  # parents no child picked let go
            if not count:
                self._let_go(table)
        new_tables, taken_over = [], set()
        for i in parents:
            table = tables[i]
            if i in taken_over:  # a fork: a copy of the table, its blocks held once more
                refs.update(zip(table, map((1).__add__, map(refs.__getitem__, table))))
                table = list(table)
            else:
                taken_over.add(i)
            new_tables.append(table)
        if boundary:
            for table, block in zip(new_tables, self.queue.take(need)):
                table.append(block)  # (tables only grow in place: the picture keeps the old ones)
                refs[block] = 1
            self.entries += width
        elif need:
            fresh = iter(self.queue.take(need))
            for j, table in enumerate(new_tables):
                last = table[-1]
                if refs[last] > 1:  # copy on write
                    block = next(fresh)
                    refs[last] -= 1
                    refs[block] = 1
                    new_tables[j] = table[:-1] + [block]
            self.copies += need
        self.free_blocks -= need
        self.groups[rid] = new_tables
        self.lengths[rid] = (tokens + 1, final)
        self._tally(rid, 1)
        return need

    def _freed(self, tables: list[list[int]], children: tuple[int, ...]) -> int:
        """Blocks no child will hold: those that only tables no child picked hold (asked only
        when the free queue alone is short)."""
        dropped = Counter(chain.from_iterable(table for table, count in zip(tables, children) if not count))
        refs = self.refs
        return sum(1 for block, count in dropped.items() if refs[block] == count)

    def grow(self, rid: int, tokens: int, final: int) -> bool:
        raise NotImplementedError("shared sequences step every tick instead")

    def grow_each(self, request_ids: list[int], overshoot: int) -> None:
        raise NotImplementedError("shared sequences step every tick instead")

    def levels(self, head: Request | None) -> Levels:
        held = self.held_blocks * self.block_size
        return held - self.never, held, 0, 0

    def tokens_held(self, tokens: int) -> int:
        return self.held_blocks * self.block_size - self.unfilled

    def blocks_now(self) -> tuple[int, int]:
        return self.entries, self.held_blocks

    def lookups(self) -> tuple[int, int]:
        return 0, 0

    def pool(self, progress: Progress, head: Request | None) -> Pool:
        return SequencePool(self, progress)

    def clone(self) -> SharedPagedMemory:
        twin = copy.copy(self)
        twin.queue = self.queue.copy()
        twin.refs = self.refs.copy()
        twin.groups = {rid: [list(table) for table in tables] for rid, tables in self.groups.items()}
        twin.lengths = dict(self.lengths)
        return twin

    # -- inside ----------------------------------------------------------------------------

    def _append(self, rid: int, tokens: int, final: int) -> int | None:
        """`step` where every sequence continues its own table, whose last block it alone holds
        (samples after their first token; sequences recomputed after a preemption)."""
        if tokens % self.block_size:
            self._tally(rid, -1)
            self.lengths[rid] = (tokens + 1, final)
            self._tally(rid, 1)
            return 0
        if self.width > self.free_blocks:
            return None
        self._tally(rid, -1)
        refs = self.refs
        for table, block in zip(self.groups[rid], self.queue.take(self.width)):
            table.append(block)
            refs[block] = 1
        self.free_blocks -= self.width
        self.entries += self.width
        self.lengths[rid] = (tokens + 1, final)
        self._tally(rid, 1)
        return self.width

    def _parents_at(self, rid: int, step: int) -> tuple[int, ...]:
        if not self.beams or step == 0:
            return self._identity
        schedule = self._parents.get(rid)
        if schedule is None:
            schedule = self._parents[rid] = beam_parents(self.seed, rid, self.width, self.outputs[rid])
        return schedule[step]

    def _let_go(self, table: list[int]) -> None:
        """A table's references go; blocks nobody else holds return to the queue, last first."""
        refs, gone = self.refs, []
        for block in table:
            count = refs[block] - 1
            if count:
                refs[block] = count
            else:
                del refs[block]
                gone.append(block)
        if gone:
            self.queue.give(gone)
            self.free_blocks += len(gone)

    def _tally(self, rid: int, sign: int) -> None:
        """Add (or take away) request `rid`'s partial last blocks to the unfilled slots."""
        tokens, final = self.lengths[rid]
        bs = self.block_size
        gap = -tokens % bs
        if not gap:
            return
        lasts = len({table[-1] for table in self.groups[rid]})
        end = tokens + gap  # where the last blocks end
        self.unfilled += sign * lasts * gap
        self.never += sign * lasts * max(0, end - final)


class SequencePool(BlocksAlike):
    """Shared paged memory through the pool contract: a holding per sequence."""

    def __init__(self, memory: SharedPagedMemory, progress: Progress) -> None:
        self.memory = memory
        self.progress = progress
        self.total_slots = memory.total_slots
        self.block_size = memory.block_size
        self.unusable = memory.unusable

    def holding(self, sid: int) -> Holding | None:
        sequences = self.memory.sequences
        tables = self.memory.groups.get(sequences.request(sid))
        if tables is None:
            return None
        bs = self.block_size
        table = tables[sequences.index(sid)]
        return Holding(sid, BlockStarts(table, bs), bs, self.progress.tokens(sid), self.progress.reach(sid),
                       len(table) * bs)

    def holdings(self) -> Iterator[Holding]:
        for rid in self.memory.groups:
            for sid in self.memory.sequences.ids(rid):
                holding = self.holding(sid)
                assert holding is not None
                yield holding

    shares = True

    def holders(self, block: int) -> int:
        return self.memory.refs.of(block)

    def copies(self, block: int) -> int:
        return 0

    def cached_blocks(self) -> Collection[int]:
        return ()


class ContiguousGroups(_ContiguousMemory):
    """Orca with several sequences a request: a run each, all reserved at admission or none."""

    def __init__(self, make: Callable[[], Any], total_slots: int, max_len: int, reservation: str, width: int,
                 request_ids: Iterable[int]) -> None:
        super().__init__(make, total_slots, max_len, reservation)
        self.width = width
        self.sequences = Sequences(width, request_ids)
        self._fits: dict[int, bool] = {}  # reservation -> whether `width` runs fit an empty pool

    def never_fits(self, request: Request) -> bool:
        need = self.reservation_of(request)
        fits = self._fits.get(need)
        if fits is None:  # try it: a buddy allocator's chunks may not pack as their sum suggests
            empty = self.make()
            fits = self._fits[need] = all(empty.admit(Request(j, request.final, need)).kind == ADMITTED
                                          for j in range(self.width))
        return not fits

    def admit(self, request: Request, tokens: int) -> bool:
        rid, final, need = request.id, request.final, self.reservation_of(request)
        if self.allocator.largest < need:
            return False
        outcomes = []
        for sid in self.sequences.ids(rid):
            outcome = self.allocator.admit(Request(sid, final, need))
            outcomes.append(outcome)
            if outcome.kind != ADMITTED:
                for done in reversed(outcomes):  # all or nothing: put everything back
                    self.allocator.undo(done)
                return False
        self.final_sum += final * self.width
        self.held += sum(outcome.length for outcome in outcomes)
        self.slack += sum(outcome.length - need for outcome in outcomes)
        return True

    def release(self, rid: int, final: int) -> Sequence[int] | None:
        self.final_sum -= final * self.width
        for sid in self.sequences.ids(rid):
            outcome = self.allocator.free_request(sid)
            self.held -= outcome.length
            self.slack -= outcome.length - outcome.reservation
        return None

