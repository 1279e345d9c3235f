"""What both engines present: the lockstep event simulation (`EventEngine`) and the serving
runs side by side (`ServingEngine`) move, undo, jump and replay behind this one face, and each move says
what it changed in each pool."""

from __future__ import annotations

from typing import Protocol

from fragtui.sim.config.sides import Side
from fragtui.sim.engines.record import SideRecord
from fragtui.sim.config.params import Params
from fragtui.sim.pool import Change, Pool


class Engine(Protocol):
    mode: str  # "event" or "serving"
    unit: str  # what one step is called: "step" or "tick"

    @property
    def params(self) -> Params: ...

    @property
    def initial_params(self) -> Params: ...

    @property
    def edited(self) -> bool:
        """Parameters changed, or events added, since the engine was made."""
        ...

    @property
    def hand_events(self) -> int:
        """Events the user added (manual frees and arrivals)."""
        ...

    @property
    def step(self) -> int: ...

    @property
    def total_steps(self) -> int: ...

    @property
    def at_end(self) -> bool: ...

    @property
    def sides(self) -> tuple[Side, ...]:
        """The allocators side by side, in the order drawn."""
        ...

    @property
    def records(self) -> tuple[SideRecord | None, ...]:
        """What the last move did on each side (engines/record.py); None at step 0, and where
        that side's run was over already."""
        ...

    @property
    def pools(self) -> tuple[Pool, ...]:
        """Every side's pool as it stands now."""
        ...

    def forward(self) -> tuple[Change, ...] | None:
        """One step on; None at the end."""
        ...

    def back(self) -> tuple[Change, ...] | None:
        """One step undone, exactly; None at step 0."""
        ...

    def jump(self, step: int) -> None:
        """Be at `step` (clamped), however far: the caller draws everything afresh."""
        ...

    def find(self, kind: str, direction: int, start: int | None = None) -> int | None:
        """The nearest step after (`direction` 1) or before (-1) `start` (default: the current
        step) with a moment of `kind` (`fragtui.sim.engines.jumps.JUMP_KINDS`: "rejection",
        "fragmented"), or None. Reads a precomputed index: costs nothing however long the
        run, and moves nothing (`jump` there to go). Raises ValueError for another kind."""
        ...

    def arrival(self, request_id: int) -> int | None:
        """The step at whose end request `request_id` has arrived (event mode: its arrival
        event; serving mode: the tick it arrives in), or None if no such request arrives."""
        ...

    def set_params(self, **changes: object) -> tuple[bool, ...]:
        """Replay under new parameters to the same step; raises FragtuiError and keeps
        everything as it was if they are refused. Returns, for each side now, whether its
        pool is the one it was (a what-if on other sides kept it), so a picture of it stands."""
        ...


class ManualEngine(Engine, Protocol):
    """An engine that takes events from the user too (event mode)."""

    def free_oldest(self) -> tuple[Change, ...]: ...

    def inject_arrival(self) -> tuple[Change, ...]: ...
