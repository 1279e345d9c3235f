"""Several serving runs of one stream, side by side on every core (sim/parallel.py): every side
of a run (the PagedAttention paper's four baselines, say), and paged serving at several sharing
widths."""

from __future__ import annotations

from functools import partial
from typing import Any, Iterable, Sequence

from fragtui.sim.allocators.registry import GROWS
from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side, one_side, resolve
from fragtui.sim.workload.requests import Request
from fragtui.sim.parallel import run_all
from fragtui.sim.engines.serving.stream import Stream
from fragtui.sim.measures.metrics import ServingMetrics


def compare(
    requests: Iterable[Request],
    sides: tuple[Side, ...],
    *,
    warmup: int = 0,
    samples: int = 1,
    beam_width: int = 1,
    seed: int = 0,
    workers: int | None = None,
) -> tuple[ServingMetrics, ...]:
    """Every side on the same requests, run to the end (side by side on a long stream: see
    parallel.py); their metrics, in the sides' order."""
    common = dict(warmup=warmup, samples=samples, beam_width=beam_width, seed=seed)
    # Sides that grow (paged) serve the longest: they go first, so that the cores share the work evenly.
    order = sorted(range(len(sides)), key=lambda i: not sides[i].allocator.can(GROWS))
    stream = Stream(requests, sides[0].setting.max_len)
    jobs = {i: partial(_metrics, stream, dict(common, side=sides[i])) for i in order}
    results = run_all(jobs, _pays(stream), workers)
    return tuple(results[i] for i in range(len(sides)))


def sharing_savings(
    requests: Iterable[Request],
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
    side = one_side("paged", total_slots, max_len, block_size=block_size, order=order)
    stream = Stream(requests, max_len)
    jobs = {width: partial(_metrics, stream, dict(side=side, seed=seed, samples=width if kind == "samples" else 1,
                                                  beam_width=width if kind == "beam_width" else 1)) for width in widths}
    return {width: metrics.saved_share for width, metrics in run_all(jobs, _pays(stream), workers).items()}


PARALLEL_FROM = 20_000  # requests in the stream: below this a run takes well under a second


def _pays(stream: Stream) -> bool:
    return len(stream.requests) >= PARALLEL_FROM


def _metrics(stream: Stream, job: dict[str, Any]) -> ServingMetrics:
    from fragtui.sim.engines.serving.run import ServingRun

    return ServingRun(stream, history=False, **job).run().metrics()


def compare_params(params: Params, requests: Sequence[Request]) -> tuple[ServingMetrics, ...]:
    """Every side the parameters name, run to the end on `requests`: their metrics, in order."""
    return compare(requests, resolve(params), warmup=int(params.warmup * len(requests)), samples=params.samples,
                   beam_width=params.beam_width, seed=params.seed)
