"""Hypothesis strategies shared by the model's property tests."""

from hypothesis import strategies as st

from fragtui.sim.allocators.contiguous import RESERVATIONS
from fragtui.sim.allocators.registry import placements
from fragtui.sim.allocators.paged import ORDERS
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Arrive, Free, Request


@st.composite
def event_streams(draw, max_len: int = 64, max_events: int = 60):
    """Arrivals with random lengths (and sometimes their own max_len) mixed with frees of
    earlier arrivals, some of them twice and some of requests never admitted."""
    events, arrived = [], []
    for _ in range(draw(st.integers(0, max_events))):
        if arrived and draw(st.booleans()):
            events.append(Free(draw(st.sampled_from(arrived))))
        else:
            own_max = draw(st.sampled_from([max_len, max_len // 2, max_len * 2]))
            used = draw(st.integers(1, own_max))
            rid = len(arrived)
            arrived.append(rid)
            events.append(Arrive(Request(rid, used, own_max)))
    return events


@st.composite
def pool_params(draw):
    return Params(
        total_slots=draw(st.integers(16, 400)),
        max_len=64,
        used_len=1,
        block_size=draw(st.sampled_from([1, 3, 4, 16])),
        placement=draw(st.sampled_from(placements())),
        order=draw(st.sampled_from(ORDERS)),
        reservation=draw(st.sampled_from(RESERVATIONS)),
    ).validated()


@st.composite
def shared_event_streams(draw, max_len: int = 64, max_events: int = 60):
    """As event_streams, but most arrivals start with one of two prefixes (a or b), of a length
    drawn per request, so some share blocks and some only part of them."""
    events, arrived = [], []
    for _ in range(draw(st.integers(0, max_events))):
        if arrived and draw(st.integers(0, 2)) == 0:
            events.append(Free(draw(st.sampled_from(arrived))))
        else:
            used = draw(st.integers(1, max_len))
            prefix = draw(st.sampled_from(["", "a", "a", "b"]))
            shared = draw(st.integers(1, used)) if prefix else 0
            rid = len(arrived)
            arrived.append(rid)
            events.append(Arrive(Request(rid, used, max_len, prefix, shared)))
    return events
