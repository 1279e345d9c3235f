"""Serving mode (README: "Serving mode"): token by token, Orca's three reservations against paged."""

import math
import random
from collections import deque
from dataclasses import dataclass, field

import pytest

from fragtui.sim.config.sides import RUN_DEFAULTS, make_sides, one_side, parse_sides
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fragtui.sim.allocators.contiguous import ContiguousAllocator
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.workload.build import poisson_arrivals
from fragtui.sim.workload.requests import Request, served
from fragtui.sim.engines.serving import ServingRun, compare
from fragtui.sim.measures.breakdown import Breakdown
from fragtui.sim.engines.serving.side_by_side import sharing_savings
from fragtui.sim.engines.serving.stream import Stream

POLICIES = [
    dict(allocator="contiguous", reservation="max"),
    dict(allocator="contiguous", reservation="pow2"),
    dict(allocator="contiguous", reservation="oracle"),
    dict(allocator="paged"),
]


def R(rid, arrival, prompt, output):
    return served(rid, arrival, prompt, output)


def runs_held(run):
    """Contiguous holdings through the pool contract: (id, start, run length, tokens, reach)."""
    return tuple(sorted((h.id, h.starts[0], h.extent, h.tokens, h.reach) for h in run.pool.holdings()))


def blocks_held(run):
    """Paged holdings through the pool contract: (id, block table, tokens, reach), by admission."""
    bs = run.block_size
    return tuple((h.id, tuple(s // bs for s in h.starts), h.tokens, h.reach) for h in run.pool.holdings())


def free_space(run):
    """Free runs (contiguous) or free block ids in hand-out order (paged)."""
    allocator = run._engine.memory.allocator
    return tuple(allocator.free_block_ids() if run.side.allocator.family == "paged" else allocator.free_runs())


def ticks_of(run):
    records = []
    while (record := run.step()) is not None:
        records.append(record)
    return records


# -- hand-worked ticks ------------------------------------------------------------------------


def test_contiguous_max_reserves_max_len_and_the_queue_waits_in_order():
    # 20 slots, max_len 10: two runs of 10. r2 and r3 arrive at tick 1 and wait, in order.
    reqs = [R(0, 0, 3, 2), R(1, 0, 4, 5), R(2, 1, 2, 1), R(3, 1, 1, 1)]
    run = ServingRun(reqs, allocator="contiguous", reservation="max", total_slots=20, max_len=10)
    t0, t1, t2, t3, t4, t5 = ticks_of(run)
    assert (t0.admitted, t0.batch) == ((0, 1), 2)
    # r0 holds 4 of F=5 in 10, r1 5 of F=9 in 10
    assert t0.breakdown == Breakdown(token_states=9, reserved=5, internal=6, stranded=0, free=0, unusable=0)
    assert (t1.arrived, t1.admitted, t1.completed) == ((2, 3), (), (0,))
    assert t1.breakdown == Breakdown(token_states=11, reserved=3, internal=6)
    # r0's run is freed and goes to r2 (the head); r3 waits behind it
    assert (t2.freed, t2.admitted, t2.completed) == ((0,), (2,), (2,))
    assert t2.breakdown == Breakdown(token_states=10, reserved=2, internal=8)
    assert (t3.freed, t3.admitted, t3.completed) == ((2,), (3,), (3,))
    assert (t4.freed, t4.completed, t4.batch) == ((3,), (1,), 1)
    # r1 completed in tick 4; tick 5 gives its run back, and the run ends with the pool empty
    assert (t5.freed, t5.batch, t5.breakdown) == ((1,), 0, Breakdown(free=20))
    assert run.step() is None and run.done
    m = run.metrics()
    assert (m.ticks, m.completed, m.queued_ticks, m.tokens_generated) == (6, 4, 2, 9)
    assert (m.mean_batch, m.mean_batch_queued, m.mean_queueing_delay) == (1.5, 2.0, 0.75)  # batches 2 2 2 2 1 0
    assert m.throughput == pytest.approx(4 / 6)


def test_oracle_head_of_line_blocking_strands_the_short_run():
    # r1 needs 6 contiguous slots, only a run of 4 is free: it blocks r2, which would fit.
    reqs = [R(0, 0, 4, 2), R(1, 0, 5, 1), R(2, 0, 1, 1)]
    run = ServingRun(reqs, allocator="contiguous", reservation="oracle", total_slots=10, max_len=10)
    t0 = run.step()
    assert t0.admitted == (0,)
    assert [w.id for w in run.waiting()] == [1, 2]
    assert t0.breakdown == Breakdown(token_states=5, reserved=1, internal=0, stranded=4, free=0, unusable=0)
    assert runs_held(run) == ((0, 0, 6, 5, 6),)
    assert (tuple(run.pool.free_runs()), run.pool.stranded_below) == (((6, 4),), 6)
    t1, t2 = run.step(), run.step()
    assert t1.completed == (0,) and t1.breakdown.stranded == 4
    assert (t2.freed, t2.admitted, t2.completed) == ((0,), (1, 2), (1, 2))
    assert t2.breakdown == Breakdown(token_states=8, reserved=0, internal=0, stranded=0, free=2, unusable=0)
    t3 = run.step()
    assert (t3.freed, t3.batch) == ((1, 2), 0)
    assert run.step() is None
    assert run.metrics().mean_queueing_delay == pytest.approx(4 / 3)


def test_pow2_reserves_the_prompt_and_the_next_power_of_two_of_the_output_capped_at_max_len():
    # The paper's Pow2: prompt 3 + output 2 reserves 3 + 2 = 5; prompt 6 + output 3 reserves
    # 6 + 4 = 10; prompt 5 + output 5 would reserve 5 + 8 = 13, capped at 12.
    reqs = [R(0, 0, 3, 2), R(1, 0, 6, 3), R(2, 0, 5, 5)]
    run = ServingRun(reqs, allocator="contiguous", reservation="pow2", total_slots=32, max_len=12)
    t0 = run.step()
    assert runs_held(run) == ((0, 0, 5, 4, 5), (1, 5, 10, 7, 9), (2, 15, 12, 6, 10))
    assert t0.breakdown == Breakdown(token_states=17, reserved=7, internal=1 + 2, stranded=0, free=5, unusable=0)


def test_paged_grows_at_a_block_boundary_and_preempts_the_most_recently_admitted():
    # block_size 2, 4 blocks. r2 (1 block) arrives at tick 1 and waits behind the preempted r1.
    reqs = [R(0, 0, 2, 5), R(1, 0, 2, 3), R(2, 1, 1, 1)]
    run = ServingRun(reqs, allocator="paged", total_slots=8, max_len=8, block_size=2)
    t0 = run.step()  # both hold a full block of prompt: the first output token needs another
    assert (t0.admitted, t0.grown) == ((0, 1), (0, 1))
    assert blocks_held(run) == ((0, (0, 2), 3, 7), (1, (1, 3), 3, 5))
    assert t0.breakdown == Breakdown(token_states=6, reserved=2, internal=0, stranded=0, free=0, unusable=0)
    t1 = run.step()
    assert (t1.arrived, t1.admitted) == ((2,), ())
    t2 = run.step()  # r0 crosses a boundary with nothing free: r1, admitted last, is preempted
    assert (t2.preempted, t2.grown, t2.batch) == ((1,), (0,), 1)  # r1 did not run: the batch is r0
    assert [(w.id, w.generated) for w in run.waiting()] == [(1, 2), (2, 0)]  # r1 at the front
    assert free_space(run) == (1,)  # r1's blocks went back tail-first: 3, 1; r0 took 3
    assert t2.breakdown == Breakdown(token_states=5, reserved=1, internal=0, stranded=0, free=2, unusable=0)
    t3 = run.step()  # r1 needs 2 blocks for its 2 + 2 tokens; r2 would fit in 1 but waits
    assert (t3.admitted, t3.batch) == ((), 1)
    assert t3.breakdown == Breakdown(token_states=6, free=2)
    t4 = run.step()
    assert (t4.grown, t4.completed) == ((0,), (0,))
    assert t4.breakdown == Breakdown(token_states=7, reserved=0, internal=1, stranded=0, free=0, unusable=0)
    t5 = run.step()  # r1 is readmitted in two blocks, grows a third and completes, output kept
    assert (t5.freed, t5.admitted, t5.grown, t5.completed) == ((0,), (1, 2), (1,), (1, 2))
    assert blocks_held(run) == ((1, (1, 3, 0), 5, 5), (2, (2,), 2, 2))
    assert t5.breakdown == Breakdown(token_states=7, reserved=0, internal=1, stranded=0, free=0, unusable=0)
    t6 = run.step()  # the last blocks come back: the pool is empty and the run over
    assert (t6.freed, t6.batch, t6.breakdown) == ((1, 2), 0, Breakdown(free=8))
    assert run.step() is None
    m = run.metrics()
    assert (m.ticks, m.preemptions, m.completed, m.tokens_generated) == (7, 1, 3, 9)
    assert (m.mean_batch, m.mean_queueing_delay) == (9 / 7, 4 / 3)  # batches 2 2 1 1 1 2 0: the tokens made


def test_two_victims_in_one_tick_queue_up_earliest_admitted_first():
    # Four requests of one full block each: all four need a second block at tick 0.
    reqs = [R(i, 0, 2, 3) for i in range(4)]
    run = ServingRun(reqs, allocator="paged", total_slots=8, max_len=8, block_size=2)
    t0 = run.step()
    assert (t0.admitted, t0.grown, t0.preempted) == ((0, 1, 2, 3), (0, 1), (3, 2))
    assert [(w.id, w.generated) for w in run.waiting()] == [(2, 0), (3, 0)]
    t2 = (run.step(), run.step())[1]  # r0 outgrows its blocks again: r1 is the last admitted
    assert t2.preempted == (1,)
    assert [(w.id, w.generated) for w in run.waiting()] == [(1, 2), (2, 0), (3, 0)]


def test_a_grower_with_nobody_after_it_preempts_itself_and_keeps_its_output():
    reqs = [R(0, 0, 5, 3), R(1, 0, 4, 6), R(2, 1, 7, 2)]  # 5 blocks of 4, 2 slots unusable
    run = ServingRun(reqs, allocator="paged", total_slots=22, max_len=10, block_size=4)
    records = ticks_of(run)
    assert records[3].admitted == (2,)
    assert (records[4].grown, records[4].preempted) == ((1,), (2,))  # r2, last, preempts itself
    assert [(w.id, w.generated) for w in run.waiting()] == []
    run.goto(5)
    assert [(w.id, w.generated) for w in run.waiting()] == [(2, 1)]
    assert records[4].breakdown == Breakdown(token_states=9, reserved=1, internal=2, stranded=0, free=8, unusable=2)
    assert run.completed() == (0,)
    run.goto(100)
    assert (run.tick, run.completed(), run.metrics().preemptions) == (8, (0, 1, 2), 2)


def test_requests_that_could_never_fit_are_rejected_at_the_head():
    reqs = [R(0, 0, 3, 3), R(1, 0, 2, 2)]
    run = ServingRun(reqs, allocator="contiguous", reservation="max", total_slots=16, max_len=32)
    t0 = run.step()
    assert (t0.rejected, t0.admitted) == ((0, 1), ())
    assert run.step() is None
    assert (run.metrics().rejected, run.rejected(), run.end_tick) == (2, (0, 1), 1)
    paged = ServingRun([R(0, 0, 30, 3), R(1, 0, 2, 2)], allocator="paged", total_slots=32, max_len=64)
    assert paged.step().rejected == (0,)


def test_bad_requests_are_refused():
    for bad in ([R(0, 0, 5, 4)], [R(0, 0, 0, 1)], [R(0, 0, 1, 0)], [R(0, -1, 1, 1)], [R(0, 0, 1, 1), R(0, 1, 1, 1)]):
        with pytest.raises(ValueError):
            ServingRun(bad, allocator="paged", total_slots=16, max_len=8)
    with pytest.raises(ValueError):
        ServingRun([], allocator="middle", total_slots=16, max_len=8)


# -- the paged allocator's growth ------------------------------------------------------------


@pytest.mark.parametrize("order, grown", [("fifo", (0, 3, 4)), ("lifo", (0, 2, 1)), ("lowest", (0, 1, 2))])
def test_grow_takes_the_head_of_the_free_queue(order, grown):
    pool = PagedAllocator(8 * 4, 4, order)
    pool.admit(Request(0, 4, 64))  # [0]
    pool.admit(Request(1, 8, 64))  # [1, 2]
    pool.free_request(1)
    assert pool.grow(0) == grown[1]
    assert pool.tables[0] == (list(grown[:2]), 4)
    assert (pool.reserved, pool.block_table_entries, pool.free_blocks) == (4, 2, 6)
    twin = pool.clone()
    pool.grow_each([0])
    assert pool.tables[0][0] == list(grown) and twin.tables[0][0] == list(grown[:2])  # the clone stands apart
    assert twin.free_block_ids() != pool.free_block_ids()


@pytest.mark.parametrize("order", ["fifo", "lifo", "lowest"])
def test_grow_each_hands_out_what_growing_one_by_one_would(order):
    one, each = PagedAllocator(64, 4, order), PagedAllocator(64, 4, order)
    for pool in (one, each):
        for rid in range(3):
            pool.admit(Request(rid, 5, 64))
        pool.free_request(1)
    for rid in (0, 2, 0):
        one.grow(rid)
    each.grow_each([0, 2, 0])
    each.grow_each([])
    assert one.tables == each.tables and one.free_block_ids() == each.free_block_ids()
    assert (one.reserved, one.block_table_entries) == (each.reserved, each.block_table_entries)


def test_growing_with_nothing_free_raises():
    pool = PagedAllocator(8, 4)
    pool.admit(Request(0, 8, 64))
    with pytest.raises(ValueError):
        pool.grow(0)
    with pytest.raises(ValueError):
        pool.grow_each([0])


# -- a literal model: every request, every tick ----------------------------------------------


@dataclass
class Live:
    request: Request
    generated: int
    reservation: int = 0

    @property
    def tokens(self):
        return self.request.prompt + self.generated


@dataclass
class Reference:
    """The issue's four steps, done literally, with the breakdown computed from scratch."""

    requests: list
    allocator: str
    total_slots: int
    max_len: int
    block_size: int = 16
    reservation: str = "max"
    placement: str = "first"
    order: str = "fifo"
    tick: int = 0
    running: list = field(default_factory=list)
    waiting: deque = field(default_factory=deque)
    completed: list = field(default_factory=list)
    preemptions: int = 0
    batch_sum: int = 0

    def __post_init__(self):
        self.pending = deque(sorted(self.requests, key=lambda r: (r.arrival_tick, r.id)))
        if self.allocator == "paged":
            self.pool = PagedAllocator(self.total_slots, self.block_size, self.order)
        else:
            self.pool = ContiguousAllocator(self.total_slots, "max", self.placement)  # reserves what it is told

    def reserve(self, request):
        """The paper's rules (§6.1), written out: Pow2 over-reserves the output by at most 2×."""
        p, o = request.prompt, request.output
        if self.reservation == "max":
            return self.max_len
        if self.reservation == "oracle":
            return p + o
        return min(p + 2 ** math.ceil(math.log2(o)), self.max_len)

    def step(self):
        """One tick; returns what it did, by id, as the fields of a SideRecord."""
        pool, bs = self.pool, self.block_size
        did = {name: [] for name in ("freed", "arrived", "admitted", "rejected", "grown", "preempted", "completed")}
        for live in [r for r in self.running if r.generated == r.request.output]:
            pool.free_request(live.request.id)
            self.running.remove(live)
            did["freed"].append(live.request.id)
        while self.pending and self.pending[0].arrival_tick <= self.tick:
            self.waiting.append(Live(self.pending.popleft(), 0))
            did["arrived"].append(self.waiting[-1].request.id)
        while self.waiting:
            live = self.waiting[0]
            rid, final = live.request.id, live.request.final
            if self.allocator == "paged":
                if math.ceil(final / bs) > pool.num_blocks:
                    did["rejected"].append(self.waiting.popleft().request.id)
                    continue
                if math.ceil(live.tokens / bs) > pool.free_blocks:
                    break
                pool.admit(Request(rid, live.tokens, self.max_len))
            else:
                if self.reserve(live.request) > self.total_slots:
                    did["rejected"].append(self.waiting.popleft().request.id)
                    continue
                outcome = pool.admit(Request(rid, final, self.reserve(live.request)))
                if outcome.kind != "admitted":
                    break
                live.reservation = outcome.length
            self.running.append(self.waiting.popleft())
            did["admitted"].append(rid)
        for live in list(self.running):
            if live not in self.running:
                continue  # preempted this tick
            if self.allocator == "paged" and live.tokens == len(pool.tables[live.request.id][0]) * bs:
                while not pool.free_blocks:
                    victim = self.running.pop()
                    pool.free_request(victim.request.id)
                    self.waiting.appendleft(victim)
                    self.preemptions += 1
                    did["preempted"].append(victim.request.id)
                    if victim is live:
                        break
                if live not in self.running:
                    continue
                pool.grow(live.request.id)
                did["grown"].append(live.request.id)
            live.generated += 1
            if live.generated == live.request.output:
                self.completed.append(live.request.id)
                did["completed"].append(live.request.id)
        did["batch"] = len(self.running)  # who appended: the preempted did not
        self.batch_sum += len(self.running)
        self.tick += 1
        return {name: tuple(ids) if name != "batch" else ids for name, ids in did.items()}

    def breakdown(self):
        pool, bs = self.pool, self.block_size
        tokens = sum(r.tokens for r in self.running)
        if self.allocator == "paged":
            held = [len(pool.tables[r.request.id][0]) * bs for r in self.running]
            to_fill = sum(min(h, r.request.final) for h, r in zip(held, self.running))
            unusable, stranded = pool.unusable, 0
        else:
            held = [r.reservation for r in self.running]
            to_fill = sum(r.request.final for r in self.running)
            unusable, stranded = 0, 0
            if self.waiting:
                need = self.reserve(self.waiting[0].request)
                stranded = sum(n for _, n in pool.runs.runs() if n < need)
        free = self.total_slots - unusable - sum(held) - stranded
        return Breakdown(token_states=tokens, reserved=to_fill - tokens, internal=sum(held) - to_fill,
                         stranded=stranded, free=free, unusable=unusable)


@st.composite
def workloads(draw, max_requests=12):
    max_len = draw(st.sampled_from([8, 16, 40]))
    requests = []
    for rid in range(draw(st.integers(0, max_requests))):
        prompt = draw(st.integers(1, max_len - 1))
        output = draw(st.integers(1, max_len - prompt))
        requests.append(R(rid, draw(st.integers(0, 12)), prompt, output))
    pool = dict(
        total_slots=draw(st.integers(max_len // 2, 4 * max_len)),
        max_len=max_len,
        block_size=draw(st.sampled_from([1, 2, 3, 4, 8])),
        placement=draw(st.sampled_from(["first", "best", "worst", "next"])),
        order=draw(st.sampled_from(["fifo", "lifo", "lowest"])),
    )
    return requests, pool


def _state(run):
    """Everything a reader can see, for comparing two positions."""
    held = blocks_held(run) if run.side.allocator.family == "paged" else runs_held(run)
    return (run.tick, run.breakdown(), run.metrics(), held, free_space(run), run.running(), run.waiting(),
            run.completed(), run.rejected(), run.last)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.get("reservation", "paged"))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workload=workloads())
def test_every_tick_matches_the_literal_model_and_sums_to_the_pool(policy, workload):
    requests, pool = workload
    run = ServingRun(requests, **policy, **pool)
    ref = Reference(requests, **policy, **pool)
    while (record := run.step()) is not None:
        did = ref.step()
        assert {name: getattr(record, name) for name in did} == did
        assert record.index == ref.tick - 1
        assert record.breakdown == run.breakdown() == ref.breakdown()
        assert record.breakdown.total == pool["total_slots"]
        assert [(r.id, r.tokens) for r in run.running()] == [(r.request.id, r.tokens) for r in ref.running]
        assert [(w.id, w.generated) for w in run.waiting()] == [(w.request.id, w.generated) for w in ref.waiting]
        assert run.completed() == tuple(ref.completed)
        if policy["allocator"] == "paged":
            assert {rid: blocks for rid, blocks, _, _ in blocks_held(run)} == {
                rid: tuple(blocks) for rid, (blocks, _) in ref.pool.tables.items()}
            assert free_space(run) == tuple(ref.pool.free_block_ids())
        else:
            assert free_space(run) == tuple(ref.pool.runs.runs())
    m = run.metrics()
    assert (m.ticks, m.preemptions) == (ref.tick, ref.preemptions)
    assert m.mean_batch == (ref.batch_sum / ref.tick if ref.tick else 0.0)
    # nothing is lost: every request completed or was rejected, none is left waiting or running
    assert m.completed + m.rejected == len(requests) == len(run.completed()) + len(run.rejected())
    assert run.running() == ()  # the run ends with its memory given back
    assert m.tokens_generated == sum(r.output for r in requests if r.id in set(run.completed()))


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.get("reservation", "paged"))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workload=workloads(), data=st.data())
def test_goto_and_step_back_restore_everything_exactly(policy, workload, data):
    requests, pool = workload
    run = ServingRun(requests, **policy, **pool, checkpoint_every=3)
    states = [_state(run)]
    while run.step() is not None:
        states.append(_state(run))
    # forward without records (quiet stretches skipped) lands on the same state
    fast = ServingRun(requests, **policy, **pool, checkpoint_every=5).run()
    assert _state(fast) == states[-1]
    for target in data.draw(st.lists(st.integers(0, len(states) + 2), max_size=6)):
        run.goto(target)
        assert _state(run) == states[min(target, len(states) - 1)]
    run.goto(len(states) - 1)
    while run.tick:
        tick = run.tick
        assert run.step_back() == states[tick][-1]
        assert _state(run) == states[tick - 1]
    assert run.step_back() is None


@settings(max_examples=40, deadline=None)
@given(workload=workloads(max_requests=20), data=st.data())
def test_a_preempted_request_keeps_its_output_and_every_arrival_is_accounted_for(workload, data):
    requests, pool = workload
    run = ServingRun(requests, allocator="paged", **pool)
    generated = {}
    for _ in range(data.draw(st.integers(0, 60))):
        if run.step() is None:
            break
        now = {r.id: r.generated for r in run.running() + run.waiting()}
        for rid, before in generated.items():
            assert now.get(rid, before) >= before  # never goes back, running or waiting
        generated.update(now)
        seen = [r.id for r in run.running() + run.waiting()] + list(run.rejected())
        seen += [rid for rid in run.completed() if rid not in {r.id for r in run.running()}]
        arrived = [r.id for r in requests if r.arrival_tick < run.tick]
        assert sorted(seen) == sorted(arrived)


# -- the paper's setting ---------------------------------------------------------------------


def _lognormal(rng, mean, sigma):
    return max(1, round(rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)))


def opt13b_requests(count=400, rate=1.0, seed=7):
    """ShareGPT-like lengths (mean prompt 161, output 338), Poisson arrivals, F ≤ 2048."""
    rng = random.Random(seed)
    arrivals = poisson_arrivals(count, rate, rng)
    requests = []
    for rid, tick in enumerate(arrivals):
        prompt, output = _lognormal(rng, 161, 1.0), _lognormal(rng, 338, 1.0)
        if prompt + output <= 2048:  # the caller drops what the model cannot hold
            requests.append(R(rid, tick, prompt, output))
    return requests


PAPER_SIDES = ("max", "pow2", "oracle", "paged")


def test_the_paper_setting_orders_batch_sizes_and_token_shares():
    """PagedAttention Fig. 2 and 13: OPT-13B on an A100 holds 15,728 slots of KV cache."""
    sides = tuple(one_side(name, 15_728, 2048, block_size=16) for name in PAPER_SIDES)
    results = dict(zip(PAPER_SIDES, compare(opt13b_requests(), sides)))
    batch = {name: m.mean_batch_queued for name, m in results.items()}
    assert batch["max"] < batch["pow2"] < batch["oracle"] < batch["paged"], batch
    assert results["paged"].breakdown_queued.share("token_states") > 0.9
    assert results["max"].breakdown_queued.share("token_states") < 0.4
    for m in results.values():
        assert m.completed + m.rejected == len(opt13b_requests())
        assert m.queued_ticks > m.ticks / 2  # the queue is what bounds the batch
        assert m.breakdown.total == pytest.approx(15_728) == m.breakdown_queued.total


def test_runs_side_by_side_in_worker_processes_give_the_same_metrics():
    """compare forks a worker per run for long streams; a short one is forced here. The workers
    inherit the stream and send back metrics equal, field for field, to a run in this process."""
    requests = opt13b_requests(count=150)
    sides = make_sides(parse_sides(",".join(PAPER_SIDES)), 15_728, 2048, RUN_DEFAULTS)
    here = compare(requests, sides, workers=1)
    assert compare(requests, sides, workers=2) == here and len(here) == 4
    savings = sharing_savings(requests, kind="samples", widths=(2, 4), total_slots=15_728, max_len=2048, workers=2)
    assert savings == sharing_savings(requests, kind="samples", widths=(2, 4), total_slots=15_728, max_len=2048,
                                      workers=1)
    assert 0 < savings[2] < savings[4]


def test_a_stream_is_checked_once_and_refuses_an_id_twice():
    with pytest.raises(ValueError, match="request id 1 appears twice"):
        Stream([R(0, 0, 1, 1), R(1, 0, 1, 1), R(1, 2, 1, 1)], max_len=8)
    stream = Stream([R(5, 3, 2, 2), R(4, 3, 1, 1), R(9, 0, 1, 7)], max_len=8)
    assert [r.id for r in stream.requests] == [9, 4, 5]  # by arrival, then id
    assert {rid: r.final for rid, r in stream.by_id.items()} == {9: 8, 4: 2, 5: 4}


def test_poisson_arrivals_are_seeded_sorted_and_about_the_rate():
    ticks = poisson_arrivals(2000, 0.5, random.Random(3))
    assert ticks == poisson_arrivals(2000, 0.5, random.Random(3))
    assert ticks == sorted(ticks) and ticks[0] >= 0
    assert 3600 < ticks[-1] < 4400  # 2000 gaps of mean 2
    with pytest.raises(ValueError):
        poisson_arrivals(3, 0, random.Random(0))


def test_the_steady_state_window_opens_after_the_warmup_completions():
    """Six requests of 1 + 2 tokens, two at a time (runs of 4 in 8 slots): they run in ticks 0-1,
    2-3 and 4-5; the queue is non-empty at the end of ticks 0-3. The second completion comes in
    tick 1, so a warm-up of 2 leaves ticks 2-3 in the steady window."""
    reqs = [R(i, 0, 1, 2) for i in range(6)]
    run = ServingRun(reqs, allocator="contiguous", reservation="max", total_slots=8, max_len=4, warmup=2).run()
    m = run.metrics()
    assert (m.ticks, m.queued_ticks, m.warmup_ticks, m.steady_queued_ticks) == (7, 4, 2, 2)
    assert (m.mean_batch_queued, m.steady_mean_batch_queued) == (2.0, 2.0)
    # ticks 2 and 3 hold 2 requests of 2 then 3 tokens in runs of 4: 10 token states of 16 slots
    assert m.steady_breakdown_queued == Breakdown(token_states=5, reserved=1, internal=2)
    never = ServingRun(reqs, allocator="contiguous", total_slots=8, max_len=4, warmup=7).run().metrics()
    assert (never.warmup_ticks, never.steady_queued_ticks, never.steady_breakdown_queued) == (7, 0, Breakdown())


def test_a_watermark_keeps_blocks_free_at_admission_but_not_for_growth():
    # 10 one-slot blocks, watermark 0.2: an admission must leave 2 blocks free.
    reqs = [R(0, 0, 5, 1), R(1, 0, 4, 1)]
    plain = ServingRun(reqs, allocator="paged", total_slots=10, max_len=10, block_size=1)
    kept = ServingRun(reqs, allocator="paged", total_slots=10, max_len=10, block_size=1, watermark=0.2)
    assert plain.step().admitted == (0, 1)
    assert kept.step().admitted == (0,)  # 10 − 5 − 4 = 1 < 2: r1 waits
    assert kept.run().metrics().completed == 2
    big = ServingRun([R(0, 0, 9, 1)], allocator="paged", total_slots=10, max_len=10, block_size=1, watermark=0.2)
    assert big.step().rejected == (0,)  # 10 blocks needed, at most 8 admissible: it never fits


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.get("reservation", "paged"))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workload=workloads(), warmup=st.integers(0, 3))
def test_the_steady_batch_while_arriving_is_the_mean_of_the_ticks_between_warm_up_and_last_arrival(
        policy, workload, warmup):
    """Fig. 13's batch for a side that never waits for memory: tick by tick, the batches of
    ticks t with warm-up <= t < the last arrival, averaged; a run in stretches agrees."""
    requests, pool = workload
    run = ServingRun(requests, **policy, **pool, warmup=warmup)
    batches = []
    while (record := run.step()) is not None:
        batches.append(record.batch)
    m = ServingRun(requests, **policy, **pool, warmup=warmup).run().metrics()
    last = max((r.arrival_tick for r in requests), default=0)
    window = batches[m.warmup_ticks:last]
    assert m.steady_mean_batch_arriving == pytest.approx(sum(window) / len(window) if window else 0.0)
