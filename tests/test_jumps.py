"""Jumps: from any step, the next or previous step with a rejection or a fragmented one,
found at once and exactly, in both modes; and the command line's spelling of a step."""


import pytest

from fragtui.sim.allocators.contiguous import reservation_for
from fragtui.sim.errors import ParamError
from fragtui.sim.engines.event_engine import EventEngine
from fragtui.sim.engines.jumps import Moments, locate
from fragtui.sim.allocators.outcomes import FRAGMENTED, REJECTED
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import get_scenario
from fragtui.sim.engines.serving.serving_engine import ServingEngine
from fragtui.sim.engines.serving.run import ServingRun
from fragtui.sim.workload.build import build_workload
from fragtui.sim.engines.lockstep import Simulation


def external_frag() -> EventEngine:
    return EventEngine(get_scenario("external-frag").build())


def test_external_frag_by_hand():
    """Steps 13 and 16 are contiguous's fragmented rejections (see the scenario's words), and
    its only rejections; paged admits everything."""
    engine = external_frag()
    assert [engine.find("fragmented", 1, s) for s in range(17)] == [13] * 13 + [16] * 3 + [None]
    assert [engine.find("fragmented", -1, s) for s in range(17)] == [None] * 14 + [13] * 3
    assert [engine.find("rejection", 1, s) for s in range(17)] == [engine.find("fragmented", 1, s) for s in range(17)]
    assert engine.find("fragmented", 1) == 13 and engine.step == 0  # from the current step; nothing moves
    engine.jump(13)
    assert engine.find("fragmented", 1) == 16 and engine.find("fragmented", -1) is None
    assert engine.sim.last.outcomes[0].reason == FRAGMENTED


def test_the_seed_rejects_from_step_9():
    engine = EventEngine(Params())
    assert engine.find("rejection", 1) == 9 and engine.find("rejection", -1, 64) == 63
    assert engine.find("fragmented", 1) is None  # pool full, every one of them
    assert engine.sim.moments().count("rejection") == 56


def test_a_manual_event_changes_the_moments_after_it():
    engine = external_frag()
    engine.jump(12)
    engine.free_oldest()  # r0 leaves before step 13's arrival, which now fits
    assert engine.find("fragmented", 1, 12) == engine.find("rejection", 1, 12)
    assert engine.find("fragmented", 1, 12) != 14  # the old step 13, now step 14, is admitted
    assert engine.sim.records[-1].outcomes[0].kind != REJECTED


def test_bad_kinds_and_directions_raise():
    engine = external_frag()
    with pytest.raises(ValueError, match="kind 'oops'"):
        engine.find("oops", 1)
    with pytest.raises(ValueError, match="direction"):
        engine.find("rejection", 0)


def test_moments_are_compact_arrays():
    moments = Moments([(3, 1), (5, 3), (9, 4)])
    assert list(moments.steps["rejection"]) == [3, 5, 9] and list(moments.steps["fragmented"]) == [5]
    assert moments.steps["rejection"].itemsize == 8
    assert moments.find("fragmented", 1, 5) is None and moments.find("rejection", -1, 9) == 5


def brute_force(sim: Simulation) -> tuple[list[int], list[int]]:
    """Rejection and fragmented steps, read off every record of a full run."""
    rejections = [r.index for r in sim.records if REJECTED in (r.outcomes[0].kind, r.outcomes[1].kind)]
    fragmented = [r.index for r in sim.records if r.outcomes[0].reason == FRAGMENTED]
    return rejections, fragmented


def check_against(engine, rejections: list[int], fragmented: list[int], starts) -> None:
    for kind, steps in (("rejection", rejections), ("fragmented", fragmented)):
        for start in starts:
            after = [s for s in steps if s > start]
            before = [s for s in steps if s < start]
            assert engine.find(kind, 1, start) == (after[0] if after else None), (kind, start)
            assert engine.find(kind, -1, start) == (before[-1] if before else None), (kind, start)


def test_azure_conv_trace_jumps_are_exact_and_instant(azure_dir):
    params = Params(trace=str(azure_dir / "AzureLLMInferenceTrace_conv.csv"), total_slots=65536, max_len=16384,
                    frees="churn:0.5", reservation="pow2")
    full = Simulation(params, build_workload(params).events).run()
    rejections, fragmented = brute_force(full)
    assert len(full.records) == 29102 and len(rejections) > 10_000 and len(fragmented) > 1_000
    engine = EventEngine(params)
    assert engine.find("fragmented", 1) == fragmented[0]  # the first jump finds every moment of the run
    assert engine.sim.moments().count("fragmented") == len(fragmented)  # kept, then each jump a binary search
    check_against(engine, rejections, fragmented, range(0, 29103, 97))
    assert engine.step == 0
    engine.jump(13200)
    assert engine.find("rejection", 1) == min(s for s in rejections if s > 13200)


def serving_brute_force(run: ServingRun, reservation: str) -> tuple[list[int], list[int]]:
    """Tick by tick, the ticks whose admission stopped at a head that did not fit (read off the
    queue after the tick), that preempted or rejected; and those where contiguous's free slots
    in all would have held the head. As steps: tick t is step t + 1."""
    rejections, fragmented = [], []
    blocked = False
    while (record := run.step()) is not None:
        if record.freed:
            blocked = False  # memory came back: the head is tried again
        refused = not blocked and run.waiting_count - len(record.preempted) > 0
        blocked = (blocked or refused) and not record.preempted
        if refused or record.preempted or record.rejected:
            rejections.append(record.index + 1)
        if refused and run.side.allocator.family == "contiguous":
            head = run.waiting(1)[0]
            free = run.total_slots - int(sum(getattr(record.breakdown, c) for c in ("token_states", "reserved", "internal")))
            if free >= reservation_for(reservation, head.final, run.max_len):
                fragmented.append(record.index + 1)
    return rejections, fragmented


def test_serving_jumps_are_the_ticks_that_refused_preempted_or_were_fragmented():
    params = get_scenario("paper").build(reservation="oracle", placement="first", arrivals=400, rate=20,
                                         watermark=0, warmup=0, sides="contiguous,paged")
    engine = ServingEngine(params)
    requests = build_workload(params).requests
    common = dict(total_slots=params.total_slots, max_len=params.max_len, block_size=params.block_size, history=False)
    c_rejections, fragmented = serving_brute_force(
        ServingRun(requests, allocator="contiguous", reservation="oracle", **common), "oracle")
    p_rejections, _ = serving_brute_force(ServingRun(requests, allocator="paged", **common), "oracle")
    rejections = sorted(set(c_rejections) | set(p_rejections))
    assert len(fragmented) > 100 and len(p_rejections) > 100
    check_against(engine, rejections, fragmented, range(0, engine.total_steps + 1, 13))
    engine.jump(engine.find("fragmented", 1))
    assert engine.runs[0].waiting_count > 0


def test_serving_with_max_reservations_is_never_fragmented():
    engine = ServingEngine(get_scenario("paper").build(arrivals=400, rate=20, placement="first",
                                                       sides="max,paged"))  # runs all max_len
    assert engine.find("fragmented", 1) is None and engine.find("rejection", 1) == 9


# -- the command line's spelling -----------------------------------------------------------


@pytest.mark.parametrize("text, origin, step", [
    ("0", 0, 0), ("7", 3, 7), ("99", 0, 16), ("end", 5, 16), ("start", 9, 0),
    ("next-fragmented", 0, 13), ("next-fragmented,next-fragmented", 0, 16), ("NEXT-FRAGMENTED", 13, 16),
    ("next-fragmented,-3", 0, 10), ("end,prev-fragmented", 0, 13), ("last-fragmented", 0, 16),
    ("first-rejection", 16, 13), ("last-rejection,-1,last-rejection", 0, 16), ("prev-rejection", 16, 13),
    ("+5", 10, 15), ("-20", 10, 0), ("+2", 15, 16), ("next-rejection, +1", 0, 14), ("1,000", 0, 16),
])
def test_locate(text, origin, step):
    assert locate(external_frag(), text, origin, "at") == step


@pytest.mark.parametrize("text, message", [
    ("next-fragmented,next-fragmented,next-fragmented", "--at 'next-fragmented,next-fragmented,next-fragmented': "
     "next-fragmented: no fragmented rejection after step 16 of the run (16 steps)"),
    ("prev-rejection", "prev-rejection: no rejection before step 0 of the run"),
    ("next-frag", "--at 'next-frag': 'next-frag' is not a step: each part must be N, +N, -N, start, end, rN (request N's arrival), or next-, prev-, first- or last- followed by rejection or fragmented"),
    ("", "'' is not a step"),
    ("²", "(ASCII digits 0-9 only)"),
    ("+", "'+' is not a step"),
    (",".join(["+1"] * 33), "takes at most 32 moves, found 33"),
    ("9" * 50, "is past any step: a step is at most 1,000,000,000"),
])
def test_locate_refuses_in_one_line(text, message):
    with pytest.raises(ParamError) as caught:
        locate(external_frag(), text, 0, "at")
    assert message in str(caught.value) and "\n" not in str(caught.value)
