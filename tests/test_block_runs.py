"""Long block tables as runs: a `BlockRuns` reads exactly as the list of ids it stands for, and
each free queue (fifo, lifo, lowest) hands out, takes back and undoes exactly what a plain list
would, block for block, whatever mix of long and short tables passes through it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.sim.allocators.block_runs import BlockRuns, runs_of, span
from fragtui.sim.engines.event_engine import EventEngine
from fragtui.sim.allocators.free_queues import ORDERS, SHORT, free_queue
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Request
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.engines.serving.serving_engine import ServingEngine
from fragtui.sim.workload.build import build_workload
from strategies import event_streams
from test_picture import walk


@st.composite
def runs(draw):
    """Ranges either way and short lists, as a fifo queue hands them out."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["up", "down", "list"]))
        start, n = draw(st.integers(0, 500)), draw(st.integers(1, 40))
        if kind == "up":
            out.append(range(start, start + n))
        elif kind == "down":
            out.append(range(start + n - 1, start - 1, -1))
        else:
            out.append(draw(st.lists(st.integers(0, 999), min_size=1, max_size=5)))
    return out


@settings(max_examples=300, deadline=None)
@given(pieces=runs(), data=st.data())
def test_block_runs_read_as_the_list_they_stand_for(pieces, data):
    table = BlockRuns([list(run) if isinstance(run, list) else run for run in pieces])
    ids = [b for run in pieces for b in run]
    assert table == ids and list(table) == ids and len(table) == len(ids)
    assert list(reversed(table)) == ids[::-1]
    if ids:
        i = data.draw(st.integers(-len(ids), len(ids) - 1))
        assert table[i] == ids[i]
    a, b = data.draw(st.integers(-3, len(ids) + 3)), data.draw(st.integers(-3, len(ids) + 3))
    assert list(table[a:b]) == ids[a:b] and table[a:b] == ids[a:b]
    copy = table.copy()
    for block in data.draw(st.lists(st.integers(0, 999), max_size=20)):
        table.append(block)
        ids.append(block)
        assert table == ids and table[-1] == block and len(table) == len(ids)
    assert copy == [b for run in pieces for b in run]  # the copy did not grow with it
    assert [b for run in runs_of(table) for b in run] == ids


def test_appending_the_next_id_extends_a_range_either_way_and_any_other_joins_a_list():
    up = BlockRuns([range(5, 8)])
    up.append(8)
    down = BlockRuns([range(3, 1, -1)])
    down.append(1)
    assert up.runs == [range(5, 9)] and down.runs == [range(3, 0, -1)]
    down.append(7)  # not next: a list of its own, which later blocks join
    down.append(8)
    assert down.runs == [range(3, 0, -1), [7, 8]] and down == [3, 2, 1, 7, 8]
    copy = down.copy()
    down.append(9)
    assert copy == [3, 2, 1, 7, 8] and down[-1] == 9  # the copy's list is its own
    assert span(range(3, 0, -1)) == (1, 4) and span([1, 2]) is None


class ListQueue:
    """A free queue as the plain head-first list it stands for: the reference. Blocks given back
    join the tail (fifo) or the head (lifo), last block first either way; `lowest` keeps the
    list sorted."""

    def __init__(self, n, order):
        self.q, self.order = list(range(n)), order

    def take(self, n):
        taken, self.q = self.q[:n], self.q[n:]
        return taken

    def give(self, table):
        back = list(reversed(list(table)))
        self.q = {"fifo": self.q + back, "lifo": back + self.q, "lowest": sorted(self.q + back)}[self.order]

    def untake(self, blocks):
        self.q[:0] = list(blocks)
        if self.order == "lowest":
            self.q.sort()

    def ungive(self, table):
        n = len(table)
        if self.order == "lowest":
            gone = set(table)
            self.q = [b for b in self.q if b not in gone]
        else:
            self.q = self.q[:len(self.q) - n] if self.order == "fifo" else self.q[n:]


@pytest.mark.parametrize("order", ORDERS)
@settings(max_examples=150, deadline=None)
@given(num_blocks=st.integers(0, 600), program=st.lists(st.tuples(st.sampled_from("ttgguu"), st.integers(0, 10**6)),
                                                        max_size=80))
def test_the_free_queue_hands_out_takes_back_and_undoes_what_a_list_would(order, num_blocks, program):
    queue, model = free_queue(order, num_blocks), ListQueue(num_blocks, order)
    held = []  # tables handed out and not given back
    done = []  # what to undo, newest last
    for op, x in program:
        if op == "t" and len(model.q):
            n = 1 + x % min(len(model.q), 3 * SHORT)  # short and long tables
            table = queue.take_table(n) if x % 3 else queue.take(n)
            assert table == model.take(n) and len(table) == n
            held.append(table)
            done.append(("t", table))
        elif op == "g" and held:
            table = held.pop(x % len(held))
            queue.give(table)
            model.give(table)
            done.append(("g", table))
        elif op == "u" and done:
            kind, table = done.pop()
            if kind == "t":
                held.remove(table)
                queue.untake(table)
                model.untake(table)
            else:
                queue.ungive(table)
                model.ungive(table)
                held.append(table)
        assert queue.order() == model.q and len(queue) == len(model.q)
        assert queue.copy().order() == model.q
    while done:  # all the way back
        kind, table = done.pop()
        (queue.untake if kind == "t" else queue.ungive)(table)
    assert queue.order() == list(range(num_blocks))


def test_a_long_admission_at_block_1_is_a_few_runs_and_frees_back_as_runs():
    paged = PagedAllocator(total_slots=1 << 20, block_size=1)
    first = paged.admit(Request(0, 100_000, 100_000)).blocks
    second = paged.admit(Request(1, 50, 100_000)).blocks
    assert isinstance(first, BlockRuns) and first.runs == [range(0, 100_000)]
    assert isinstance(second, list) and second == list(range(100_000, 100_050))  # short: a plain list
    paged.free_request(0)
    assert paged.free_block_ids()[-3:] == [2, 1, 0]  # tail-first, as ever
    paged.grow(1)
    assert paged.tables[1][0][-1] == 100_050


def test_undo_to_zero_at_block_1_with_long_tables_is_exact():
    """The long-history check at block 1, where most tables are runs."""
    params = Params(total_slots=65536, block_size=1, max_len=2048, lengths="uniform:1:2048", arrivals=3000,
                    frees="churn:0.6", seed=5).validated()
    sim = Simulation(params, build_workload(params).events)
    snapshots = {0: sim.snapshot()}
    while not sim.at_end:
        sim.step_forward()
        if sim.step % 500 == 0:
            snapshots[sim.step] = sim.snapshot()
    long_tables = sum(isinstance(r.outcomes[1].blocks, BlockRuns) and len(r.outcomes[1].blocks.runs) > 1 for r in sim.records)
    assert long_tables > 100  # tables of several runs: the queue came back in pieces
    while sim.step:
        sim.step_back()
        if sim.step in snapshots:
            assert sim.snapshot() == snapshots[sim.step], f"step {sim.step}"
    fresh = Simulation(params, build_workload(params).events)
    assert sim.allocators[1].free_block_ids() == fresh.allocators[1].free_block_ids() == list(range(65536))
    for _ in range(1500):
        sim.step_forward()
        fresh.step_forward()
    assert sim.snapshot() == fresh.snapshot()


@settings(max_examples=40, deadline=None)
@given(events=event_streams(max_len=2 * SHORT, max_events=40), total=st.integers(SHORT, 8 * SHORT),
       order=st.sampled_from(ORDERS))
def test_pictures_of_long_tables_at_block_1_patch_equal_fresh_forward_and_back(events, total, order):
    params = Params(total_slots=total, block_size=1, max_len=2 * SHORT, order=order).validated()
    engine = EventEngine(params)
    engine.sim = Simulation(params, events)
    walk(engine)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_serving_pictures_of_long_growing_tables_at_block_1_patch_equal_fresh(seed):
    params = Params(mode="serving", total_slots=12 * SHORT, block_size=1, max_len=4 * SHORT, arrivals=12,
                    prompt_len=f"uniform:{SHORT + 1}:{2 * SHORT}", output_len="uniform:1:150", seed=seed,
                    rate=40.0).validated()
    engine = ServingEngine(params)
    for _ in range(8):
        engine.forward()
    tables = [h.starts.blocks for h in engine.pools[1].holdings()]
    assert any(isinstance(t, BlockRuns) for t in tables)  # long prompts: runs, then grown
    engine.jump(0)
    walk(engine)
