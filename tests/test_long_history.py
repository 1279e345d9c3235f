"""Undo stays exact over histories long enough to compact every structure.

The fifo queue is kept in pieces, read from an offset into the first and gathered at the
tail up to 4,096 blocks a piece (an older queue dropped its consumed prefix past 4,096 blocks,
and undo then lost blocks); the contiguous index has thousands of buckets. Short property tests never reach either, so these
run tens of thousands of events through 65,536-slot pools, every policy, then walk all the way
back: at every step the cheap tallies equal the ones recorded on the way forward, at sampled
steps the whole state equals a replay from scratch, and at step 0 the pools equal fresh ones.
"""

import pytest

from fragtui.sim.allocators.registry import placements
from fragtui.sim.allocators.paged import ORDERS
from fragtui.sim.config.params import Params
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.workload.build import build_workload

SAMPLE_EVERY = 2500


def tallies(sim: Simulation) -> tuple:
    c, p = sim.allocators[0], sim.allocators[1]
    return (*c.tallies(), getattr(c, "cursor", None), len(c.runs), p.used, p.free_blocks, len(p.queue), p.admitted,
            p.rejected_pool_full)


def long_run(order: str, placement: str) -> Simulation:
    params = Params(total_slots=65536, max_len=64, lengths="uniform:1:64", arrivals=12000,
                    frees="churn:0.6", order=order, placement=placement, seed=3).validated()
    return Simulation(params, build_workload(params).events)


@pytest.mark.parametrize("order,placement", [(o, p) for o, p in zip(ORDERS * 2, placements())])
def test_undo_to_zero_after_a_long_history_is_exact(order, placement):
    sim = long_run(order, placement)
    seen, snapshots = [tallies(sim)], {0: sim.snapshot()}
    while not sim.at_end:
        sim.step_forward()
        seen.append(tallies(sim))
        if sim.step % SAMPLE_EVERY == 0:
            snapshots[sim.step] = sim.snapshot()
    taken = sum(len(r.outcomes[1].blocks) for r in sim.records if r.outcomes[1].kind == "admitted")
    assert sim.step > 19000 and taken > 4 * 4096  # many pieces gathered and consumed
    while sim.step:
        sim.step_back()
        assert tallies(sim) == seen[sim.step], f"step {sim.step}"
        if sim.step in snapshots:
            assert sim.snapshot() == snapshots[sim.step], f"step {sim.step}"
    fresh = long_run(order, placement)
    assert sim.snapshot() == fresh.snapshot()
    assert sim.allocators[1].free_block_ids() == fresh.allocators[1].free_block_ids()
    # and the run forward again is the same run
    for _ in range(3 * SAMPLE_EVERY):
        sim.step_forward()
        fresh.step_forward()
    assert sim.snapshot() == fresh.snapshot() and tallies(sim) == tallies(fresh)


def test_the_reported_reproduction_steps_back_and_forward_cleanly():
    """issue: `--total-slots 65536 --arrivals 6000 --frees churn:0.6 --max-len 64 --used-len 32`,
    9,000 steps, home, then two steps: the first arrival must get its two blocks, 0 and 1."""
    params = Params(total_slots=65536, arrivals=6000, frees="churn:0.6", max_len=64, used_len=32).validated()
    sim = Simulation(params, build_workload(params).events)
    sim.goto(9000)
    sim.goto(0)
    assert sim.allocators[1].free_blocks == len(sim.allocators[1].queue) == 4096
    record = sim.step_forward()
    assert record.outcomes[1].blocks == [0, 1]
    assert sim.step_forward().outcomes[1].blocks == [2, 3]
