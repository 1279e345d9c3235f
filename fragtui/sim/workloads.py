"""Turn parameters into the event stream both allocators see."""

from __future__ import annotations

from dataclasses import dataclass

from fragtui.sim.params import Params
from fragtui.sim.requests import Arrive, Event, Free, Request


@dataclass(frozen=True)
class Workload:
    events: list[Event]
    dropped: int = 0  # requests longer than their max_len, dropped before they arrive


def build_workload(params: Params) -> Workload:
    arrivals = [Arrive(Request(i, params.used_len, params.max_len)) for i in range(params.arrivals)]
    events: list[Event] = list(arrivals)
    if params.frees == "every-other":
        events += [Free(a.request.id) for a in arrivals[::2]]
    return Workload(events)
