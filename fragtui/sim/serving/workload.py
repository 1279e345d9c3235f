"""Serving-mode requests from parameters: arrival ticks, prompt and output lengths.

Generated requests arrive as a Poisson process at `rate` per tick, with prompt and output drawn
independently (`--prompt-len`, `--output-len`; `--lengths azure-conv|azure-code` draws both from
the Azure trace's columns, which are nearly uncorrelated). A trace gives both lengths per row
and, when it has timestamps, the arrival ticks (`time_scale` ticks per second). A request whose
prompt + output exceeds max_len, or that has no output, is dropped before it arrives, and counted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fragtui.sim.lengths import parse_token_lengths
from fragtui.sim.params import Params
from fragtui.sim.serving.run import poisson_arrivals
from fragtui.sim.serving.types import ServingRequest
from fragtui.sim.traces import load_trace

MAX_DRAWS_PER_REQUEST = 100


@dataclass(frozen=True)
class ServingWorkload:
    requests: list[ServingRequest]
    dropped: int = 0  # longer than max_len, or with no output
    source: str = ""


def build_serving_workload(params: Params) -> ServingWorkload:
    if params.trace is not None:
        return _from_trace(params)
    prompt_spec, output_spec = params.prompt_len, params.output_len
    if params.lengths in ("azure-conv", "azure-code"):
        prompt_spec = output_spec = params.lengths
    prompts = parse_token_lengths(prompt_spec, params.used_len, "prompt", "prompt_len")
    outputs = parse_token_lengths(output_spec, params.used_len, "output", "output_len")
    lengths_rng = random.Random(f"lengths:{params.seed}")
    wanted, dropped, pairs = params.arrival_count, 0, []
    while len(pairs) < wanted:
        prompt, output = prompts.sample(lengths_rng), outputs.sample(lengths_rng)
        if prompt + output > params.max_len:
            dropped += 1
            if dropped > MAX_DRAWS_PER_REQUEST * (wanted + 10):
                raise ValueError(f"only {len(pairs)} sampled requests fit max_len {params.max_len}; raise --max-len")
            continue
        pairs.append((prompt, output))
    ticks = poisson_arrivals(len(pairs), params.rate, random.Random(f"arrivals:{params.seed}"))
    requests = [ServingRequest(i, tick, p, o) for i, (tick, (p, o)) in enumerate(zip(ticks, pairs))]
    source = (f"lengths {params.lengths}" if params.lengths != "constant"
              else f"prompt {prompt_spec}, output {output_spec}")
    return ServingWorkload(requests, dropped, f"{len(requests)} requests, {source}, {params.rate:g}/tick")


def _from_trace(params: Params) -> ServingWorkload:
    trace = load_trace(params.trace)
    outputs = parse_token_lengths(params.output_len, params.used_len, "output", "output_len")
    rng = random.Random(f"lengths:{params.seed}")
    arrivals = random.Random(f"arrivals:{params.seed}")
    limit = len(trace.rows) if params.arrivals is None else params.arrivals
    requests: list[ServingRequest] = []
    dropped, now = 0, 0.0
    for row in trace.rows:
        if len(requests) >= limit:
            break
        # Traces without an output column (a used/tokens CSV, plain numbers) take --output-len.
        prompt, output = (row.prompt, row.output) if trace.kind == "azure" else (row.used, outputs.sample(rng))
        if row.seconds is not None:
            tick = int(row.seconds * params.time_scale)
        else:
            now += arrivals.expovariate(params.rate)
            tick = int(now)
        if output < 1 or prompt < 1 or prompt + output > params.max_len:
            dropped += 1
            continue
        requests.append(ServingRequest(len(requests), tick, prompt, output))
    name = trace.path.rsplit("/", 1)[-1]
    return ServingWorkload(requests, dropped, f"trace {name}: {len(requests)} requests")
