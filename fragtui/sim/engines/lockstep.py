"""Both allocators in lockstep over one event stream, one event a step, with exact undo.

Stepping forward applies the next event to contiguous and to paged and remembers what each did;
stepping back undoes exactly that, so every state is reachable from any other. The cheap tallies
are recorded after every step as compact arrays: they feed the sparklines and the peaks, and
pop off on undo like everything else.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Iterable, Iterator

from fragtui.sim.bulk import collector_paused
from fragtui.sim.engines.jumps import FRAGMENTED_BIT, REFUSED, Moments
from fragtui.sim.measures.metrics import SERIES_FIELDS, Metrics, measure, series_row
from fragtui.sim.allocators.outcomes import FRAGMENTED, REJECTED, ContiguousOutcome, PagedOutcome
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.allocators.prefix_cache import paged_allocator
from fragtui.sim.pair import Pair, Side
from fragtui.sim.config.params import Params
from fragtui.sim.allocators.adapters import RunAllocators, run_allocator
from fragtui.sim.workload.requests import Arrive, Event, Request
from fragtui.sim.allocators.snapshot import ContiguousSnapshot, PagedSnapshot


@dataclass(frozen=True, slots=True)
class StepRecord:
    """Step `index` (1-based) applied `event`; each allocator's outcome says what it did."""

    index: int
    event: Event
    contiguous: ContiguousOutcome
    paged: PagedOutcome


class Series:
    """One array per SERIES_FIELDS entry, entry i being the value after step i."""

    def __init__(self) -> None:
        self.columns = {name: array("q") for name in SERIES_FIELDS}
        self._appenders = [self.columns[name].append for name in SERIES_FIELDS]
        self._columns = [self.columns[name] for name in SERIES_FIELDS]

    def append(self, row: tuple[int, ...]) -> None:
        for append, value in zip(self._appenders, row):
            append(value)

    def pop(self) -> None:
        for column in self._columns:
            column.pop()

    def __getitem__(self, name: str) -> array[int]:
        return self.columns[name]

    def peak(self, name: str) -> int:
        return max(self.columns[name])


class Simulation:
    def __init__(self, params: Params, events: Iterable[Event]) -> None:
        self.params = params
        self.events: list[Event] = list(events)
        self._requests = {e.request.id: e.request for e in self.events if isinstance(e, Arrive)}
        self.contiguous, self.paged = _allocators(params)
        self.records: list[StepRecord] = []
        self.series = Pair(Series(), Series())
        self._moments: Moments | None = None  # found when first asked, for the whole stream
        self._record_series()

    # -- position ------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """How many events have been applied."""
        return len(self.records)

    @property
    def total_steps(self) -> int:
        return len(self.events)

    @property
    def at_end(self) -> bool:
        return self.step >= len(self.events)

    @property
    def last(self) -> StepRecord | None:
        return self.records[-1] if self.records else None

    # -- moving --------------------------------------------------------------------------

    def step_forward(self) -> StepRecord | None:
        """Apply the next event to both allocators; None at the end of the stream."""
        if self.at_end:
            return None
        event = self.events[self.step]
        record = StepRecord(self.step + 1, event, *apply(self.contiguous, self.paged, event))
        self.records.append(record)
        self._record_series()
        return record

    def step_back(self) -> StepRecord | None:
        """Undo the last step exactly; None at step 0. Returns the record undone."""
        if not self.records:
            return None
        record = self.records.pop()
        self.paged.undo(record.paged)
        self.contiguous.undo(record.contiguous)
        for series in self.series:
            series.pop()
        return record

    def goto(self, step: int) -> None:
        step = max(0, min(step, len(self.events)))
        with collector_paused():  # a long jump makes a record a step, and records hold no cycles
            while self.step < step:
                self.step_forward()
            while self.step > step:
                self.step_back()

    def run(self) -> Simulation:
        """Step to the end of the stream."""
        self.goto(len(self.events))
        return self

    def insert_event(self, event: Event) -> StepRecord | None:
        """Put a manual event next in the stream and apply it."""
        self.events.insert(self.step, event)
        self._moments = None  # the stream changed from here on
        if isinstance(event, Arrive):
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
        return self._requests.get(rid)

    def metrics(self, side: Side, holes: bool = True) -> Metrics:
        allocator = self.contiguous if side == "contiguous" else self.paged
        return measure(allocator, self.params.max_len, holes)

    def peaks(self, side: Side) -> dict[str, int]:
        series = self.series[side]
        return {field: series.peak(field) for field in SERIES_FIELDS}

    def snapshot(self) -> tuple[ContiguousSnapshot, PagedSnapshot]:
        """Both pools as they stand after the current step."""
        return ContiguousSnapshot.of(self.contiguous), PagedSnapshot.of(self.paged)

    def _record_series(self) -> None:
        self.series.contiguous.append(series_row(self.contiguous))
        self.series.paged.append(series_row(self.paged))


def apply(contiguous: RunAllocators, paged: PagedAllocator, event: Event) -> tuple[ContiguousOutcome, PagedOutcome]:
    """One event to both allocators: what each did."""
    if isinstance(event, Arrive):
        return contiguous.admit(event.request), paged.admit(event.request)
    return contiguous.free_request(event.id), paged.free_request(event.id)


class Forward:
    """Both allocators stepped forward only, keeping nothing behind them: a report's, a sweep's
    or the jump finder's run, whose memory is the pools' whatever the stream's length."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.contiguous, self.paged = _allocators(params)
        self.step = 0

    def apply(self, event: Event) -> StepRecord:
        self.step += 1
        return StepRecord(self.step, event, *apply(self.contiguous, self.paged, event))

    def run(self, events: Iterable[Event]) -> Forward:
        contiguous, paged = self.contiguous, self.paged
        for event in events:
            apply(contiguous, paged, event)
            self.step += 1
        return self

    def metrics(self, side: Side) -> Metrics:
        return measure(self.contiguous if side == "contiguous" else self.paged, self.params.max_len)

    def tallies(self) -> Pair[tuple[int, ...]]:
        """Both allocators' SERIES_FIELDS now (cheap: for peaks kept on the way)."""
        return Pair(series_row(self.contiguous), series_row(self.paged))


def final_metrics(params: Params, events: list[Event]) -> Pair[Metrics]:
    """Both allocators' metrics after the whole stream, run with no history (for sweeps)."""
    run = Forward(params).run(events)
    return Pair(run.metrics("contiguous"), run.metrics("paged"))


def _allocators(params: Params) -> tuple[RunAllocators, PagedAllocator]:
    return (run_allocator(params.total_slots, params.reservation, params.placement),
            paged_allocator(params.total_slots, params.block_size, params.order, params.prefix_caching))


def _flagged(params: Params, events: list[Event]) -> Iterator[tuple[int, int]]:
    """(step, flags) for each step of `events` that rejected, as a fresh run finds them."""
    run = Forward(params)
    for event in events:
        record = run.apply(event)
        c, p = record.contiguous, record.paged
        if c.kind == REJECTED or p.kind == REJECTED:
            yield record.index, REFUSED | (FRAGMENTED_BIT if c.reason == FRAGMENTED else 0)
