"""Parallel sampling and beam search in serving mode (PagedAttention §4.4): reference-counted
blocks, copy-on-write of a last partial block, beams forking and dropping, Orca's own runs."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.sim.engines.serving import ServingRun
from fragtui.sim.workload.requests import served
from fragtui.sim.engines.serving.sharing import Sequences, beam_parents
from fragtui.view.picture import Picture
from fragtui.view.states import INTERNAL, RESERVED, SHARED, USED


def paged(requests, width=2, beams=False, **kw):
    kw = {"total_slots": 40, "max_len": 64, "block_size": 4, "order": "fifo", **kw}
    sharing = {"beam_width": width} if beams else {"samples": width}
    return ServingRun(requests, allocator="paged", **sharing, **kw)


def tables(run, rid):
    return run._engine.memory.groups[rid]


def test_samples_share_the_prompt_and_copy_only_its_last_partial_block():
    # Prompt 6 tokens in blocks of 4: block 0 full, block 1 holds 2. Both samples point at both.
    run = paged([served(0, 0, 6, 3)])
    run.step()  # admitted, then each sample writes its first token into block 1: one copy
    assert tables(run, 0) == [[0, 2], [0, 1]]
    assert run.last.copies == 1 and [run._engine.memory.refs.of(b) for b in range(3)] == [2, 1, 1]
    run.step()  # token 8 of each fills its own last block
    assert run.last.copies == 0 and tables(run, 0) == [[0, 2], [0, 1]]
    run.step()  # at the boundary each takes a block of its own
    assert tables(run, 0) == [[0, 2, 3], [0, 1, 4]]
    assert run.metrics().copies == 1


def test_a_prompt_that_fills_its_blocks_is_shared_without_a_copy():
    run = paged([served(0, 0, 8, 2)], width=3)
    run.step()
    assert tables(run, 0) == [[0, 1, 2], [0, 1, 3], [0, 1, 4]]
    assert run.last.copies == 0


def test_beams_fork_drop_and_copy_on_write():
    run = paged([served(0, 0, 4, 6)], beams=True)
    run._engine.memory._parents[0] = [(0, 1), (0, 0), (0, 1), (0, 1), (1, 1), (0, 1)]
    run.step()  # step 0: the prompt's block is full, so each candidate takes a new block
    assert tables(run, 0) == [[0, 1], [0, 2]]
    run.step()  # step 1: both candidates come from beam 0. Beam 1 is dropped and block 2,
    # which no candidate references, is freed; beam 0 forks, and the block both now hold
    # is copied on write for the first of them (block 3, from the head of the queue).
    assert tables(run, 0) == [[0, 3], [0, 1]]
    memory = run._engine.memory
    assert [memory.refs.of(b) for b in range(4)] == [2, 1, 0, 1] and memory.queue.order()[-1] == 2
    assert run.last.copies == 1


def test_beam_schedules_are_seeded_sorted_and_start_from_the_prompt():
    steps = beam_parents(7, 3, 4, 20)
    assert steps == beam_parents(7, 3, 4, 20) != beam_parents(8, 3, 4, 20)
    assert steps[0] == (0, 1, 2, 3) and all(list(s) == sorted(s) for s in steps)


def test_sequence_ids():
    seqs = Sequences(3, range(10))
    assert seqs.ids(4) == (4, 18, 19)
    assert [seqs.request(s) for s in (4, 18, 19)] == [4, 4, 4]
    assert [seqs.name(s) for s in seqs.ids(4)] == ["r4.0", "r4.1", "r4.2"]
    assert Sequences(1, range(10)).ids(4) == (4,)


def test_contiguous_gives_every_sequence_its_own_run():
    run = ServingRun([served(0, 0, 6, 3)], allocator="contiguous", total_slots=64, max_len=16,
                     samples=3)
    run.step()
    runs = run._engine.memory.allocator.allocations
    assert sorted(runs) == [0, 1, 2] and sorted(start for start, _, _ in runs.values()) == [0, 16, 32]
    assert run.breakdown().token_states == 3 * 7


def test_contiguous_admits_all_sequences_or_none():
    # Two runs of 16 fit in 40 slots, three do not: the request waits, nothing is held.
    run = ServingRun([served(0, 0, 6, 3), served(1, 0, 6, 3)], allocator="contiguous",
                     total_slots=40, max_len=16, samples=2)
    run.step()
    assert run.running_ids() == (0,) and len(run._engine.memory.allocator.allocations) == 2


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    width=st.integers(2, 4),
    beams=st.booleans(),
    blocks=st.integers(6, 40),
    block=st.sampled_from([1, 2, 4]),
    order=st.sampled_from(["fifo", "lifo", "lowest"]),
    data=st.data(),
)
def test_counts_tables_and_the_breakdown_agree_every_tick(seed, width, beams, blocks, block, order, data):
    """Each block's count is the number of tables holding it; free and held blocks are apart and
    make up the pool; the breakdown equals the picture's slots; going back equals going there."""
    requests = [served(i, data.draw(st.integers(0, 6)), data.draw(st.integers(1, 9)),
                               data.draw(st.integers(1, 9))) for i in range(data.draw(st.integers(1, 6)))]
    run = paged(requests, width, beams, total_slots=blocks * block, block_size=block, order=order, seed=seed,
                checkpoint_every=3)
    seen = []
    while run.step() is not None:
        memory = run._engine.memory
        held = Counter(b for ts in memory.groups.values() for t in ts for b in t)
        assert dict(memory.refs) == dict(held)
        free = memory.queue.order()
        assert not set(free) & set(held) and sorted(free + list(held)) == list(range(memory.num_blocks))
        picture = Picture(run.pool)
        b = run.breakdown()
        states = picture.states
        assert (b.token_states, b.reserved, b.internal) == (
            states.count(USED) + states.count(SHARED), states.count(RESERVED), states.count(INTERNAL))
        assert b.total == run.total_slots
        seen.append((run.tick, bytes(states), memory.copies))
    for tick, states, copies in reversed(seen):
        run.goto(tick)
        assert (bytes(Picture(run.pool).states), run._engine.memory.copies) == (states, copies)
