"""The lockstep simulation: outcomes, tallies, undo, invariants over random streams."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, REJECTED
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Arrive, Free, Request
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.workload.build import build_workload
from invariants import check_invariants, check_rejection_reasons, stepped_peaks
from strategies import event_streams, pool_params


def seed_sim(**changes) -> Simulation:
    params = Params(**changes).validated()
    return Simulation(params, build_workload(params).events)


def test_the_seed_after_8_and_64_steps():
    sim = seed_sim()
    sim.goto(8)
    assert (sim.metrics("contiguous").admitted, sim.metrics("paged").admitted) == (8, 8)
    sim.goto(64)
    c, p = sim.metrics("contiguous"), sim.metrics("paged")
    assert (c.admitted, c.rejected, c.wasted) == (8, 56, 3840)
    assert (p.admitted, p.rejected, p.wasted) == (64, 0, 0)
    assert (c.free, c.largest_free_run, c.ext_frag) == (0, 0, 0.0)
    assert (p.used, p.block_table_entries, p.free) == (2048, 128, 2048)
    assert max(sim.series[0]["reserved"]) == 3840
    assert stepped_peaks(seed_sim())[0]["reserved"] == 3840
    assert sim.last.outcomes[0].reason == "pool-full"


def test_the_seed_with_33_tokens():
    sim = seed_sim(used_len=33).run()
    c, p = sim.metrics("contiguous"), sim.metrics("paged")
    assert (c.admitted, c.rejected, c.wasted) == (8, 56, 3832)
    assert (p.admitted, p.rejected, p.wasted) == (64, 0, 960)


def external_frag_events():
    arrivals = [Arrive(Request(i, 32, 512)) for i in range(4)]
    return arrivals + [Free(1), Free(3), Arrive(Request(4, 100, 1024))]


def test_external_fragmentation_contiguous_rejects_paged_admits():
    params = Params(total_slots=2048, max_len=1024, used_len=32).validated()
    sim = Simulation(params, external_frag_events()).run()
    last = sim.last
    assert (last.outcomes[0].kind, last.outcomes[0].reason) == (REJECTED, FRAGMENTED)
    assert last.outcomes[1].kind == ADMITTED and len(last.outcomes[1].blocks) == 7
    c = sim.metrics("contiguous")
    assert (c.free, c.largest_free_run, c.stranded, c.holes) == (1024, 512, 1024, 2)
    assert c.ext_frag == 0.5
    assert sim.metrics("paged").ext_frag == 0.0


def test_a_free_of_a_request_one_side_rejected_is_a_noop_there():
    params = Params(total_slots=512, max_len=512).validated()
    events = [Arrive(Request(0, 32, 512)), Arrive(Request(1, 32, 512)), Free(1)]
    sim = Simulation(params, events).run()
    assert (sim.last.outcomes[0].kind, sim.last.outcomes[1].kind) == (NOOP, FREED)


def test_undo_to_the_start_and_forward_again_gives_identical_snapshots():
    sim = seed_sim(frees="every-other", used_len=33)
    initial = sim.snapshot()
    forward = []
    while not sim.at_end:
        sim.step_forward()
        forward.append(sim.snapshot())
    for _ in range(sim.total_steps):
        sim.step_back()
    assert sim.step == 0 and sim.snapshot() == initial
    assert sim.metrics("contiguous").admitted == sim.metrics("paged").admitted == 0
    assert sim.step_back() is None
    again = []
    while sim.step_forward():
        again.append(sim.snapshot())
    assert again == forward


@settings(max_examples=150, deadline=None)
@given(params=pool_params(), events=event_streams())
def test_invariants_hold_after_every_step_for_every_policy(params, events):
    sim = Simulation(params, events)
    check_invariants(sim)
    while sim.step_forward():
        check_invariants(sim)
    check_rejection_reasons(sim)


@settings(max_examples=100, deadline=None)
@given(params=pool_params(), events=event_streams(), data=st.data())
def test_stepping_back_restores_every_earlier_state(params, events, data):
    sim = Simulation(params, events)
    states = [(sim.snapshot(), sim.metrics("contiguous"), sim.metrics("paged"))]
    while sim.step_forward():
        states.append((sim.snapshot(), sim.metrics("contiguous"), sim.metrics("paged")))
    target = data.draw(st.integers(0, sim.total_steps))
    sim.goto(target)
    assert (sim.snapshot(), sim.metrics("contiguous"), sim.metrics("paged")) == states[target]
    assert len(sim.series[1]["used"]) == target + 1
    sim.goto(sim.total_steps)
    assert (sim.snapshot(), sim.metrics("contiguous"), sim.metrics("paged")) == states[-1]


def test_a_what_if_on_one_side_keeps_the_other_as_it_stands_and_replays_only_the_changed():
    from fragtui.sim.config.scenarios import get_scenario
    from fragtui.sim.engines.event_engine import EventEngine

    engine = EventEngine(get_scenario("churn").build())
    engine.jump(150)
    contiguous, paged = engine.sim.allocators
    assert engine.set_params(order="lifo") == (True, False)  # order is paged's alone
    assert engine.sim.allocators[0] is contiguous and engine.sim.allocators[1] is not paged
    assert engine.set_params(max_len=1024) == (False, False)  # a new stream: everything replayed
    fresh = EventEngine(get_scenario("churn").build(order="lifo", max_len=1024))
    fresh.jump(150)
    assert engine.sim.snapshot() == fresh.sim.snapshot()
