"""Sweeps drawn in the sidebar: one parameter's values, each run over the whole stream, as
rows of bars. The block-size trade-off (paged tail waste against block-table entries) and a
comparison of every side's admissions over max_len, placement or reservation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fragtui.sim.allocators.contiguous import RESERVATIONS
from fragtui.sim.allocators.registry import placements
from fragtui.sim.errors import FragtuiError
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Event
from fragtui.sim.config.sides import resolve
from fragtui.sim.measures.sweep import Axis, blocked_side, sweep, vary

CHARTS = ("block_size", "max_len", "placement", "reservation")  # what `y` cycles through


@dataclass(frozen=True)
class ChartRow:
    label: str  # the parameter's value
    current: bool  # the run on screen
    bars: tuple[int, ...]  # one value per series
    marked: bool = False  # a row a footnote explains


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[str, ...]  # what each bar is
    rows: tuple[ChartRow, ...]
    notes: tuple[str, ...] = ()  # footnotes for marked rows, then what the chart says


def chart_for(name: str, params: Params, events_for: Callable[[Params], list[Event]]) -> Chart:
    """The sweep of parameter `name` around `params`; `events_for(params)` is the stream a
    value's parameters give (max_len changes what the requests ask for)."""
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
