"""Contiguous allocation, the pre-vLLM way: every request reserves one run of slots.

Reservation (how many slots): `max` = max_len, `pow2` = the smallest power of two holding
the request (at most max_len), `oracle` = exactly what it holds. These are the PagedAttention
paper's Orca (Max), Orca (Pow2) and Orca (Oracle).
Placement (which run): `first`, `best`, `worst`, `next`; ties go to the lowest address.
"""

from __future__ import annotations

from fragtui.sim.free_runs import FreeRuns
from fragtui.sim.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, POOL_FULL, REJECTED, ContiguousOutcome
from fragtui.sim.requests import Request

RESERVATIONS = ("max", "pow2", "oracle")
PLACEMENTS = ("first", "best", "worst", "next")


def reservation_for(policy: str, length: int, max_len: int) -> int:
    """Slots a request that will reach `length` tokens reserves under `policy`."""
    if policy == "max":
        return max_len
    if policy == "pow2":
        return min(1 << (length - 1).bit_length(), max_len)
    return length


class ContiguousAllocator:
    def __init__(self, total_slots: int, reservation: str = "max", placement: str = "first") -> None:
        self.total_slots = total_slots
        self.reservation = reservation
        self.placement = placement
        self.runs = FreeRuns(total_slots, track_sizes=placement in ("best", "worst"))
        if total_slots:
            self.runs.add(0, total_slots)
        self.allocations: dict[int, tuple[int, int, int]] = {}  # id -> (start, length, used)
        self.cursor = 0  # where next fit resumes
        self.admitted = 0
        self.rejected_pool_full = 0
        self.rejected_fragmented = 0
        self.used = 0
        self.reserved = 0  # reserved but empty: internal fragmentation
        self._find = {
            "first": self.runs.first_fit,
            "best": self.runs.best_fit,
            "worst": self.runs.worst_fit,
            "next": lambda need: self.runs.next_fit(need, self.cursor),
        }[placement]

    @property
    def free(self) -> int:
        return self.total_slots - self.used - self.reserved

    @property
    def live(self) -> int:
        return len(self.allocations)

    def admit(self, request: Request) -> ContiguousOutcome:
        used = request.used
        need = reservation_for(self.reservation, used, request.max_len)
        start = self._find(need)
        if start is None:
            reason = POOL_FULL if self.free < need else FRAGMENTED
            if reason == POOL_FULL:
                self.rejected_pool_full += 1
            else:
                self.rejected_fragmented += 1
            return ContiguousOutcome(REJECTED, reason, request.id, length=need, used=used, cursor=self.cursor)
        runs = self.runs
        run_length = runs.remove(start)
        if run_length > need:
            runs.add(start + need, run_length - need)
        self.allocations[request.id] = (start, need, used)
        outcome = ContiguousOutcome(ADMITTED, None, request.id, start, need, used, cursor=self.cursor)
        self.cursor = start + need
        self.admitted += 1
        self.used += used
        self.reserved += need - used
        return outcome

    def free_request(self, request_id: int) -> ContiguousOutcome:
        allocation = self.allocations.pop(request_id, None)
        if allocation is None:
            return ContiguousOutcome(NOOP, None, request_id, cursor=self.cursor)
        start, length, used = allocation
        runs = self.runs
        merged_start, merged_end = start, start + length
        left = right = 0
        left_start = runs.by_end.get(start)
        if left_start is not None:
            left = runs.remove(left_start)
            merged_start = left_start
        if merged_end in runs.by_start:
            right = runs.remove(merged_end)
            merged_end += right
        runs.add(merged_start, merged_end - merged_start)
        self.used -= used
        self.reserved -= length - used
        return ContiguousOutcome(FREED, None, request_id, start, length, used, left, right, self.cursor)

    def undo(self, outcome: ContiguousOutcome) -> None:
        """Exactly reverse `outcome`, which must be the last thing this allocator did."""
        kind = outcome.kind
        if kind == ADMITTED:
            start, length, used = outcome.start, outcome.length, outcome.used
            del self.allocations[outcome.request_id]
            runs = self.runs
            end = start + length
            # The run came from the start of a maximal free run, so nothing free ends at
            # `start`; only the remainder to the right can rejoin it.
            if end in runs.by_start:
                length += runs.remove(end)
            runs.add(start, length)
            self.admitted -= 1
            self.used -= used
            self.reserved -= outcome.length - used
        elif kind == REJECTED:
            if outcome.reason == POOL_FULL:
                self.rejected_pool_full -= 1
            else:
                self.rejected_fragmented -= 1
        elif kind == FREED:
            start, length, used = outcome.start, outcome.length, outcome.used
            runs = self.runs
            runs.remove(start - outcome.left)
            if outcome.left:
                runs.add(start - outcome.left, outcome.left)
            if outcome.right:
                runs.add(start + length, outcome.right)
            self.allocations[outcome.request_id] = (start, length, used)
            self.used += used
            self.reserved += length - used
        self.cursor = outcome.cursor

    def stranded(self, threshold: int) -> int:
        """Free slots in runs too short for a reservation of `threshold` slots."""
        return sum(length for length in self.runs.by_start.values() if length < threshold)
