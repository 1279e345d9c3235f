"""Prefix-cache hit rate against the cache's capacity, as Mooncake's Fig. 9 measures it:
"considering only the sequence of requests" of a trace that names its prompt blocks.

Each capacity is one replay through the prefix cache itself (PrefixCachingAllocator), its pool
that many tokens: a request looks up its longest cached prefix, takes the blocks it lacks
(evicting the least recently freed cached blocks, as vLLM's free queue does), and is done at
once, its blocks freed to the cache. A request larger than the whole cache stores nothing.
The block is the trace's own (512 tokens: an id each), so nothing is mapped. The hit rate is
tokens found over every prompt token of the trace; the maximum is the replay with room for
every block the trace names, where nothing is ever evicted."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Sequence

from fragtui.sim.allocators.outcomes import ADMITTED
from fragtui.sim.allocators.prefix_cache import PrefixCachingAllocator
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.numbers import NumberError, whole
from fragtui.sim.parallel import run_all
from fragtui.sim.workload.requests import HASH_BLOCK, Request
from fragtui.sim.workload.traces import Trace

# Along Mooncake Fig. 9's axis, 10^4 to 10^9 tokens: each decade, 3M (its local cache, marked
# on the figure), 5M where the curves climb fastest, and 50M where they level off.
DEFAULT_CAPACITIES = (10_000, 100_000, 1_000_000, 3_000_000, 5_000_000, 10_000_000, 50_000_000, 1_000_000_000)
MAX_CAPACITIES = 32  # each is a replay of the whole trace
MAX_CAPACITY = 10**12  # tokens
_SUFFIXES = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


@dataclass(frozen=True)
class CapacityPoint:
    capacity_tokens: int
    hit_tokens: int
    prompt_tokens: int
    evictions: int

    @property
    def hit_rate(self) -> float:
        return self.hit_tokens / self.prompt_tokens if self.prompt_tokens else 0.0


def parse_capacities(text: str) -> tuple[int, ...]:
    """Comma-separated token counts: 3000000, 3_000_000, 3e6 or 3M (k, M, G, T: powers of 1,000)."""
    allowed = (f"must be token counts from {HASH_BLOCK} to {MAX_CAPACITY:.0e}, comma-separated, as 3000000, 3e6 "
               f"or 3M; at most {MAX_CAPACITIES}").replace("e+", "e")
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or len(items) > MAX_CAPACITIES:
        raise ParamError("capacities", text, allowed)
    values: list[int] = []
    for item in items:
        value = _tokens(item)
        if value is None or not HASH_BLOCK <= value <= MAX_CAPACITY:
            raise ParamError("capacities", text, f"{item!r}: {allowed}" if item else allowed)
        if value in values:
            raise ParamError("capacities", text, f"names {value:,} twice; give each capacity once")
        values.append(value)
    return tuple(values)


def _tokens(item: str) -> int | None:
    scale = _SUFFIXES.get(item[-1:].lower(), 1) if item else 1
    digits = item[:-1] if scale > 1 else item
    mantissa, e, exponent = digits.lower().partition("e")
    try:
        base = whole(mantissa, 0, MAX_CAPACITY)
        power = whole(exponent, 0, 12) if e else 0
    except NumberError:
        return None
    return int(base * 10**power * scale)


def prompts_of(trace: Trace) -> list[Request]:
    """Each row's prompt, its full blocks named by their ids: what a capacity replay looks up
    (every row: a request with no output still looked its prompt up). Refuses a trace that
    names no blocks."""
    if trace.hashes is None:
        raise FragtuiError(f"{trace.path}: names no prompt blocks; the capacity curve needs a trace with "
                           "block ids, such as Mooncake's (hash_ids)")
    return [Request(i, prompt, prompt, hashes=trace.hash_ids(i)[:prompt // HASH_BLOCK])
            for i, prompt in enumerate(trace.prompts)]


# Mooncake's Fig. 9 (Qin et al., FAST 2025), read from the paper's PDF (FAST25-release/
# Mooncake-FAST25.pdf in github.com/kvcache-ai/Mooncake, page 11): the figure is drawn as
# vectors, so the vertices of each plotted line are exact coordinates, mapped to capacity and
# hit rate through the axis ticks (to about ±0.002). Between vertices the figure draws a
# straight line on its log axis; paper_hit_rate reads that line.
PAPER_FIG9: dict[str, tuple[tuple[int, float], ...]] = {
    "conversation": ((10**4, 0.045), (10**5, 0.073), (10**6, 0.087), (2 * 10**6, 0.120), (4 * 10**6, 0.215),
                     (5 * 10**6, 0.247), (8 * 10**6, 0.300), (10**7, 0.326), (5 * 10**7, 0.398), (10**8, 0.401),
                     (5 * 10**8, 0.401), (10**9, 0.401)),
    "synthetic": ((10**4, 0.001), (10**5, 0.012), (10**6, 0.146), (2 * 10**6, 0.235), (4 * 10**6, 0.381),
                  (5 * 10**6, 0.435), (8 * 10**6, 0.545), (10**7, 0.589), (5 * 10**7, 0.658), (10**8, 0.658),
                  (5 * 10**8, 0.658), (10**9, 0.658)),
}


def paper_hit_rate(trace: str, capacity: int) -> float | None:
    """Fig. 9's hit rate for Mooncake's `trace` at `capacity` tokens: on the line the figure
    draws (log-linear between its vertices); None off its axis (10^4 to 10^9)."""
    line = PAPER_FIG9.get(trace, ())
    for (x0, y0), (x1, y1) in zip(line, line[1:]):
        if x0 <= capacity <= x1:
            return y0 + (y1 - y0) * math.log(capacity / x0) / math.log(x1 / x0)
    return None


def paper_level(trace: str) -> float | None:
    """Where Fig. 9's line for `trace` levels off (its value at 10^9 tokens)."""
    line = PAPER_FIG9.get(trace)
    return line[-1][1] if line else None


def paper_trace(path: str) -> str | None:
    """Which of Mooncake's traces `path` is, by its file name ("conversation", "synthetic"), if either."""
    name = path.rsplit("/", 1)[-1]
    return next((trace for trace in PAPER_FIG9 if name.startswith(f"{trace}_trace")), None)


PARALLEL_FROM = 50_000  # named blocks in the trace: below this all the replays take well under a second


def capacity_curve(prompts: Sequence[Request], capacities: Sequence[int],
                   workers: int | None = None) -> tuple[list[CapacityPoint], CapacityPoint]:
    """The hit rate at each capacity (tokens, floored to whole blocks), and at the maximum, of
    `prompts` (prompts_of), each replay on a core of its own where there are cores to spare
    (sim/parallel.py)."""
    named = sum(len(r.hashes) for r in prompts)
    everything = (named + 1) * HASH_BLOCK  # room for every block the trace names: nothing is evicted
    wanted = [*capacities, *([] if max(capacities, default=0) >= everything else [everything])]
    # The largest replays evict least and so take longest: they go first, to share the cores evenly.
    jobs = {capacity: partial(_replay, prompts, capacity) for capacity in sorted(wanted, reverse=True)}
    done = run_all(jobs, named >= PARALLEL_FROM, workers)
    top = done[max(wanted)]
    return [done[capacity] for capacity in capacities], CapacityPoint(everything, top.hit_tokens, top.prompt_tokens, 0)


def _replay(prompts: Sequence[Request], capacity: int) -> CapacityPoint:
    blocks = capacity // HASH_BLOCK
    cache = PrefixCachingAllocator(blocks * HASH_BLOCK, HASH_BLOCK, "fifo")
    admit, free = cache.admit, cache.free_request
    for request in prompts:
        if admit(request).kind == ADMITTED:
            free(request.id)
    return CapacityPoint(capacity, cache.hits * HASH_BLOCK, sum(r.used for r in prompts), cache.evictions)
