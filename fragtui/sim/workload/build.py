"""Turn parameters into the stream every side sees: one workload for both modes.

Requests come from an op list, a trace file, or length distributions. In event mode a request
holds all its tokens at once and the stream is a list of events: its arrivals in order, and
frees added after them (`none`, `every-other` after the wave, or `churn:P`: after each arrival,
with probability P, a random live request leaves). In serving mode a request has a prompt and
an output and arrives at a tick: as a Poisson process at `rate` requests a second
(`time_scale` ticks a second, a tick being one decode iteration), or at a trace's timestamps.
A request that does not fit its max_len (or, serving, that has no output) is dropped before it
arrives (as vLLM's benchmark sampler skips such requests) and counted, never clipped. With
`--prefixes G:K` each request starts with one of G shared prompts (a, b, …) of K tokens (all
its tokens, if it holds fewer). All randomness comes from the seed, one stream per purpose, so
changing the frees or the prefixes never changes the lengths; and a workload keeps what it drew
(memo.py), so that the next build, a max_len what-if's, reads it rather than drawing again.

Every run finishes in bounded time or is refused before it starts: lengths that almost never
fit max_len are refused after at most MAX_DRAWS per request kept (plus a thousand), and a
serving run whose work, estimated from its requests, passes WORK_LIMIT is refused with the
estimate (`estimated_work`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Sequence

from fragtui.sim.bulk import collector_paused
from fragtui.sim.config.params import Params, SideParams, parse_prefixes
from fragtui.sim.errors import FragtuiError, ParamError, safe
from fragtui.sim.workload.draws import below
from fragtui.sim.workload.lengths import EMPIRICAL, parse_token_lengths, sharegpt
from fragtui.sim.workload.memo import Memo, TooFew
from fragtui.sim.workload.requests import HASH_BLOCK, PREFIX_LETTERS, Arrive, Event, Free, Request

MAX_DRAWS = 100  # draws per request kept, before lengths that rarely fit are refused
WORK_LIMIT = 100_000_000  # serving: busy ticks + block growths: minutes of engine time, not hours


@dataclass(frozen=True)
class Workload:
    """The requests a run serves, in arrival order, and in event mode the events they make."""

    requests: list[Request]
    events: list[Event] = field(default_factory=list)  # event mode: arrivals and frees, in order
    dropped: int = 0  # too long for max_len (serving: or with no output), dropped before arriving
    source: str = ""  # where the requests came from, in a few words
    memo: Memo = field(default_factory=Memo, compare=False, repr=False)  # what it drew, for the next build


def build_workload(params: Params, memo: Memo | None = None) -> Workload:
    """The workload `params` give; `memo`, what an earlier build drew, is read where it drew
    the same (memo.py)."""
    with collector_paused():  # (a million small objects that hold no cycles)
        workload = _build(params, memo or Memo())
    if params.mode == "serving":
        _check_work(workload, params)
    return workload


def workload_again(params: Params, before: Params, workload: Workload) -> Workload:
    """The workload `params` give, where `workload` is what `before` gave: the same one when
    only how memory is handed out changed (a what-if on a side), since the stream never reads
    the sides; a trace's block ids are checked against the new sides all the same."""
    unchanged = all(getattr(params, f.name) == getattr(before, f.name) for f in fields(Params)
                    if f.name not in SIDE_FIELDS)
    if not unchanged:
        return build_workload(params, workload.memo)
    if params.trace is not None and any(r.hashes for r in workload.requests):
        _check_hashed(params)
    return workload


SIDE_FIELDS = frozenset(f.name for f in fields(SideParams))


def _build(params: Params, memo: Memo) -> Workload:
    if params.ops is not None:
        from fragtui.sim.workload.ops import parse_ops  # (op lists and traces load only when used)

        events = parse_ops(params.ops, params.max_len)
        requests = [e.request for e in events if isinstance(e, Arrive)]
        return Workload(requests, events, 0, f"op list of {len(events)} ops", memo)
    serving = params.mode == "serving"
    if params.trace is not None:
        requests, dropped, source = _from_trace(params)
    elif serving:
        requests, dropped, source = _served(params)
    else:
        requests, dropped, source = _from_lengths(params, memo)
    if params.prefixes is not None:
        requests = add_prefixes(requests, params.prefixes, params.seed)
        source += f", prefixes {params.prefixes}"
    if serving:
        return Workload(requests, [], dropped, source, memo)
    return Workload(requests, add_frees(requests, memo.shape(len(requests), params.frees, params.seed)), dropped,
                    source, memo)


def add_prefixes(requests: list[Request], prefixes: str, seed: int) -> list[Request]:
    """Each request starts with one of G prompts of K tokens, drawn from its own stream (in
    serving mode the prefix is the prompt's: a request's output is its own)."""
    count, length = parse_prefixes(prefixes)
    pick = below(random.Random(f"prefixes:{seed}"))
    return [Request(r.id, r.used, r.max_len, PREFIX_LETTERS[pick(count)], min(length, r.prompt),
                    r.arrival_tick, r.output) for r in requests]


def _from_lengths(params: Params, memo: Memo) -> tuple[list[Request], int, str]:
    """Event mode: a wave of requests whose lengths come from `--lengths` (or used_len)."""
    wanted, max_len = params.arrival_count, params.max_len
    try:
        kept, dropped = memo.drawn(params.lengths, params.used_len, params.seed).fitting(wanted, max_len, MAX_DRAWS)
    except TooFew as few:
        raise FragtuiError(f"--lengths {params.lengths}: only {few.kept:,} of {few.dropped + few.kept:,} sampled "
                           f"requests fit max_len {max_len:,}; raise --max-len") from None
    new = tuple.__new__  # (a named tuple in one C call: a hundred thousand of them)
    requests = [new(Request, (rid, used, max_len, "", 0, 0, 0, ())) for rid, used in enumerate(kept)]
    if params.lengths == "constant":
        source = f"{wanted} arrivals of {params.used_len} tokens"
    else:
        source = f"{wanted} arrivals, lengths {params.lengths}"
    return requests, dropped, source


def _served(params: Params) -> tuple[list[Request], int, str]:
    """Serving mode: prompt and output drawn independently (`--prompt-len`, `--output-len`;
    `--lengths azure-conv|azure-code` draws both from the Azure trace's columns, which are
    nearly uncorrelated), arriving as a Poisson process."""
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
    prompt_of, output_of = prompts.sampler(lengths_rng), outputs.sampler(lengths_rng)
    while len(pairs) < wanted:
        prompt, output = prompt_of(), output_of()
        if prompt + output > params.max_len:
            dropped += 1
            if dropped > MAX_DRAWS * (len(pairs) + 10):  # fewer than ~1 in 100 fit
                raise FragtuiError(
                    f"{named}: only {len(pairs):,} of {len(pairs) + dropped:,} sampled requests fit max_len "
                    f"{params.max_len:,} (prompt + output); raise --max-len or shorten the lengths")
            continue
        pairs.append((prompt, output))
    ticks = poisson_arrivals(len(pairs), params.rate_per_tick, random.Random(f"arrivals:{params.seed}"))
    requests = [Request(i, p + o, params.max_len, arrival_tick=tick, output=o)
                for i, (tick, (p, o)) in enumerate(zip(ticks, pairs))]
    source = (f"lengths {params.lengths}" if params.lengths != "constant"
              else f"prompt {prompt_spec}, output {output_spec}")
    return requests, dropped, f"{len(requests)} requests, {source}, {params.rate:g} req/s"


def _from_trace(params: Params) -> tuple[list[Request], int, str]:
    """The one trace reader, for both modes. Each row is a request: in event mode it holds
    prompt + output at once; in serving mode it arrives at the row's timestamp (`time_scale`
    ticks a second, from the earliest; without timestamps, as a Poisson process), with the
    row's output, or, where the trace has no output column (a used/tokens CSV, plain
    numbers), one drawn from `--output-len`."""
    from fragtui.sim.workload.traces import load_trace

    assert params.trace is not None
    trace = load_trace(params.trace)
    serving = params.mode == "serving"
    outputs = parse_token_lengths(params.output_len, params.used_len, "output", "output_len") if serving else None
    rng = random.Random(f"lengths:{params.seed}")
    arrivals = random.Random(f"arrivals:{params.seed}")
    limit = len(trace) if params.arrivals is None else params.arrivals
    requests: list[Request] = []
    dropped, now, scale, max_len = 0, 0.0, params.time_scale, params.max_len
    seconds = trace.seconds
    given = trace.has_outputs
    hashed = trace.hashes is not None
    if hashed:
        _check_hashed(params)
    lengths: dict[int, int] = {}
    same = lengths.setdefault  # one int object per distinct length: a trace repeats them (50 MB a million rows)
    for i, (prompt, output) in enumerate(zip(trace.prompts, trace.outputs)):  # columns: no row objects
        if len(requests) >= limit:
            break
        if not serving:
            if prompt + output > max_len:
                dropped += 1
                continue
            used = prompt + output
            requests.append(Request(len(requests), same(used, used), max_len, hashes=trace.hash_ids(i)[:prompt // HASH_BLOCK] if hashed else ()))
            continue
        if not given:
            assert outputs is not None
            output = outputs.sample(rng)
        if seconds is not None:
            tick = int(seconds[i] * scale)  # from the earliest timestamp, so never negative
        else:
            now += arrivals.expovariate(params.rate_per_tick)
            tick = int(now)
        if output < 1 or prompt < 1 or prompt + output > max_len:
            dropped += 1
            continue
        used = prompt + output
        requests.append(Request(len(requests), same(used, used), max_len, arrival_tick=tick, output=same(output, output),
                                hashes=trace.hash_ids(i)[:prompt // HASH_BLOCK] if hashed else ()))
    name = safe(trace.path.rsplit("/", 1)[-1], 60)  # printed in reports and titles
    return requests, dropped, f"trace {name}: {len(requests)} requests"


def _check_hashed(params: Params) -> None:
    """A trace that names its prompt blocks (Mooncake's hash ids, one per 512 tokens) maps onto
    a prefix-caching side's blocks only where its block size divides 512 or 512 divides it; and
    it brings its own prefixes."""
    from fragtui.sim.config.sides import resolve

    if params.prefixes is not None:
        raise ParamError("prefixes", params.prefixes, "the trace names its own prompt blocks (hash_ids); "
                         "drop --prefixes")
    for side in resolve(params):
        block = side.options.get("block_size")
        if side.options.get("prefix_caching") and block and HASH_BLOCK % block and block % HASH_BLOCK:
            where = "block_size" if "block_size" not in side.spec.pinned() else "sides"
            raise ParamError(where, block if where == "block_size" else params.sides,
                             f"a Mooncake trace names its prompt blocks per {HASH_BLOCK} tokens; with prefix caching "
                             f"a block size must divide {HASH_BLOCK} (1, 2, 4, …, {HASH_BLOCK}) or be a multiple of it"
                             + (f" (side {side.label!r} has block_size {block})" if where == "sides" else ""))


def add_frees(requests: list[Request], shape: list[Free | None]) -> list[Event]:
    """The events: `shape` (memo.free_shape) with its arrivals filled in; requests are
    numbered 0, 1, … in arrival order, as every source here numbers them."""
    new, arrival = tuple.__new__, iter(requests).__next__
    return [event or new(Arrive, (arrival(),)) for event in shape]


def poisson_arrivals(count: int, rate_per_tick: float, rng: random.Random) -> list[int]:
    """Arrival ticks of a Poisson process: exponential gaps, summed, floored."""
    if rate_per_tick <= 0:
        raise ValueError(f"rate_per_tick must be positive, got {rate_per_tick}")
    ticks, now = [], 0.0
    for _ in range(count):
        now += rng.expovariate(rate_per_tick)
        ticks.append(int(now))
    return ticks


# -- serving: a bound on the work -------------------------------------------------------------

def estimated_work(requests: Sequence[Request], total_slots: int, block_size: int) -> tuple[int, int]:
    """A lower bound on what serving `requests` costs the engine: (ticks with a request
    running, block growths). A request runs for at least its output's ticks after it arrives,
    and the pool holds at most total_slots tokens a tick while each request holds prompt + k
    tokens in its k-th tick; paged takes a block at each block boundary it crosses."""
    busy = end = 0
    token_ticks = growths = 0
    for r in sorted(requests, key=lambda r: r.arrival_tick):
        output, prompt = r.output, r.used - r.output
        start, stop = max(r.arrival_tick, end), r.arrival_tick + output
        if stop > start:
            busy, end = busy + stop - start, stop
        token_ticks += output * prompt + output * (output + 1) // 2
        growths += -(-r.used // block_size) + (-prompt // block_size)
    return max(busy, token_ticks // total_slots), growths


def sharing_work(requests: Sequence[Request], width: int, beams: bool, block_size: int) -> int:
    """What stepping shared sequences costs (serving/sharing.py): each tick a request's samples
    take a step each; its beam candidates look at every block of their tables."""
    if width == 1:
        return 0
    if not beams:
        return sum(r.output for r in requests) * width
    return sum(r.output * -(-r.used // block_size) for r in requests) * width


def _check_work(workload: Workload, params: Params) -> None:
    ticks, growths = estimated_work(workload.requests, params.total_slots, params.block_size)
    steps = sharing_work(workload.requests, params.sequences, params.beam_width > 1, params.block_size)
    if ticks + growths + steps > WORK_LIMIT:
        shared = f", {steps:,} steps of their shared sequences" if steps else ""
        raise FragtuiError(
            f"serving run too long: {len(workload.requests):,} requests need at least {ticks:,} busy ticks"
            f"{shared} and {growths:,} block growths, more than {WORK_LIMIT:,} in all; use fewer --arrivals, "
            "shorter lengths, a smaller --max-len" + (", fewer --samples or --beam-width" if steps else "")
            + " or a larger --block-size")
