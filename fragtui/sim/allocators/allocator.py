"""What every allocator presents to the engines: the write side (admit, free, undo, copy), its
running tallies, and how to read it (its metrics, a comparable snapshot, the pool contract).

Both engines use every allocator through this contract alone, so an allocator of any family
serves in either mode, and stepping back works the same for all of them: event mode undoes an
outcome, serving mode restores a copy (`clone`) and replays forward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, Protocol, Self, TypeVar

from fragtui.sim.workload.requests import Request

if TYPE_CHECKING:
    from fragtui.sim.measures.metrics import Metrics
    from fragtui.sim.pool import Pool


class Outcome(Protocol):
    """What one admission or free did: enough to narrate it and to undo it exactly."""

    @property
    def kind(self) -> str:
        """ADMITTED, REJECTED, FREED or NOOP (outcomes.py)."""
        ...

    @property
    def reason(self) -> str | None:
        """A rejection's: POOL_FULL or FRAGMENTED."""
        ...

    @property
    def request_id(self) -> int: ...

    @property
    def used(self) -> int: ...


O = TypeVar("O", bound=Outcome)


class Allocator(Protocol[O]):
    """One pool of `total_slots` slots under one allocation policy, with exact undo; `O` is
    the kind of outcome it says what it did with."""

    total_slots: int
    admitted: int
    rejected_pool_full: int
    rejected_fragmented: int
    used: int  # slots holding a token

    @property
    def reserved(self) -> int:
        """Slots held for a request and holding no token."""
        ...

    @property
    def free(self) -> int: ...

    @property
    def live(self) -> int:
        """Requests holding memory."""
        ...

    def admit(self, request: Request) -> O: ...

    def free_request(self, request_id: int) -> O: ...

    def undo(self, outcome: O) -> None:
        """Exactly reverse `outcome`, which must be the last thing this allocator did."""
        ...

    def clone(self) -> Self:
        """An independent copy (serving mode's checkpoints)."""
        ...

    def tallies(self) -> tuple[int, ...]:
        """The cheap tallies, in `measures.metrics.SERIES_FIELDS` order: O(1)."""
        ...

    def metrics(self, max_len: int, holes: bool = True) -> Metrics:
        """Every metric now; `max_len` sets what a free run too short for a request strands,
        and `holes=False` skips what costs more than O(1) to count."""
        ...

    def snapshot(self) -> Hashable:
        """The pool's whole state as a value: equal exactly when two pools are the same."""
        ...

    def pool(self, max_len: int) -> Pool:
        """The pool through the read contract, as event mode draws it (pool.py)."""
        ...
