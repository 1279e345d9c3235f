"""Contiguous allocation, the pre-vLLM way: every request reserves one run of slots.

Reservation (how many slots): `max` = max_len, `pow2` = the smallest power of two holding
the request (at most max_len), `oracle` = exactly what it holds. These are the PagedAttention
paper's Orca (Max), Orca (Pow2) and Orca (Oracle).
Placement (which run): `first`, `best`, `worst`, `next`; ties go to the lowest address. (The
fifth placement, `buddy`, is a binary buddy allocator of its own: buddy.py.)
"""

from __future__ import annotations

from typing import Callable, Literal, Protocol, get_args

from fragtui.sim.allocators.adapters import RunPool
from fragtui.sim.allocators.free_runs import FreeRuns
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, POOL_FULL, REJECTED, ContiguousOutcome
from fragtui.sim.allocators.snapshot import RunSnapshot
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.pool import Pool
from fragtui.sim.workload.requests import Request

Reservation = Literal["max", "pow2", "oracle"]
RESERVATIONS: tuple[Reservation, ...] = get_args(Reservation)
_new = tuple.__new__  # outcomes are tuples: one C call each
FITS = ("first", "best", "worst", "next")  # placements this allocator makes


def placement_title(placement: str, reservation: str, mode: str) -> str:
    """A contiguous pane's title after its side's label: `first fit · reserve max`, or in
    serving mode, where the reservations are the paper's Orca systems, `first fit · Orca max`."""
    return f"{placement} · Orca {reservation}" if mode == "serving" else f"{placement} · reserve {reservation}"


def run_metrics(pool: RunHolder, stranded_below: int, slack: int = 0) -> Metrics:
    """The metrics of a pool that holds one run per request (contiguous, buddy)."""
    admitted, rejected, fragmented, live, used, reserved, free, largest, entries = pool.tallies()
    return Metrics(admitted=admitted, rejected=rejected, rejected_pool_full=rejected - fragmented,
                   rejected_fragmented=fragmented, live=live, used=used, reserved=reserved, slack=slack, free=free,
                   unusable=0, largest_free_run=largest, holes=pool.holes, stranded=pool.stranded(stranded_below),
                   block_table_entries=entries, total_slots=pool.total_slots)


class RunHolder(Protocol):
    """What `run_metrics` reads."""

    total_slots: int

    @property
    def holes(self) -> int: ...

    def tallies(self) -> tuple[int, ...]: ...

    def stranded(self, threshold: int) -> int: ...


def reservation_for(policy: str, length: int, max_len: int) -> int:
    """Slots a request that will reach `length` tokens reserves under `policy` in event mode,
    where a request has no prompt/output split: pow2 is the smallest power of two ≥ length."""
    if policy == "max":
        return max_len
    if policy == "pow2":
        return min(next_pow2(length), max_len)
    return length


def serving_reservation(policy: str, prompt: int, output: int, max_len: int) -> int:
    """Slots a request reserves in serving mode, where prompt and output are known apart. Pow2 is
    the PagedAttention paper's (§6.1): it over-reserves the output by at most 2×, so an output
    of 25 reserves 32 output slots beside the prompt's, at most max_len."""
    if policy == "pow2":
        return min(prompt + next_pow2(output), max_len)
    return reservation_for(policy, prompt + output, max_len)


def next_pow2(n: int) -> int:
    return 1 << (n - 1).bit_length()


class ContiguousAllocator:
    def __init__(self, total_slots: int, reservation: str = "max", placement: str = "first") -> None:
        self.total_slots = total_slots
        self.reservation = reservation
        self.placement = placement
        self.runs = FreeRuns(total_slots, track_sizes=placement in ("best", "worst"))
        self.allocations: dict[int, tuple[int, int, int]] = {}  # id -> (start, length, used)
        self.cursor = 0  # where next fit resumes
        self.admitted = 0
        self.rejected_pool_full = 0
        self.rejected_fragmented = 0
        self.used = 0
        self.reserved = 0  # reserved but empty: internal fragmentation
        self._find = _placement(self, placement)

    @property
    def free(self) -> int:
        return self.total_slots - self.used - self.reserved

    @property
    def live(self) -> int:
        return len(self.allocations)

    @property
    def largest(self) -> int:
        """The longest free run."""
        return self.runs.largest

    @property
    def holes(self) -> int:
        """How many free runs there are."""
        return len(self.runs)

    def requested(self, request_id: int) -> int:
        """The slots live request `request_id` reserved (here, exactly its run)."""
        return self.allocations[request_id][1]

    def free_runs_around(self, start: int, end: int) -> list[tuple[int, int]]:
        """The free runs touching slots [start, end): a take shortens one, a release merges
        with its neighbours (or, undone, splits from them)."""
        run_at, total = self.runs.run_at, self.total_slots
        found = {run_at(slot) for slot in (start - 1, start, end) if 0 <= slot < total}
        return [run for run in found if run is not None]

    def free_runs(self) -> list[tuple[int, int]]:
        """Every free run as (start, length), by address."""
        return self.runs.runs()

    def admit(self, request: Request) -> ContiguousOutcome:
        used = request.used
        policy = self.reservation
        if policy == "max":
            need = request.max_len
        elif policy == "oracle":
            need = used
        else:
            need = reservation_for(policy, used, request.max_len)
        start = self._find(need)
        if start is None:
            if self.total_slots - self.used - self.reserved < need:
                self.rejected_pool_full += 1
                reason = POOL_FULL
            else:
                self.rejected_fragmented += 1
                reason = FRAGMENTED
            return _new(ContiguousOutcome, (REJECTED, reason, request.id, -1, need, used, 0, 0, self.cursor, need))
        self.runs.take(start, need)
        self.allocations[request.id] = (start, need, used)
        outcome = _new(ContiguousOutcome, (ADMITTED, None, request.id, start, need, used, 0, 0, self.cursor, need))
        self.cursor = start + need
        self.admitted += 1
        self.used += used
        self.reserved += need - used
        return outcome

    def free_request(self, request_id: int) -> ContiguousOutcome:
        allocation = self.allocations.pop(request_id, None)
        if allocation is None:
            return _new(ContiguousOutcome, (NOOP, None, request_id, -1, 0, 0, 0, 0, self.cursor, 0))
        start, length, used = allocation
        left, right = self.runs.release(start, length)
        self.used -= used
        self.reserved -= length - used
        return _new(ContiguousOutcome, (FREED, None, request_id, start, length, used, left, right, self.cursor, length))

    def undo(self, outcome: ContiguousOutcome) -> None:
        """Exactly reverse `outcome`, which must be the last thing this allocator did."""
        kind = outcome.kind
        if kind == ADMITTED:
            start, length, used = outcome.start, outcome.length, outcome.used
            del self.allocations[outcome.request_id]
            self.runs.untake(start, length)
            self.admitted -= 1
            self.used -= used
            self.reserved -= length - used
        elif kind == REJECTED:
            if outcome.reason == POOL_FULL:
                self.rejected_pool_full -= 1
            else:
                self.rejected_fragmented -= 1
        elif kind == FREED:
            start, length, used = outcome.start, outcome.length, outcome.used
            self.runs.unrelease(start, length, outcome.left, outcome.right)
            self.allocations[outcome.request_id] = (start, length, used)
            self.used += used
            self.reserved += length - used
        self.cursor = outcome.cursor

    def clone(self) -> ContiguousAllocator:
        """An independent copy (serving mode's history checkpoints)."""
        twin = ContiguousAllocator.__new__(ContiguousAllocator)
        twin.__dict__.update(self.__dict__)
        twin.runs = self.runs.clone()
        twin.allocations = dict(self.allocations)
        twin._find = _placement(twin, self.placement)  # bound to the copy's own runs
        return twin

    def stranded(self, threshold: int) -> int:
        """Free slots in runs too short for a reservation of `threshold` slots."""
        return sum(length for length in self.runs.by_start.values() if length < threshold)

    def run_needed(self, reservation: int) -> int:
        """The free run a reservation needs: shorter runs strand."""
        return reservation

    def can_ever_fit(self, reservation: int) -> bool:
        return reservation <= self.total_slots

    # -- read (allocator.py) ---------------------------------------------------------------

    def tallies(self) -> tuple[int, ...]:
        live = len(self.allocations)
        return (self.admitted, self.rejected_pool_full + self.rejected_fragmented, self.rejected_fragmented, live,
                self.used, self.reserved, self.total_slots - self.used - self.reserved, self.runs.largest, live)

    def metrics(self, max_len: int, holes: bool = True) -> Metrics:
        return run_metrics(self, self.run_needed(max_len))

    def snapshot(self) -> RunSnapshot:
        allocations = sorted((s, n, rid, u) for rid, (s, n, u) in self.allocations.items())
        return RunSnapshot(self.total_slots, tuple(allocations), tuple(self.free_runs()), self.cursor)

    def pool(self, max_len: int) -> Pool:
        return RunPool(self, self.run_needed(max_len))


def _placement(pool: ContiguousAllocator, placement: str) -> Callable[[int], int | None]:
    """The function that picks a run for `need` slots, bound to this pool's free runs."""
    runs = pool.runs
    if placement == "next":
        return lambda need: runs.next_fit(need, pool.cursor)
    fits: dict[str, Callable[[int], int | None]] = {
        "first": runs.first_fit, "best": runs.best_fit, "worst": runs.worst_fit,
    }
    return fits[placement]
