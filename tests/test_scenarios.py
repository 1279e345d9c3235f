"""Every named scenario runs to its end with the invariants holding; the ones with a story tell it."""

import pytest

from fragtui.sim.errors import ParamError
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, REJECTED
from fragtui.sim.config.scenarios import SCENARIOS, get_scenario
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.measures.sweep import sweep
from fragtui.sim.workload.build import build_workload
from fragtui.sim.engines.event_engine import EventEngine
from fragtui.view.picture import Picture
from fragtui.view.states import STRANDED
from invariants import check_invariants

EVENT_SCENARIOS = [name for name, s in SCENARIOS.items() if s.build().mode == "event"]


def scenario_sim(name):
    params = get_scenario(name).build()
    return Simulation(params, build_workload(params).events)


@pytest.mark.parametrize("name", EVENT_SCENARIOS)
def test_every_event_scenario_runs_to_its_end_with_the_invariants_holding(name):
    sim = scenario_sim(name)
    assert sim.total_steps > 0
    # The invariants read every slot: a 16M-slot pool is checked at its middle and end only.
    times = 25 if sim.params.total_slots <= 1 << 20 else 2
    checks = max(1, sim.total_steps // times)
    while sim.step_forward():
        if sim.step % checks == 0:
            check_invariants(sim)
    check_invariants(sim)
    labels = [side.label for side in sim.sides]
    if "paged" in labels and "contiguous" in labels:
        assert sim.metrics("paged").admitted >= sim.metrics("contiguous").admitted
    assert SCENARIOS[name].about and SCENARIOS[name].title


def test_external_frag_shows_its_lesson_at_step_13():
    engine = EventEngine(get_scenario("external-frag").build())
    sim = engine.sim
    fragmented = []
    while not sim.at_end:
        free_before = sim.allocators[0].free
        record = sim.step_forward()
        c = record.outcomes[0]
        if c.kind == REJECTED and c.reason == FRAGMENTED:
            fragmented.append(record.index)
            assert free_before >= c.length > sim.allocators[0].largest
            assert record.outcomes[1].kind == ADMITTED  # the same request, admitted by paged
        if record.index == 13:
            assert (c.reason, c.length, free_before, sim.allocators[0].largest) == (FRAGMENTED, 1024, 2048, 512)
            assert len(record.outcomes[1].blocks) == 19
            picture = Picture(engine.pools[0])
            assert picture.states.count(STRANDED) == sim.metrics("contiguous").stranded == 2048
    assert fragmented == [13, 16]


def test_block_size_sweep_numbers():
    params = get_scenario("block-size").build()
    rows = sweep(params, build_workload(params).events)
    assert [r.block_size for r in rows] == [1, 4, 16, 64, 256]
    assert [r.tail_waste for r in rows] == [0, 192, 960, 1984, 3568]
    assert [r.block_table_entries for r in rows] == [2112, 576, 192, 64, 16]
    assert [r.admitted for r in rows] == [64, 64, 64, 64, 16]


def test_unknown_scenario():
    with pytest.raises(ParamError, match="must be one of seed, tail-waste, external-frag"):
        get_scenario("nope")


def test_the_placements_scenario_says_what_its_five_sides_come_to():
    """Its paragraph's numbers are the run's: best admits most, worst fewest and strands most."""
    params = get_scenario("placements").build()
    sim = Simulation(params, build_workload(params).events).run()
    labels = [side.label for side in sim.sides]
    assert labels == ["first", "best", "worst", "next", "buddy"]
    metrics = {label: sim.metrics(label) for label in labels}
    assert {label: m.admitted for label, m in metrics.items()} == {
        "first": 226, "best": 231, "worst": 219, "next": 225, "buddy": 229}
    worst = metrics["worst"]
    assert (worst.stranded, worst.holes, round(100 * worst.ext_frag, 1), worst.rejected_fragmented) == (992, 12, 83.9, 81)
    assert max(m.stranded for m in metrics.values()) == worst.stranded


def test_the_paged_blocks_scenario_trades_tail_waste_for_table_entries():
    params = get_scenario("paged-blocks").build()
    sim = Simulation(params, build_workload(params).events).run()
    metrics = [sim.metrics(i) for i in range(3)]
    assert [side.label for side in sim.sides] == ["paged 4", "paged 16", "paged 64"]
    assert [m.admitted for m in metrics] == [64, 64, 64]
    assert [m.wasted for m in metrics] == [192, 960, 1984] and [m.block_table_entries for m in metrics] == [576, 192, 64]


def test_no_scenario_says_anything_in_markdown():
    """What to watch is drawn as plain text: a backtick or an asterisk would show as itself."""
    for scenario in SCENARIOS.values():
        for text in (scenario.title, scenario.about):
            assert "`" not in text and "**" not in text, scenario.name
