"""Sweeps drawn in the sidebar: one parameter's values, each run over the whole stream, as
rows of bars. The block-size trade-off (paged tail waste against block-table entries), a
comparison of every side's admissions over max_len, placement or reservation, and, where the
run replays a trace that names its prompt blocks, the prefix cache's hit rate against its
capacity (either mode: it replays only the trace's sequence of requests)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from fragtui.sim.allocators.contiguous import RESERVATIONS
from fragtui.sim.allocators.registry import placements
from fragtui.sim.errors import FragtuiError
from fragtui.sim.config.effects import unread
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Event
from fragtui.sim.config.sides import resolve
from fragtui.sim.measures.sweep import Axis, blocked_side, sweep, vary
from fragtui.view.rounding import fixed

CHARTS = ("block_size", "max_len", "placement", "reservation")  # what `y` cycles through in event mode
CAPACITY = "capacity"  # the hit rate against the cache's size, for a trace with block ids


def available(params: Params) -> tuple[str, ...]:
    """The charts `y` cycles through for this run: the sweeps in event mode of what the run
    reads (a serving sweep runs every side to the end: see fragtui sweep), and the capacity
    curve where the trace names its prompt blocks."""
    from fragtui.sim.workload.traces import load_trace

    unread_here = unread(params)
    sweeps = tuple(chart for chart in CHARTS if chart not in unread_here) if params.mode == "event" else ()
    hashed = params.trace is not None and load_trace(params.trace).hashes is not None
    return sweeps + ((CAPACITY,) if hashed else ())


@dataclass(frozen=True)
class ChartRow:
    label: str  # the parameter's value
    current: bool  # the run on screen
    bars: tuple[int, ...]  # one value per series
    marked: bool = False  # a row a footnote explains
    shown: tuple[str, ...] = ()  # how each value is written, where not as the number itself


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[str, ...]  # what each bar is
    rows: tuple[ChartRow, ...]
    notes: tuple[str, ...] = ()  # footnotes for marked rows, then what the chart says


def chart_for(name: str, params: Params, events_for: Callable[[Params], list[Event]]) -> Chart:
    """The sweep of parameter `name` around `params`; `events_for(params)` is the stream a
    value's parameters give (max_len changes what the requests ask for)."""
    if name == CAPACITY:
        if params.trace is None or name not in available(params):
            raise FragtuiError("this run replays no trace that names its prompt blocks")
        return _capacity_chart(params.trace, params.total_slots)
    if name == "block_size":
        rows = sweep(params, events_for(params))
        return Chart(
            f"block-size trade-off ({blocked_side(params).label})", ("waste", "entries"),
            tuple(ChartRow(str(r.block_size), r.block_size == params.block_size, (r.tail_waste, r.block_table_entries),
                           marked=bool(r.rejected)) for r in rows),
            tuple(f"* block {r.block_size}: only {r.admitted} admitted" for r in rows if r.rejected)
            + ("tiny blocks waste nothing but need long tables; big ones, the reverse",),
        )
    values: tuple[object, ...]
    if name == "max_len":
        values = tuple(m for m in (params.max_len // 4, params.max_len // 2, params.max_len, params.max_len * 2,
                                   params.max_len * 4) if m <= params.total_slots)  # (larger: nothing would fit)
    else:
        values = placements() if name == "placement" else RESERVATIONS
    values = runnable(params, name, values, events_for)
    if not values:
        raise FragtuiError(f"no {name} around {getattr(params, name)} gives a run to chart")
    points = vary(params, [Axis(name, values, name)], events_for)
    return Chart(
        f"{name}: admitted at the end", tuple(side.label for side in resolve(params)),
        tuple(ChartRow(str(dict(p.values)[name]), dict(p.values)[name] == getattr(params, name),
                       tuple(m.admitted for m in p.results))
              for p in points),
        ("the same events through each; bars: admitted",),
    )


def runnable(params: Params, name: str, values: tuple[object, ...],
             events_for: Callable[[Params], list[Event]]) -> tuple[object, ...]:
    """The values of parameter `name` that give a run: a chart offers only what can run (a
    max_len below the shortest request's length, say, is refused, and left out)."""
    kept = []
    for value in dict.fromkeys(values):
        try:
            events_for(params.with_(**{name: value}))
        except FragtuiError:
            continue
        kept.append(value)
    return tuple(kept)


@lru_cache(maxsize=4)
def _capacity_chart(trace: str, pool: int) -> Chart:
    """The capacity curve of `trace` beside Mooncake's Fig. 9 where it is one of its traces,
    the row nearest the pool's size marked."""
    from fragtui.sim.measures.capacity import DEFAULT_CAPACITIES, capacity_curve, paper_hit_rate, paper_trace, prompts_of
    from fragtui.sim.workload.traces import load_trace

    points, top = capacity_curve(prompts_of(load_trace(trace)), DEFAULT_CAPACITIES)
    nearest = min(DEFAULT_CAPACITIES, key=lambda c: abs(c.bit_length() - pool.bit_length()))
    paper = paper_trace(trace)
    rows = []
    for p in points:
        rates = [p.hit_rate] + ([] if paper is None else [paper_hit_rate(paper, p.capacity_tokens) or 0.0])
        rows.append(ChartRow(_tokens(p.capacity_tokens), p.capacity_tokens == nearest,
                             tuple(round(1000 * rate) for rate in rates), shown=tuple(f"{fixed(100 * rate, 1)}%" for rate in rates)))
    return Chart(
        "prefix-cache hit rate by capacity", ("hit rate", *(() if paper is None else ("Fig. 9",))), tuple(rows),
        (f"tokens the cache holds; every block kept: {fixed(100 * top.hit_rate, 1)}%; the pool's size marked",),
    )


def _tokens(n: int) -> str:
    for suffix, scale in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= scale and n % (scale // 10) == 0:
            value = n / scale
            return f"{value:g}{suffix}"
    return f"{n:,}"
