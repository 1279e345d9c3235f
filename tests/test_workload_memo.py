"""A workload built again from what an earlier build drew is the workload drawing afresh gives:
the same requests, events, drop count and refusal, whatever the earlier build asked."""

import random

import pytest
from hypothesis import assume, given, settings, strategies as st

from fragtui.sim.config.params import Params
from fragtui.sim.errors import FragtuiError
from fragtui.sim.workload.build import MAX_DRAWS, build_workload, workload_again
from fragtui.sim.workload.memo import CHUNK, DrawnLengths, TooFew, free_shape
from fragtui.sim.workload.requests import Arrive, Free

LENGTHS = ("uniform:16:4096", "constant", "lognormal:6:1", "azure-conv", "azure-code")
FREES = ("none", "every-other", "churn:0.5", "churn:0.9")


def _built(params: Params) -> tuple[object, ...]:
    try:
        w = build_workload(params)
    except FragtuiError as error:
        return ("refused", str(error))
    return (w.requests, w.events, w.dropped, w.source)


def _again(params: Params, before: Params) -> tuple[object, ...]:
    try:
        earlier = build_workload(before)
    except FragtuiError:
        assume(False)  # (no run to make a what-if on)
    try:
        w = workload_again(params, before, earlier)
    except FragtuiError as error:
        return ("refused", str(error))
    return (w.requests, w.events, w.dropped, w.source)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(LENGTHS), st.sampled_from(FREES), st.integers(0, 3), st.integers(1, 3000),
       st.lists(st.sampled_from([64, 512, 1000, 4096, 65536]), min_size=2, max_size=2))
def test_a_max_len_what_if_builds_what_a_fresh_build_gives(lengths: str, frees: str, seed: int, arrivals: int,
                                                           max_lens: list[int]) -> None:
    first, second = (Params(total_slots=1 << 20, max_len=m, lengths=lengths, arrivals=arrivals, frees=frees, seed=seed,
                            used_len=50).validated() for m in max_lens)
    assert _again(second, first) == _built(second)


def test_drawn_lengths_are_the_samplers_own_draws_past_every_chunk() -> None:
    drawn = DrawnLengths("uniform:1:1000", 0, 7)
    rng = random.Random("lengths:7")
    while len(drawn.values) < 3 * CHUNK + 5:
        drawn.more()
    assert list(drawn.values) == [rng.randint(1, 1000) for _ in range(len(drawn.values))]


def test_churn_shape_frees_whom_a_plain_random_walk_frees() -> None:
    """`churn:P` by its definition: after each arrival, with probability P, a random live
    request leaves (swapped to the end and popped: the order live requests are kept in)."""
    rng = random.Random("frees:3")
    expected: list[object] = []
    live: list[int] = []
    for rid in range(500):
        expected.append(None)
        live.append(rid)
        if rng.random() < 0.3:
            i = rng.randrange(len(live))
            live[i], live[-1] = live[-1], live[i]
            expected.append(Free(live.pop()))
    assert free_shape(500, "churn:0.3", 3) == expected


def test_events_put_each_request_in_its_shapes_place() -> None:
    w = build_workload(Params(total_slots=4096, max_len=256, lengths="uniform:1:256", arrivals=40,
                              frees="every-other").validated())
    assert [e.request for e in w.events[:40] if isinstance(e, Arrive)] == w.requests
    assert w.events[40:] == [Free(i) for i in range(0, 40, 2)]


@pytest.mark.parametrize("frees", FREES)
def test_no_arrivals_no_events(frees: str) -> None:
    assert free_shape(0, frees, 1) == []


def _fitting_one_at_a_time(seed: int, wanted: int, max_len: int) -> tuple[object, ...]:
    """The definition: draw, drop what does not fit, refuse at the first drop past 100 × (kept + 10)."""
    rng = random.Random(f"lengths:{seed}")
    kept: list[int] = []
    dropped = 0
    while len(kept) < wanted:
        used = rng.randint(1, 1000)
        if used > max_len:
            dropped += 1
            if dropped > MAX_DRAWS * (len(kept) + 10):
                return ("refused", len(kept), dropped)
            continue
        kept.append(used)
    return (kept, dropped)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10), st.integers(1, 3000), st.sampled_from([1, 5, 8, 10, 12, 20, 500, 1000]))
def test_lengths_that_fit_are_found_as_one_at_a_time_finds_them(seed: int, wanted: int, max_len: int) -> None:
    """Near the refusal threshold (about 1 in 100 fitting) included: max_len 10 of 1..1000."""
    drawn = DrawnLengths("uniform:1:1000", 0, seed)
    try:
        ours: tuple[object, ...] = drawn.fitting(wanted, max_len, MAX_DRAWS)
    except TooFew as few:
        ours = ("refused", few.kept, few.dropped)
    assert ours == _fitting_one_at_a_time(seed, wanted, max_len)
