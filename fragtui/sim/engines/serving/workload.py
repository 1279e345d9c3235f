"""Serving-mode requests from parameters: arrival ticks, prompt and output lengths.

Generated requests arrive as a Poisson process at `rate` requests a second (`time_scale` ticks a
second, a tick being one decode iteration), with prompt and output drawn
independently (`--prompt-len`, `--output-len`; `--lengths azure-conv|azure-code` draws both from
the Azure trace's columns, which are nearly uncorrelated). A trace gives both lengths per row
and, when it has timestamps, the arrival ticks (`time_scale` ticks per second). A request whose
prompt + output exceeds max_len, or that has no output, is dropped before it arrives, and counted.

Every run finishes in bounded time or is refused before it starts: lengths that almost never
fit max_len are refused after at most MAX_DRAWS_PER_REQUEST draws per request kept (plus a
thousand), and a run whose work, estimated from its requests, passes WORK_LIMIT is refused with
the estimate (see `estimated_work`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from fragtui.sim.bulk import collector_paused
from fragtui.sim.errors import FragtuiError, safe
from fragtui.sim.workload.lengths import EMPIRICAL, parse_token_lengths, sharegpt
from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side, resolve
from fragtui.sim.engines.serving.side_by_side import compare
from fragtui.sim.engines.serving.run import ServingRun
from fragtui.sim.engines.serving.types import ServingMetrics, ServingRequest
from fragtui.sim.workload.traces import load_trace

MAX_DRAWS_PER_REQUEST = 100
WORK_LIMIT = 100_000_000  # busy ticks + block growths: minutes of engine time, not hours


@dataclass(frozen=True)
class ServingWorkload:
    requests: list[ServingRequest]
    dropped: int = 0  # longer than max_len, or with no output
    source: str = ""


def poisson_arrivals(count: int, rate_per_tick: float, rng: random.Random) -> list[int]:
    """Arrival ticks of a Poisson process: exponential gaps, summed, floored."""
    if rate_per_tick <= 0:
        raise ValueError(f"rate_per_tick must be positive, got {rate_per_tick}")
    ticks, now = [], 0.0
    for _ in range(count):
        now += rng.expovariate(rate_per_tick)
        ticks.append(int(now))
    return ticks


def build_serving_workload(params: Params) -> ServingWorkload:
    with collector_paused():
        workload = _from_trace(params) if params.trace is not None else _generated(params)
    _check_work(workload, params)
    return workload


def _generated(params: Params) -> ServingWorkload:
    prompt_spec, output_spec = params.prompt_len, params.output_len
    named = f"--prompt-len {prompt_spec} and --output-len {output_spec}"  # for an error
    if params.lengths in EMPIRICAL:
        prompt_spec = output_spec = params.lengths
        named = f"--lengths {params.lengths}"
    if prompt_spec == output_spec == "sharegpt":  # means as the paper's, among requests that fit
        prompts, outputs = sharegpt(params.max_len)
    else:
        prompts = parse_token_lengths(prompt_spec, params.used_len, "prompt", "prompt_len")
        outputs = parse_token_lengths(output_spec, params.used_len, "output", "output_len")
    lengths_rng = random.Random(f"lengths:{params.seed}")
    wanted, dropped = params.arrival_count, 0
    pairs: list[tuple[int, int]] = []
    while len(pairs) < wanted:
        prompt, output = prompts.sample(lengths_rng), outputs.sample(lengths_rng)
        if prompt + output > params.max_len:
            dropped += 1
            if dropped > MAX_DRAWS_PER_REQUEST * (len(pairs) + 10):  # fewer than ~1 in 100 fit
                raise FragtuiError(
                    f"{named}: only {len(pairs):,} of {len(pairs) + dropped:,} sampled requests fit max_len "
                    f"{params.max_len:,} (prompt + output); raise --max-len or shorten the lengths")
            continue
        pairs.append((prompt, output))
    ticks = poisson_arrivals(len(pairs), params.rate_per_tick, random.Random(f"arrivals:{params.seed}"))
    requests = [ServingRequest(i, tick, p, o) for i, (tick, (p, o)) in enumerate(zip(ticks, pairs))]
    source = (f"lengths {params.lengths}" if params.lengths != "constant"
              else f"prompt {prompt_spec}, output {output_spec}")
    return ServingWorkload(requests, dropped, f"{len(requests)} requests, {source}, {params.rate:g} req/s")


def estimated_work(requests: Sequence[ServingRequest], total_slots: int, block_size: int) -> tuple[int, int]:
    """A lower bound on what serving `requests` costs the engine: (ticks with a request
    running, block growths). A request runs for at least its output's ticks after it arrives,
    and the pool holds at most total_slots tokens a tick while each request holds prompt + k
    tokens in its k-th tick; paged takes a block at each block boundary it crosses."""
    busy = end = 0
    token_ticks = growths = 0
    for r in sorted(requests, key=lambda r: r.arrival_tick):
        start, stop = max(r.arrival_tick, end), r.arrival_tick + r.output
        if stop > start:
            busy, end = busy + stop - start, stop
        token_ticks += r.output * r.prompt + r.output * (r.output + 1) // 2
        growths += -(-(r.prompt + r.output) // block_size) + (-r.prompt // block_size)
    return max(busy, token_ticks // total_slots), growths


def sharing_work(requests: Sequence[ServingRequest], width: int, beams: bool, block_size: int) -> int:
    """What stepping shared sequences costs (sharing.py): each tick a request's samples take
    a step each; its beam candidates look at every block of their tables."""
    if width == 1:
        return 0
    if not beams:
        return sum(r.output for r in requests) * width
    return sum(r.output * -(-r.final // block_size) for r in requests) * width


def _check_work(workload: ServingWorkload, params: Params) -> None:
    ticks, growths = estimated_work(workload.requests, params.total_slots, params.block_size)
    steps = sharing_work(workload.requests, params.sequences, params.beam_width > 1, params.block_size)
    if ticks + growths + steps > WORK_LIMIT:
        shared = f", {steps:,} steps of their shared sequences" if steps else ""
        raise FragtuiError(
            f"serving run too long: {len(workload.requests):,} requests need at least {ticks:,} busy ticks"
            f"{shared} and {growths:,} block growths, more than {WORK_LIMIT:,} in all; use fewer --arrivals, "
            "shorter lengths, a smaller --max-len" + (", fewer --samples or --beam-width" if steps else "")
            + " or a larger --block-size")


def _from_trace(params: Params) -> ServingWorkload:
    assert params.trace is not None
    trace = load_trace(params.trace)
    outputs = parse_token_lengths(params.output_len, params.used_len, "output", "output_len")
    rng = random.Random(f"lengths:{params.seed}")
    arrivals = random.Random(f"arrivals:{params.seed}")
    limit = len(trace) if params.arrivals is None else params.arrivals
    requests: list[ServingRequest] = []
    dropped, now, scale = 0, 0.0, params.time_scale
    seconds = trace.seconds
    azure = trace.kind == "azure"
    lengths: dict[int, int] = {}
    same = lengths.setdefault  # one int object per distinct length: a trace repeats them (50 MB a million rows)
    for i, (prompt, given) in enumerate(zip(trace.prompts, trace.outputs)):  # columns: no row objects
        if len(requests) >= limit:
            break
        # Traces without an output column (a used/tokens CSV, plain numbers) take --output-len.
        output = given if azure else outputs.sample(rng)
        if seconds is not None:
            tick = int(seconds[i] * scale)  # from the earliest timestamp, so never negative
        else:
            now += arrivals.expovariate(params.rate_per_tick)
            tick = int(now)
        if output < 1 or prompt < 1 or prompt + output > params.max_len:
            dropped += 1
            continue
        requests.append(ServingRequest(len(requests), tick, same(prompt, prompt), same(output, output)))
    name = safe(trace.path.rsplit("/", 1)[-1], 60)  # printed in reports and titles
    return ServingWorkload(requests, dropped, f"trace {name}: {len(requests)} requests")


def compare_params(params: Params, requests: Sequence[ServingRequest]) -> tuple[ServingMetrics, ...]:
    """Every side run to the end on `requests`, its metrics, in the sides' order."""
    return compare(requests, resolve(params), warmup=int(params.warmup * len(requests)), samples=params.samples,
                   beam_width=params.beam_width, seed=params.seed)


def serving_run(params: Params, requests: Sequence[ServingRequest], side: Side, history: bool = True) -> ServingRun:
    """The run the parameters describe for one side."""
    p = params
    return ServingRun(requests, side=side, warmup=int(p.warmup * len(requests)), samples=p.samples,
                      beam_width=p.beam_width, seed=p.seed, history=history)
