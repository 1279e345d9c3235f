"""Event mode's engine: the lockstep simulation plus what the user did to it.

Changing a parameter rebuilds the workload and replays it, with the user's own events put
back where they were, to the same step: the what-if is instant and comparable. Manual
arrivals hold used_len tokens under the current parameters, so they follow what-ifs too.
"""

from __future__ import annotations

from fragtui.sim.allocators.outcomes import ADMITTED, FREED
from fragtui.sim.bulk import park
from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side
from fragtui.sim.engines.lockstep import Simulation, StepRecord
from fragtui.sim.engines.record import SideRecord, of_outcome
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.pool import NOTHING, Change, Pool
from fragtui.sim.workload.build import Workload, build_workload, workload_again
from fragtui.sim.workload.requests import Arrive, Event, Free, Request


class EventEngine:
    mode = "event"
    unit = "step"

    def __init__(self, params: Params) -> None:
        self.initial_params = params.validated()
        self.params = self.initial_params
        self.manual: list[tuple[int, Event]] = []  # (position in the stream, event), in order
        self.workload, self.sim, self.manual = self._build(self.params, build_workload(self.params))

    # -- where we are ----------------------------------------------------------------------

    @property
    def edited(self) -> bool:
        return self.params != self.initial_params or bool(self.manual)

    @property
    def hand_events(self) -> int:
        return len(self.manual)

    @property
    def step(self) -> int:
        return self.sim.step

    @property
    def total_steps(self) -> int:
        return self.sim.total_steps

    @property
    def at_end(self) -> bool:
        return self.sim.at_end

    @property
    def sides(self) -> tuple[Side, ...]:
        return self.sim.sides

    @property
    def records(self) -> tuple[SideRecord | None, ...]:
        last = self.sim.last
        if last is None:
            return (None,) * len(self.sim.sides)
        return tuple(of_outcome(last.index - 1, last.event, outcome) for outcome in last.outcomes)

    @property
    def pools(self) -> tuple[Pool, ...]:
        max_len = self.params.max_len
        return tuple(allocator.pool(max_len) for allocator in self.sim.allocators)

    # -- moving ----------------------------------------------------------------------------

    def forward(self) -> tuple[Change, ...] | None:
        return _changes(self.sim.step_forward())

    def back(self) -> tuple[Change, ...] | None:
        return _changes(self.sim.step_back())

    def jump(self, step: int) -> None:
        self.sim.goto(step)

    def find(self, kind: str, direction: int, start: int | None = None) -> int | None:
        return self.sim.moments().find(kind, direction, self.step if start is None else start)

    def arrival(self, request_id: int) -> int | None:
        return next((i + 1 for i, event in enumerate(self.sim.events)
                     if isinstance(event, Arrive) and event.request.id == request_id), None)

    def set_params(self, **changes: object) -> tuple[bool, ...]:
        """Replay the stream under new parameters to the current step.

        Raises ParamError, leaving everything as it was, if the new values are not allowed."""
        params = self.params.with_(**changes)
        workload = workload_again(params, self.params, self.workload)
        if workload is self.workload:  # the same events:
            before = self.sim.allocators
            self.sim, self.params = self.sim.under(params), params  # the unchanged sides are kept
            return tuple(i < len(before) and a is before[i] for i, a in enumerate(self.sim.allocators))
        workload, sim, manual = self._build(params, workload)
        sim.goto(self.sim.step)
        park(self.sim, self.workload)  # (freed after the frame that shows the new run, by the app)
        self.params, self.workload, self.sim, self.manual = params, workload, sim, manual
        return (False,) * len(sim.allocators)

    # -- manual events ---------------------------------------------------------------------

    def inject_arrival(self) -> tuple[Change, ...]:
        """A request of used_len tokens arrives now."""
        if self.params.used_len > self.params.max_len:  # allowed while an op list or trace set the lengths
            raise ParamError("used_len", self.params.used_len,
                             f"must be ≤ max_len ({self.params.max_len}) to inject an arrival")
        rid = 1 + max((e.request.id for e in self.sim.events if isinstance(e, Arrive)), default=-1)
        event = Arrive(Request(rid, self.params.used_len, self.params.max_len))
        self.manual.append((self.sim.step, event))
        return _changes(self.sim.insert_event(event)) or self._nothing()

    def free_oldest(self) -> tuple[Change, ...]:
        """The oldest request live in any pool leaves now."""
        live = {holding.id for pool in self.pools for holding in pool.holdings()}
        if not live:
            raise FragtuiError("nothing is live to free")
        event = Free(min(live))
        self.manual.append((self.sim.step, event))
        return _changes(self.sim.insert_event(event)) or self._nothing()

    def _nothing(self) -> tuple[Change, ...]:
        return (NOTHING,) * len(self.sim.sides)

    def events_for(self, params: Params) -> list[Event]:
        """The stream `params` give, with the user's own events put back (for sweeps)."""
        return self._build(params, workload_again(params, self.params, self.workload))[1].events

    def _build(self, params: Params, workload: Workload) -> tuple[Workload, Simulation, list[tuple[int, Event]]]:
        """A simulation of `workload` (what `params` give) with the user's own events put back."""
        if params.used_len > params.max_len and any(isinstance(e, Arrive) for _, e in self.manual):
            raise ParamError("used_len", params.used_len,
                             f"must be ≤ max_len ({params.max_len}) while injected arrivals hold used_len tokens")
        if not self.manual:
            return workload, Simulation(params, workload.events), []
        events = list(workload.events)
        next_id = 1 + max((e.request.id for e in events if isinstance(e, Arrive)), default=-1)
        renamed: dict[int, int] = {}
        manual: list[tuple[int, Event]] = []
        for position, event in self.manual:
            if isinstance(event, Arrive):  # numbered after the workload's, sized by today's params
                renamed[event.request.id] = next_id
                event = Arrive(Request(next_id, params.used_len, params.max_len))
                next_id += 1
            else:
                event = Free(renamed.get(event.id, event.id))
            position = min(position, len(events))
            events.insert(position, event)
            manual.append((position, event))
        return workload, Simulation(params, events), manual


def _changes(record: StepRecord | None) -> tuple[Change, ...] | None:
    """A step (or its undo) replaced the holding of the request its event names, where it was
    admitted or freed; a rejection or a no-op changes nothing."""
    if record is None:
        return None
    return tuple(Change(replaced=(o.request_id,)) if o.kind in (ADMITTED, FREED) else NOTHING
                 for o in record.outcomes)
