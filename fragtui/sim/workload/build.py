"""Turn parameters into the event stream both allocators see.

Arrivals come from an op list, a trace file, or a length distribution; a request longer than
its max_len is dropped before it arrives (as vLLM's benchmark sampler skips such requests) and
counted, never clipped. Frees are then added: `none`, `every-other` (after the wave) or
`churn:P` (after each arrival, with probability P, a random live request leaves). With
`--prefixes G:K` each generated or traced request starts with one of G shared prompts (a, b, …)
of K tokens (all its tokens, if it holds fewer). All randomness comes from the seed, one stream
per purpose, so changing the frees or the prefixes never changes the lengths.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fragtui.sim.bulk import collector_paused
from fragtui.sim.errors import FragtuiError, safe
from fragtui.sim.workload.lengths import parse_lengths
from fragtui.sim.config.params import Params, parse_frees, parse_prefixes
from fragtui.sim.workload.requests import PREFIX_LETTERS, Arrive, Event, Free, Request

MAX_DRAWS_PER_ARRIVAL = 100


@dataclass(frozen=True)
class Workload:
    events: list[Event]
    dropped: int = 0  # requests longer than their max_len, dropped before they arrive
    source: str = ""  # where the arrivals came from, in a few words


def build_workload(params: Params) -> Workload:
    with collector_paused():
        return _build(params)


def _build(params: Params) -> Workload:
    if params.ops is not None:
        from fragtui.sim.workload.ops import parse_ops  # (op lists and traces load only when used)

        events = parse_ops(params.ops, params.max_len)
        return Workload(events, 0, f"op list of {len(events)} ops")
    if params.trace is not None:
        requests, dropped, source = _from_trace(params)
    else:
        requests, dropped, source = _from_lengths(params)
    if params.prefixes is not None:
        requests = add_prefixes(requests, params.prefixes, params.seed)
        source += f", prefixes {params.prefixes}"
    return Workload(add_frees(requests, params.frees, params.seed), dropped, source)


def add_prefixes(requests: list[Request], prefixes: str, seed: int) -> list[Request]:
    """Each request starts with one of G prompts of K tokens, drawn from its own stream."""
    count, length = parse_prefixes(prefixes)
    rng = random.Random(f"prefixes:{seed}")
    return [Request(r.id, r.used, r.max_len, PREFIX_LETTERS[rng.randrange(count)], min(length, r.used))
            for r in requests]


def _from_lengths(params: Params) -> tuple[list[Request], int, str]:
    lengths = parse_lengths(params.lengths, params.used_len)
    rng = random.Random(f"lengths:{params.seed}")
    wanted, dropped = params.arrival_count, 0
    requests: list[Request] = []
    while len(requests) < wanted:
        used = lengths.sample(rng)
        if used > params.max_len:
            dropped += 1
            if dropped > MAX_DRAWS_PER_ARRIVAL * (len(requests) + 10):  # fewer than ~1 in 100 fit
                raise FragtuiError(
                    f"--lengths {params.lengths}: only {len(requests):,} of {dropped + len(requests):,} sampled "
                    f"requests fit max_len {params.max_len:,}; raise --max-len"
                )
            continue
        requests.append(Request(len(requests), used, params.max_len))
    if params.lengths == "constant":
        source = f"{wanted} arrivals of {params.used_len} tokens"
    else:
        source = f"{wanted} arrivals, lengths {params.lengths}"
    return requests, dropped, source


def _from_trace(params: Params) -> tuple[list[Request], int, str]:
    from fragtui.sim.workload.traces import load_trace

    assert params.trace is not None
    trace = load_trace(params.trace)
    limit = len(trace) if params.arrivals is None else params.arrivals
    requests: list[Request] = []
    dropped, max_len = 0, params.max_len
    lengths: dict[int, int] = {}
    same = lengths.setdefault  # one int object per distinct length: a trace repeats them (60 MB a million rows)
    for prompt, output in zip(trace.prompts, trace.outputs):  # columns: no row objects
        if len(requests) >= limit:
            break
        if prompt + output > max_len:
            dropped += 1
            continue
        used = prompt + output
        requests.append(Request(len(requests), same(used, used), max_len))
    name = safe(trace.path.rsplit("/", 1)[-1], 60)  # printed in reports and titles
    return requests, dropped, f"trace {name}: {len(requests)} requests"


def add_frees(requests: list[Request], frees: str, seed: int) -> list[Event]:
    kind, p = parse_frees(frees)
    arrivals: list[Event] = [Arrive(r) for r in requests]
    if kind == "none":
        return arrivals
    if kind == "every-other":
        return arrivals + [Free(r.id) for r in requests[::2]]
    rng = random.Random(f"frees:{seed}")
    events: list[Event] = []
    live: list[int] = []
    for arrival in arrivals:
        events.append(arrival)
        live.append(arrival.id)
        if rng.random() < p:
            i = rng.randrange(len(live))
            live[i], live[-1] = live[-1], live[i]
            events.append(Free(live.pop()))
    return events
