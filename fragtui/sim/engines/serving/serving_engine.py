"""Serving mode's engine: every side serving the same requests, a tick per step, behind the
same face as event mode's engine."""

from __future__ import annotations

from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side, resolve
from fragtui.sim.engines.jumps import Moments
from fragtui.sim.pool import Change, Pool
from fragtui.sim.engines.serving.run import ServingRun
from fragtui.sim.engines.record import SideRecord
from fragtui.sim.engines.serving.run import serving_run
from fragtui.sim.workload.build import Workload, build_workload


class ServingEngine:
    mode = "serving"
    unit = "tick"

    def __init__(self, params: Params) -> None:
        self.initial_params = params
        self._build(params)

    def _build(self, params: Params, tick: int = 0) -> None:
        workload = build_workload(params)
        # A what-if that changes some sides only (o, O, R, k on one pane) keeps the runs of the
        # others: the same requests through the same allocator and setting run the same.
        before: tuple[ServingRun, ...] = getattr(self, "runs", ())
        if before and (_run_params(params) != _run_params(self.params) or workload.requests != self.workload.requests):
            before = ()
        runs = []
        for side in resolve(params):
            kept = next((run for run in before if (run.side.allocator, run.side.setting, run.side.label)
                         == (side.allocator, side.setting, side.label)), None)
            if kept is None:
                kept = serving_run(params, workload.requests, side)
                kept.run()  # learn where it ends (and its moments, for jumps), then rewind
                kept.goto(0)
            runs.append(kept)
        flags: dict[int, int] = {}
        for run in runs:
            for t, bits in run.moments():
                flags[t + 1] = flags.get(t + 1, 0) | bits  # tick t is step t + 1
        self.params: Params = params
        self.workload: Workload = workload
        self.runs: tuple[ServingRun, ...] = tuple(runs)
        self.moments = Moments(sorted(flags.items()))
        self.ends: tuple[int, ...] = tuple(run.end_tick or 0 for run in runs)
        self.tick = 0
        self.records: tuple[SideRecord | None, ...] = (None,) * len(runs)  # None: at tick 0, or that run is over
        self.jump(tick)

    # -- where we are ----------------------------------------------------------------------

    @property
    def edited(self) -> bool:
        return self.params != self.initial_params

    hand_events = 0  # requests come from the workload only

    @property
    def step(self) -> int:
        return self.tick

    @property
    def total_steps(self) -> int:
        return max(self.ends)

    @property
    def at_end(self) -> bool:
        return self.tick >= self.total_steps

    @property
    def sides(self) -> tuple[Side, ...]:
        return tuple(run.side for run in self.runs)

    @property
    def pools(self) -> tuple[Pool, ...]:
        return tuple(run.pool for run in self.runs)

    # -- moving ----------------------------------------------------------------------------

    def forward(self) -> tuple[Change, ...] | None:
        if self.at_end:
            return None
        return self._move(self.tick + 1)

    def back(self) -> tuple[Change, ...] | None:
        if self.tick == 0:
            return None
        return self._move(self.tick - 1)

    def jump(self, step: int) -> None:
        self.tick = max(0, min(step, self.total_steps))
        for run, end in zip(self.runs, self.ends):
            run.goto(min(self.tick, end))
        self.records = tuple(run.last if run.tick == self.tick else None for run in self.runs)

    def _move(self, tick: int) -> tuple[Change, ...]:
        """One tick forward or back. The tick that ran (or is undone) replaced the holdings of
        the requests it admitted, freed or preempted; every other request running before or
        after it only appended a token, or grew a block — unless its beams may have changed
        their tables (forks, drops, copies), when it is replaced too. A request's holdings are
        its sequences (`ServingRun.holders`)."""
        forward = tick > self.tick
        changes = []
        for run, end, record in zip(self.runs, self.ends, self.records):
            before = run.running_ids()
            undone = None if forward else record
            run.goto(min(tick, end))
            done = run.last if forward and run.tick == tick else undone
            if done is None:  # this run was already over
                changes.append(Change())
                continue
            replaced = set(done.admitted) | set(done.freed) | set(done.preempted)
            if forward:  # who ran before and after appended a token; some also took a block
                grown = set(done.grown)
                kept = [rid for rid in before if rid not in replaced]
                if run.reshapes:
                    replaced.update(kept)
                    kept = []
                changes.append(Change(run.holders(replaced), run.holders(rid for rid in kept if rid in grown),
                                      run.holders(rid for rid in kept if rid not in grown), done.released))
            else:
                resized = [rid for rid in dict.fromkeys(before + run.running_ids()) if rid not in replaced]
                if run.reshapes:
                    replaced.update(resized)
                    resized = []
                changes.append(Change(run.holders(replaced), run.holders(resized), blocks=done.released))
        self.tick = tick
        self.records = tuple(run.last if run.tick == tick else None for run in self.runs)
        return tuple(changes)

    def find(self, kind: str, direction: int, start: int | None = None) -> int | None:
        return self.moments.find(kind, direction, self.tick if start is None else start)

    def arrival(self, request_id: int) -> int | None:
        request = next((r for r in self.workload.requests if r.id == request_id), None)
        return None if request is None else min(request.arrival_tick + 1, self.total_steps)

    def set_params(self, **changes: object) -> tuple[bool, ...]:
        """Rebuild under new parameters at the same tick; raises (keeping everything) if the
        new values are refused. Says which sides kept their runs."""
        params = self.params.with_(**changes)
        old = self.__dict__.copy()
        try:
            self._build(params, self.tick)
        except BaseException:
            self.__dict__.update(old)
            raise
        before = old["runs"]
        return tuple(i < len(before) and run is before[i] for i, run in enumerate(self.runs))


def _run_params(params: Params) -> tuple[object, ...]:
    """What a run reads besides its requests and its side (serving_run)."""
    return params.warmup, params.samples, params.beam_width, params.seed
