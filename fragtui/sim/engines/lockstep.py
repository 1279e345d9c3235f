"""Event mode's model: every side's allocator stepped by the same events, one event a step,
with exact undo (`Simulation`), or forward only with nothing kept (`Forward`)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable, Iterator, Sequence, overload

from fragtui.sim.allocators.allocator import Allocator, Outcome
from fragtui.sim.allocators.outcomes import FRAGMENTED, REJECTED
from fragtui.sim.bulk import collector_paused
from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side, resolve
from fragtui.sim.engines.jumps import FRAGMENTED_BIT, REFUSED, Moments
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.workload.requests import Arrive, Event, Request


@dataclass(frozen=True, slots=True)
class StepRecord:
    """Step `index` (1-based) applied `event`; each side's outcome says what its allocator did."""

    index: int
    event: Event
    outcomes: tuple[Outcome, ...]


TRACKED = ("used", "reserved")  # what a side's history keeps after each step: what the sidebar charts
_WIDTH = len(TRACKED)
_FIELD = {name: k for k, name in enumerate(TRACKED)}


class Series:
    """Each TRACKED tally after each step, as one flat array of rows (row i: after step i), so
    that a step records its row in one C call (`append` is the array's `extend`). Only what is
    read: every tally a step would cost a replay a third more (reports find their peaks on
    their own runs, report/runs.py)."""

    def __init__(self) -> None:
        self.flat: array[int] = array("q")
        self.append: Callable[[Iterable[int]], None] = self.flat.extend

    def pop(self) -> None:
        del self.flat[-_WIDTH:]

    def __len__(self) -> int:
        return len(self.flat) // _WIDTH

    def __getitem__(self, name: str) -> array[int]:
        """One tally after every step (a copy: read it once)."""
        return self.flat[_FIELD[name]::_WIDTH]

    def row(self, i: int) -> tuple[int, ...]:
        """Every tally after step i (negative counts from the end), in TRACKED order."""
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"no row {i} in a series of {n}")
        start = (i % n) * _WIDTH
        return tuple(self.flat[start:start + _WIDTH])


class Lockstep:
    """Every side's allocator, made from the run's parameters, stepped by the same events."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.sides: tuple[Side, ...] = resolve(params)
        self.allocators: tuple[Allocator[Any], ...] = tuple(side.allocator.make(side.setting) for side in self.sides)

    def index(self, side: int | str) -> int:
        """A side's position, given as one or by its label ("paged")."""
        if isinstance(side, int):
            return side
        for candidate in self.sides:
            if candidate.label == side:
                return candidate.index
        raise KeyError(f"no side labelled {side!r}; the sides are {', '.join(s.label for s in self.sides)}")

    def metrics(self, side: int | str, holes: bool = True) -> Metrics:
        return self.allocators[self.index(side)].metrics(self.params.max_len, holes)

    def tallies(self) -> tuple[tuple[int, ...], ...]:
        """Every side's SERIES_FIELDS now (cheap: for a report's peaks, kept on the way)."""
        return tuple(a.tallies() for a in self.allocators)


class Simulation(Lockstep):
    """Every side in lockstep over one event stream, one event a step, with exact undo.

    Stepping forward applies the next event to every allocator and remembers what each did;
    stepping back undoes exactly that, so every state is reachable from any other. The history
    is a column per side: its allocator's outcome of each step, and its used and reserved
    slots after each step as a compact array (the sidebar's sparklines). The sides never
    read each other, so a side is run over many events in one tight loop (`_run`), and a
    what-if on some sides replays only theirs (`under`)."""

    def __init__(self, params: Params, events: Iterable[Event]) -> None:
        super().__init__(params)
        self.events: list[Event] = list(events)
        self._requests: dict[int, Request] | None = None  # id -> request, found when first asked
        self.outcomes: tuple[list[Outcome], ...] = tuple([] for _ in self.sides)  # side i's outcome of each step
        self.series = tuple(Series() for _ in self.sides)
        self._moments: Moments | None = None  # found when first asked, for the whole stream
        for series, allocator in zip(self.series, self.allocators):
            series.append((allocator.used, allocator.reserved))

    # -- position ------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """How many events have been applied."""
        return len(self.outcomes[0])

    @property
    def total_steps(self) -> int:
        return len(self.events)

    @property
    def at_end(self) -> bool:
        return self.step >= len(self.events)

    @property
    def records(self) -> Records:
        """Every step's record, in order (made when read)."""
        return Records(self)

    @property
    def last(self) -> StepRecord | None:
        step = self.step
        return self.record(step) if step else None

    def record(self, index: int) -> StepRecord:
        """What step `index` (1-based) did."""
        return StepRecord(index, self.events[index - 1], tuple(column[index - 1] for column in self.outcomes))

    # -- moving --------------------------------------------------------------------------

    def step_forward(self) -> StepRecord | None:
        """Apply the next event to every allocator; None at the end of the stream."""
        if self.at_end:
            return None
        self._advance(self.step + 1)
        return self.last

    def _advance(self, step: int) -> None:
        """Apply the events up to `step`, side by side."""
        events = self.events[self.step:step]
        for allocator, column, series in zip(self.allocators, self.outcomes, self.series):
            column += _run(allocator, series, events)

    def step_back(self) -> StepRecord | None:
        """Undo the last step exactly; None at step 0. Returns the record undone."""
        record = self.last
        if record is None:
            return None
        for allocator, column, series in zip(reversed(self.allocators), reversed(self.outcomes), reversed(self.series)):
            allocator.undo(column.pop())
            series.pop()
        return record

    def goto(self, step: int) -> None:
        step = max(0, min(step, len(self.events)))
        with collector_paused():  # a long jump makes an outcome a step, and outcomes hold no cycles
            if self.step < step:
                self._advance(step)
            while self.step > step:
                self.step_back()

    def run(self) -> Simulation:
        """Step to the end of the stream."""
        self.goto(len(self.events))
        return self

    def under(self, params: Params) -> Simulation:
        """This simulation at this step under `params`, which hand memory out differently on
        some sides but make the same events (a what-if on a side): a side whose allocator and
        setting did not change is kept as it stands, its outcomes and tallies so far with it;
        the others are replayed. Afterwards the kept sides belong to the new simulation (this
        one is left behind); until then nothing here changes, so a refusal keeps it whole."""
        sides = resolve(params)
        kept = [i < len(self.sides) and (self.sides[i].allocator, self.sides[i].setting) == (side.allocator, side.setting)
                for i, side in enumerate(sides)]
        twin = Simulation.__new__(Simulation)
        twin.params, twin.sides = params, sides
        twin.allocators = tuple(self.allocators[i] if keep else side.allocator.make(side.setting)
                                for i, (side, keep) in enumerate(zip(sides, kept)))
        twin.events, twin._requests, twin._moments = list(self.events), None, None
        twin.series = tuple(self.series[i] if keep else Series() for i, keep in enumerate(kept))
        done = self.events[:self.step]
        outcomes = []
        with collector_paused():
            for keep, allocator, column, series in zip(kept, twin.allocators, self.outcomes, twin.series):
                if not keep:
                    series.append((allocator.used, allocator.reserved))
                    column = _run(allocator, series, done)
                outcomes.append(column)
        twin.outcomes = tuple(outcomes)
        return twin

    def insert_event(self, event: Event) -> StepRecord | None:
        """Put a manual event next in the stream and apply it."""
        self.events.insert(self.step, event)
        self._moments = None  # the stream changed from here on
        if isinstance(event, Arrive) and self._requests is not None:
            self._requests[event.request.id] = event.request
        return self.step_forward()

    def moments(self) -> Moments:
        """The steps of the whole stream with a rejection, and with a fragmented one.

        Found once, by fresh allocators that keep no undo records (one pass: about 0.1 s for
        the Azure conv trace's 19,366 events), so a jump never moves this simulation."""
        if self._moments is None:
            self._moments = Moments(_flagged(self.params, self.events))
        return self._moments

    # -- reading -------------------------------------------------------------------------

    def request(self, rid: int) -> Request | None:
        """The request with id `rid` in the stream, if any."""
        if self._requests is None:  # (asked to narrate a step: not worth a pass over the stream until then)
            self._requests = {e.request.id: e.request for e in self.events if isinstance(e, Arrive)}
        return self._requests.get(rid)

    def snapshot(self) -> tuple[Hashable, ...]:
        """Every pool as it stands after the current step."""
        return tuple(a.snapshot() for a in self.allocators)


class Records(Sequence[StepRecord]):
    """A simulation's steps as records, made from its columns when read."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def __len__(self) -> int:
        return self.sim.step

    @overload
    def __getitem__(self, i: int) -> StepRecord: ...
    @overload
    def __getitem__(self, i: slice) -> list[StepRecord]: ...
    def __getitem__(self, i: int | slice) -> StepRecord | list[StepRecord]:
        if isinstance(i, slice):
            return [self.sim.record(k + 1) for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"no step record {i} of {n}")
        return self.sim.record(i % n + 1)


def _run(allocator: Allocator[Any], series: Series, events: list[Event]) -> list[Outcome]:
    """One side's outcome of each of `events`, in turn, its TRACKED tallies recorded after
    each: the tight loop of every long jump and replay."""
    admit, free, add = allocator.admit, allocator.free_request, series.append
    outcomes: list[Outcome] = []
    keep = outcomes.append
    for event in events:
        keep(admit(event.request) if type(event) is Arrive else free(event.id))
        add((allocator.used, allocator.reserved))
    return outcomes


def apply(allocators: tuple[Allocator[Any], ...], event: Event) -> tuple[Outcome, ...]:
    """One event to every allocator: what each did."""
    if isinstance(event, Arrive):
        request = event.request
        return tuple([a.admit(request) for a in allocators])
    rid = event.id
    return tuple([a.free_request(rid) for a in allocators])


class Forward(Lockstep):
    """Every side stepped forward only, keeping nothing behind: a report's, a sweep's or the
    jump finder's run, whose memory is the pools' whatever the stream's length."""

    def __init__(self, params: Params) -> None:
        super().__init__(params)
        self.step = 0

    def apply(self, event: Event) -> StepRecord:
        self.step += 1
        return StepRecord(self.step, event, apply(self.allocators, event))

    def run(self, events: Iterable[Event]) -> Forward:
        allocators = self.allocators
        for event in events:
            apply(allocators, event)
            self.step += 1
        return self


def final_metrics(params: Params, events: list[Event]) -> tuple[Metrics, ...]:
    """Every side's metrics after the whole stream, run with no history (for sweeps)."""
    run = Forward(params).run(events)
    return tuple(run.metrics(i) for i in range(len(run.sides)))


def _flagged(params: Params, events: list[Event]) -> Iterator[tuple[int, int]]:
    """(step, flags) for each step of `events` that rejected, as a fresh run finds them."""
    run = Forward(params)
    for event in events:
        record = run.apply(event)
        if any(o.kind == REJECTED for o in record.outcomes):
            fragmented = any(o.reason == FRAGMENTED for o in record.outcomes)
            yield record.index, REFUSED | (FRAGMENTED_BIT if fragmented else 0)
