"""The seed lab: one admission wave, no frees, contiguous against paged.

    >>> contiguous_admit([32] * 64)
    LabResult(admitted=8, rejected=56, wasted=3840)
    >>> paged_admit([33] * 64)
    LabResult(admitted=64, rejected=0, wasted=960)
"""

from __future__ import annotations

import sys
from typing import NamedTuple, Sequence, TextIO

from fragtui.sim.allocators.contiguous import ContiguousAllocator
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.workload.requests import Request


class LabResult(NamedTuple):
    admitted: int
    rejected: int
    wasted: int  # contiguous: Σ(max_len − used); paged: Σ(blocks·block_size − used)

    def line(self, name: str) -> str:
        return f"{name}: admitted={self.admitted} rejected={self.rejected} wasted={self.wasted}"


def contiguous_admit(arrivals: Sequence[int], total_slots: int = 4096, max_len: int = 512) -> LabResult:
    """Admit requests of `arrivals` tokens each, reserving max_len slots apiece, first fit."""
    pool = ContiguousAllocator(total_slots)
    for i, used in enumerate(arrivals):
        pool.admit(Request(i, used, max_len))
    return LabResult(pool.admitted, pool.rejected_pool_full + pool.rejected_fragmented, pool.reserved)


def paged_admit(arrivals: Sequence[int], total_slots: int = 4096, block_size: int = 16) -> LabResult:
    """Admit requests of `arrivals` tokens each, ceil(used / block_size) blocks apiece."""
    pool = PagedAllocator(total_slots, block_size)
    for i, used in enumerate(arrivals):
        pool.admit(Request(i, used, used))
    return LabResult(pool.admitted, pool.rejected_pool_full, pool.reserved)


def report(
    total_slots: int = 4096,
    max_len: int = 512,
    used_len: int = 32,
    block_size: int = 16,
    arrivals: int = 64,
    file: TextIO | None = None,
) -> None:
    """Print the seed lab's two lines."""
    wave = [used_len] * arrivals
    out = file or sys.stdout
    print(contiguous_admit(wave, total_slots, max_len).line("contiguous"), file=out)
    print(paged_admit(wave, total_slots, block_size).line("paged"), file=out)
