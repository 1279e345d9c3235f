"""`ServingRun`: one allocator serving one stream of requests, with exact history."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Iterable, Sequence

from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side, one_side
from fragtui.sim.errors import ParamError
from fragtui.sim.pool import Pool
from fragtui.sim.engines.serving.ticks import NEVER, _Engine
from fragtui.sim.engines.serving.memory import Serving
from fragtui.sim.engines.serving.sharing import Sequences
from fragtui.sim.engines.serving.stream import Stream
from fragtui.sim.measures.breakdown import Breakdown, kv_usage
from fragtui.sim.measures.metrics import ServingMetrics
from fragtui.sim.engines.record import SideRecord
from fragtui.sim.engines.serving.types import RequestState
from fragtui.sim.workload.requests import Request

class _Stale:
    """`last` not known after a fast replay; worked out when asked."""


_STALE = _Stale()


class ServingRun:
    """One allocator serving one stream of requests, tick by tick, with exact history."""

    def __init__(
        self,
        requests: Iterable[Request] | Stream,
        *,
        side: Side | None = None,
        allocator: str = "paged",
        total_slots: int = 0,
        max_len: int = 0,
        block_size: int = 16,
        reservation: str = "max",
        placement: str = "first",
        order: str = "fifo",
        watermark: float = 0.0,
        warmup: int = 0,
        history: bool = True,
        checkpoint_every: int = 1024,
        samples: int = 1,
        beam_width: int = 1,
        seed: int = 0,
    ) -> None:
        """`requests` are Requests or anything with id, arrival_tick, prompt and output,
        or a Stream of them already checked. `side` is the allocator, resolved (config/sides.py);
        without it, `allocator` spells one (a side's spelling: "paged", "best", "max",
        "paged:block_size=8") on a pool of `total_slots` with `max_len`, the other options those
        it does not pin.
        `watermark`: the share of blocks paged keeps free at admission (vLLM's 0.01). `warmup`:
        the steady-state averages start after this many completions. `history=False` keeps no
        checkpoints but the start and no logs (completed, rejected and moments stay empty),
        for runs that only want metrics. With `samples` or
        `beam_width` above 1 each request runs as that many sequences (sharing.py; `seed` picks
        the beams)."""
        if side is None:
            for name, value in (("total_slots", total_slots), ("max_len", max_len), ("block_size", block_size)):
                if value < 1:
                    raise ValueError(f"{name} must be at least 1, got {value}")
            try:
                side = one_side(allocator, total_slots, max_len, block_size=block_size, reservation=reservation,
                                placement=placement, order=order, watermark=watermark)
            except ParamError as error:
                raise ValueError(str(error)) from None
        for name, value in (("checkpoint_every", checkpoint_every), ("samples", samples), ("beam_width", beam_width)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if samples > 1 and beam_width > 1:
            raise ValueError("samples and beam_width cannot both be above 1")
        self.side = side
        self.total_slots = side.setting.total_slots
        self.max_len = side.setting.max_len
        stream = requests if isinstance(requests, Stream) and requests.max_len == self.max_len else Stream(
            requests.requests if isinstance(requests, Stream) else requests, self.max_len)
        self.requests = stream.requests
        width = max(samples, beam_width)
        self.sequences = Sequences(width, (r.id for r in self.requests))
        serving = Serving(width, beam_width > 1, seed, {r.id: r.prompt for r in self.requests} if width > 1 else None,
                          {r.id: r.output for r in self.requests} if width > 1 else None)
        memory = side.allocator.serve(side.setting, serving)
        self.reshapes = memory.reshapes  # every tick may change every table
        self.block_size = memory.block_size  # (growth phases; 1 where nothing grows)
        self._engine = _Engine(stream, memory, self.block_size, warmup, logs=history)
        self._history = history
        self._every = checkpoint_every
        self._checkpoints = [(0, self._engine.clone())]  # (tick, engine), by tick
        self._last: SideRecord | None | _Stale = None
        self._end: int | None = None  # the last tick count, once seen

    # -- position ------------------------------------------------------------------------

    @property
    def tick(self) -> int:
        """How many ticks have run."""
        return self._engine.tick

    @property
    def done(self) -> bool:
        """Every request completed or rejected."""
        return self._engine.done

    @property
    def end_tick(self) -> int | None:
        """The tick count at which the run is over, once the run has got there."""
        return self._end

    @property
    def last(self) -> SideRecord | None:
        """The record of the tick just run; None at tick 0."""
        if isinstance(self._last, _Stale):
            self._seek(self.tick)
        assert not isinstance(self._last, _Stale)
        return self._last

    # -- moving --------------------------------------------------------------------------

    def step(self) -> SideRecord | None:
        """Run one tick; None once the run is over."""
        engine = self._engine
        if engine.done:
            self._end = engine.tick
            return None
        quiet = engine.stretch(engine.tick + 1) if engine.next_event() > engine.tick else None
        if quiet is not None:
            grown, completed, first_arrival = quiet
            arrived = tuple(r.id for r in self.requests[first_arrival:engine.next_arrival])
            record = SideRecord(engine.tick - 1, (), arrived, (), (), tuple(grown), (), tuple(completed),
                                len(engine.running), engine.breakdown())
        else:
            tick = engine.run_tick()
            start, end = tick.arrivals
            record = SideRecord(tick.tick, tuple(tick.freed), tuple(r.id for r in self.requests[start:end]),
                                tuple(tick.admitted), tuple(tick.rejected), tuple(tick.grown), tuple(tick.preempted),
                                tuple(tick.completed), tick.batch, engine.breakdown(), tick.copies, tick.released)
        self._maybe_checkpoint()
        if engine.done:
            self._end = engine.tick
        self._last = record
        return record

    def step_back(self) -> SideRecord | None:
        """Undo the last tick exactly; returns its record, None at tick 0."""
        if self.tick == 0:
            return None
        undone = self.last
        self.goto(self.tick - 1)
        return undone

    def goto(self, tick: int) -> None:
        """Go to the state after `tick` ticks (clamped to the run's end)."""
        target = max(0, tick)
        if self._end is not None:
            target = min(target, self._end)
        if target != self.tick or self._last is _STALE:
            self._seek(target)

    def run(self) -> ServingRun:
        """Run to the end."""
        self._forward(NEVER)
        self._end = self.tick
        self._last = _STALE
        return self

    def _seek(self, target: int) -> None:
        """Be at `target` with `last` known: restore, fast-forward to target − 1, step once."""
        before = max(0, target - 1)
        index = bisect_right(self._checkpoints, before, key=lambda c: c[0]) - 1
        if target <= self.tick or self._checkpoints[index][0] > self.tick:
            self._engine = self._checkpoints[index][1].clone()
        if target == 0:
            self._last = None
            return
        self._forward(target - 1)
        if self._engine.tick == target - 1 and not self._engine.done:
            self.step()
        else:  # over before the target
            self._end = self._engine.tick
            self._seek(self._end)

    def _forward(self, target: float) -> None:
        """Run to tick `target` (or the end) without records, a stretch at a time."""
        engine = self._engine
        next_event, stretch, run_tick = engine.next_event, engine.stretch, engine.run_tick  # (the hot loop)
        checkpoint = self._maybe_checkpoint if self._history else None
        while engine.tick < target and not engine.done:
            event = next_event()
            stop = min(event, target)
            assert stop != NEVER, "a run that is not done has a free or an arrival to come"
            if event == engine.tick or stretch(int(stop)) is None:
                run_tick()
            if checkpoint is not None:
                checkpoint()
        self._last = _STALE

    def _maybe_checkpoint(self) -> None:
        if not self._history:
            return
        tick, engine = self._checkpoints[-1]
        if self._engine.tick > tick and self._engine.work - engine.work >= self._every:
            self._checkpoints.append((self._engine.tick, self._engine.clone()))

    # -- reading -------------------------------------------------------------------------

    def breakdown(self) -> Breakdown:
        """The pool after the current tick."""
        return self._engine.breakdown()

    def running(self) -> tuple[RequestState, ...]:
        """Requests holding memory, in admission order (finished ones until the next tick)."""
        e = self._engine
        states = []
        for rid, (_, base, _) in e.running.items():
            request = e.by_id[rid]
            states.append(_state(request, base + e.tick - request.prompt))
        return tuple(states)

    def state_of(self, rid: int) -> RequestState | None:
        """Request `rid` as it stands, if it is running."""
        e = self._engine
        entry = e.running.get(rid)
        if entry is None:
            return None
        request = e.by_id[rid]
        return _state(request, entry[1] + e.tick - request.prompt)

    def waiting(self, limit: int | None = None) -> tuple[RequestState, ...]:
        """The waiting queue, head first (the first `limit` of it)."""
        e = self._engine
        limit = len(self.requests) if limit is None else limit
        states = [_state(e.by_id[rid], generated) for rid, generated in list(e.preempted)[:limit]]
        stop = min(e.next_arrival, e.next_fresh + limit - len(states))
        states += (_state(r, 0) for r in self.requests[e.next_fresh:stop])
        return tuple(states)

    @property
    def waiting_count(self) -> int:
        e = self._engine
        return len(e.preempted) + e.next_arrival - e.next_fresh

    def completed(self) -> tuple[int, ...]:
        """Ids of completed requests, in completion order."""
        return tuple(self._engine.completed_log[:self._engine.completed])

    def moments(self) -> list[tuple[int, int]]:
        """(tick, `fragtui.sim.engines.jumps` flags) of every tick run so far that refused, rejected or
        preempted, by tick (0-based, as SideRecord.tick)."""
        return self._engine.moments_log

    def rejected(self) -> tuple[int, ...]:
        """Ids of requests that could never fit the pool, in rejection order."""
        return tuple(self._engine.rejected_log[:self._engine.rejected])

    def metrics(self) -> ServingMetrics:
        e = self._engine
        ticks, queued = e.tick, e.queued_ticks
        entries, held = e.block_sums
        hit, queried = e.memory.lookups()
        breakdown = e.breakdown_of(ticks, e.sums)
        return ServingMetrics(
            ticks=ticks,
            arrived=e.next_arrival,
            admitted=e.admitted,
            completed=e.completed,
            rejected=e.rejected,
            preemptions=e.preemptions,
            tokens_generated=e.generated,
            queued_ticks=queued,
            throughput=_ratio(e.completed, ticks),
            mean_batch=_ratio(e.batch_sum, ticks),
            mean_batch_queued=_ratio(e.batch_sum_queued, queued),
            mean_queueing_delay=_ratio(e.delay_sum, e.admitted),
            breakdown=breakdown,
            breakdown_queued=e.breakdown_of(queued, e.sums_queued),
            copies=e.memory.copies,
            saved_share=_ratio(entries - held, entries),
            hit_rate=hit / queried if queried else None,
            kv_usage=kv_usage(breakdown.free, breakdown.total - breakdown.unusable) if e.memory.grows else None,
            **self._steady(),
        )

    def _steady(self) -> dict[str, Any]:
        """The averages over the steady-state window (after the warm-up): memory-bound ticks, and
        ticks before the last arrival."""
        e, window = self._engine, self._engine.window
        if window is None:  # the warm-up never ended
            return dict(warmup_ticks=e.tick, steady_queued_ticks=0, steady_mean_batch_queued=0.0,
                        steady_breakdown_queued=Breakdown(), steady_mean_batch_arriving=0.0)
        queued = e.queued_ticks - window.queued_ticks
        (a, b, c, d, f), (a0, b0, c0, d0, f0) = e.sums_queued, window.sums_queued
        sums = (a - a0, b - b0, c - c0, d - d0, f - f0)
        return dict(
            warmup_ticks=window.tick,
            steady_queued_ticks=queued,
            steady_mean_batch_queued=_ratio(e.batch_sum_queued - window.batch_sum_queued, queued),
            steady_breakdown_queued=e.breakdown_of(queued, sums),
            steady_mean_batch_arriving=_ratio(e.batch_sum_arriving - window.batch_sum_arriving,
                                              e.arriving_ticks - window.arriving_ticks),
        )

    def running_ids(self) -> tuple[int, ...]:
        """Requests holding memory now, in admission order."""
        return tuple(self._engine.running)

    def holders(self, rids: Iterable[int]) -> tuple[int, ...]:
        """The holdings (sequences) of requests `rids`: the requests themselves, one sequence each."""
        if self.sequences.width == 1:
            return tuple(rids)
        return tuple(sid for rid in rids for sid in self.sequences.ids(rid))

    @property
    def pool(self) -> Pool:
        """The pool now, through the pool contract."""
        return self._engine.memory.pool(_Progress(self._engine, self.sequences), self._engine.head())


class _Progress:
    """A running request holds base + tick tokens and will reach its final length."""

    def __init__(self, engine: _Engine, sequences: Sequences) -> None:
        self.engine = engine
        self.request = sequences.request if sequences.width > 1 else int  # a sequence's request

    def tokens(self, sid: int) -> int:
        return self.engine.running[self.request(sid)][1] + self.engine.tick

    def reach(self, sid: int) -> int:
        return self.engine.by_id[self.request(sid)].final


def _state(request: Request, generated: int) -> RequestState:
    return RequestState(request.id, request.arrival_tick, request.prompt, request.output, generated)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def serving_run(params: Params, requests: Sequence[Request], side: Side, history: bool = True) -> ServingRun:
    """The run the parameters describe for one side."""
    p = params
    return ServingRun(requests, side=side, warmup=int(p.warmup * len(requests)), samples=p.samples,
                      beam_width=p.beam_width, seed=p.seed, history=history)
