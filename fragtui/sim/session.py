"""A simulation plus what the user did to it: parameters changed and events injected.

Changing a parameter rebuilds the workload and replays it, with the user's own events put
back where they were, to the same step: the what-if is instant and comparable.
"""

from __future__ import annotations

from dataclasses import replace

from fragtui.sim.errors import ParamError
from fragtui.sim.params import Params
from fragtui.sim.requests import Arrive, Event, Free, Request
from fragtui.sim.simulation import Simulation, StepRecord
from fragtui.sim.workloads import Workload, build_workload


class Session:
    def __init__(self, params: Params) -> None:
        self.initial_params = params.validated()
        self.params = self.initial_params
        self.manual: list[tuple[int, Event]] = []  # (position in the stream, event), in order
        self.workload, self.sim, self.manual = self._build(self.params)

    def set_params(self, **changes: object) -> None:
        """Replay the stream under new parameters to the current step.

        Raises ParamError, leaving everything as it was, if the new values are not allowed."""
        params = self.params.with_(**changes)
        workload, sim, manual = self._build(params)
        sim.goto(self.sim.step)
        self.params, self.workload, self.sim, self.manual = params, workload, sim, manual

    def reset(self) -> None:
        """Back to the scenario as it started: its parameters, no manual events, step 0."""
        self.params = self.initial_params
        self.manual = []
        self.workload, self.sim, self.manual = self._build(self.params)

    def inject_arrival(self) -> StepRecord | None:
        """A request of used_len tokens arrives now."""
        if self.params.used_len > self.params.max_len:  # allowed while an op list or trace set the lengths
            raise ParamError("used_len", self.params.used_len, f"must be ≤ max_len ({self.params.max_len}) to inject an arrival")
        rid = 1 + max((e.request.id for e in self.sim.events if isinstance(e, Arrive)), default=-1)
        event = Arrive(Request(rid, self.params.used_len, self.params.max_len))
        self.manual.append((self.sim.step, event))
        return self.sim.insert_event(event)

    def free_oldest(self) -> StepRecord | None:
        """The oldest request live in either pool leaves now; None if nothing is live."""
        live = set(self.sim.contiguous.allocations) | set(self.sim.paged.tables)
        if not live:
            return None
        event = Free(min(live))
        self.manual.append((self.sim.step, event))
        return self.sim.insert_event(event)

    def _build(self, params: Params) -> tuple[Workload, Simulation, list[tuple[int, Event]]]:
        workload = build_workload(params)
        events = list(workload.events)
        next_id = 1 + max((e.request.id for e in events if isinstance(e, Arrive)), default=-1)
        renamed: dict[int, int] = {}
        manual = []
        for position, event in self.manual:
            if isinstance(event, Arrive):  # manual arrivals are numbered after the workload's
                renamed[event.request.id] = next_id
                event = Arrive(replace(event.request, id=next_id))
                next_id += 1
            else:
                event = Free(renamed.get(event.id, event.id))
            position = min(position, len(events))
            events.insert(position, event)
            manual.append((position, event))
        return workload, Simulation(params, events), manual
