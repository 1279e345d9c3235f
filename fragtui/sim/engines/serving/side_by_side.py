"""Several serving runs of one stream, side by side on every core (parallel.py): the four
baselines of the PagedAttention paper, and paged serving at several sharing widths."""

from __future__ import annotations

from typing import Any, Iterable

from fragtui.sim.allocators.contiguous import RESERVATIONS
from fragtui.sim.engines.serving.parallel import run_all
from fragtui.sim.engines.serving.stream import Stream
from fragtui.sim.engines.serving.types import ServingMetrics


def compare(
    requests: Iterable,
    *,
    total_slots: int,
    max_len: int,
    block_size: int = 16,
    order: str = "fifo",
    placement: str = "first",
    watermark: float = 0.0,
    warmup: int = 0,
    samples: int = 1,
    beam_width: int = 1,
    seed: int = 0,
    workers: int | None = None,
) -> dict[str, ServingMetrics]:
    """Orca Max, Orca Pow2, Orca Oracle and paged on the same requests, run to the end (side by
    side on a long stream: see parallel.py)."""
    common = dict(total_slots=total_slots, max_len=max_len, block_size=block_size, warmup=warmup,
                  samples=samples, beam_width=beam_width, seed=seed)
    jobs: dict[str, dict[str, Any]] = {"paged": dict(common, allocator="paged", order=order, watermark=watermark)}
    for policy in RESERVATIONS:  # after paged, the longest run, so that the cores share the work evenly
        jobs[policy] = dict(common, allocator="contiguous", reservation=policy, placement=placement)
    results = run_all(Stream(requests, max_len), jobs, workers)
    return {name: results[name] for name in (*RESERVATIONS, "paged")}


def sharing_savings(
    requests: Iterable,
    *,
    kind: str,
    widths: tuple[int, ...] = (2, 4, 6),
    total_slots: int,
    max_len: int,
    block_size: int = 16,
    order: str = "fifo",
    seed: int = 0,
    workers: int | None = None,
) -> dict[int, float]:
    """Paged serving with each width of `kind` ("samples" or "beam_width"): the share of blocks
    sharing saved, over all ticks (the PagedAttention paper's Fig. 15)."""
    jobs = {width: dict(allocator="paged", order=order, total_slots=total_slots, max_len=max_len,
                        block_size=block_size, seed=seed, samples=width if kind == "samples" else 1,
                        beam_width=width if kind == "beam_width" else 1) for width in widths}
    return {width: metrics.saved_share for width, metrics in run_all(Stream(requests, max_len), jobs, workers).items()}
