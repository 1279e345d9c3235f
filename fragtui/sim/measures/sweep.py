"""Sweeps: the same workload under many parameters.

`sweep` is the block-size trade-off (the first side with blocks: the `block-size` scenario's
chart and `fragtui sweep`'s default table); `vary` is any parameters' cross product, every side
(`fragtui sweep --vary`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product
from typing import TYPE_CHECKING, Callable

from fragtui.sim.errors import FragtuiError, ParamError, echo, quoted
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.numbers import NumberError, ascii_note, whole
from fragtui.sim.config.sides import GENERAL, OPTIONS, Side, pinned_everywhere, resolve
from fragtui.sim.config.effects import unread
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Arrive, Event

if TYPE_CHECKING:
    from fragtui.sim.measures.metrics import ServingMetrics

DEFAULT_BLOCK_SIZES = (1, 4, 16, 64, 256)
MAX_BLOCK_SIZES = 32  # each one replays the whole stream: keep the sweep's work bounded


@dataclass(frozen=True)
class SweepRow:
    block_size: int
    admitted: int
    rejected: int
    tail_waste: int  # reserved slots in last blocks, at the end of the stream
    held: int  # used + tail waste
    block_table_entries: int

    @property
    def tail_waste_pct(self) -> float:
        return 100 * self.tail_waste / self.held if self.held else 0.0


def parse_block_sizes(text: str, total_slots: int) -> tuple[int, ...]:
    items = text.split(",")
    if len(items) > MAX_BLOCK_SIZES:
        raise ParamError("block_sizes", text, f"takes at most {MAX_BLOCK_SIZES} block sizes, found {len(items):,}")
    sizes: list[int] = []
    for item in items:
        try:
            size = whole(item, 1, total_slots)
        except NumberError:
            raise ParamError("block_sizes", text, f"must be whole numbers from 1 to total_slots ({total_slots}), "
                                                  f"comma-separated{ascii_note(item)}") from None
        if size in sizes:
            raise ParamError("block_sizes", text, f"names {size} twice; give each block size once")
        sizes.append(size)
    return tuple(sizes)


def sweep(params: Params, events: list[Event], block_sizes: tuple[int, ...] = DEFAULT_BLOCK_SIZES) -> list[SweepRow]:
    """The first side that has blocks, run over `events` at each block size."""
    side = blocked_side(params)
    rows = []
    for bs in block_sizes:
        pool = side.allocator.make(replace(side.setting, options={**side.setting.options, "block_size": bs}))
        for event in events:
            if isinstance(event, Arrive):
                pool.admit(event.request)
            else:
                pool.free_request(event.id)
        m = pool.metrics(params.max_len, holes=False)
        rows.append(SweepRow(bs, m.admitted, m.rejected, m.reserved, m.used + m.reserved, m.block_table_entries))
    return rows


def blocked_side(params: Params) -> Side:
    """The side a block-size sweep varies: the run's first that takes block_size."""
    for side in resolve(params):
        if side.takes("block_size"):
            return side
    raise FragtuiError(f"the block-size sweep needs a side with blocks; --sides {params.sides} has none")


# -- any parameter: `fragtui sweep --vary PARAM=V1,V2,… [--vary …]` ---------------------------

SWEEP_EVENTS = 20_000_000  # events through sides, all runs together: about a minute at 300k-1M events/s
MAX_COMBINATIONS = 256  # each combination runs the whole workload through every side
NOT_VARIED = {"mode": "sets which metrics a row has; run one sweep per mode"}


@dataclass(frozen=True)
class Axis:
    """One `--vary`: a parameter and its values, parsed as the command line parses them."""

    name: str
    values: tuple[object, ...]
    text: str  # as typed, for errors


@dataclass(frozen=True)
class Combination:
    """One point of the cross product and every side's results there: event mode's metrics
    at the end of the stream, or serving mode's over the whole run."""

    values: tuple[tuple[str, object], ...]  # (parameter, value), in --vary order
    params: Params
    results: tuple[Metrics, ...] | tuple[ServingMetrics, ...]  # a side's each: at the end (event), averaged (serving)

    @property
    def serving(self) -> bool:
        return self.params.mode == "serving"

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides' labels, in the order of the results."""
        return tuple(side.label for side in resolve(self.params))

    def per_side(self) -> list[tuple[str, Metrics | ServingMetrics]]:
        """(label, results) for each side, in the sides' order."""
        return list(zip(self.sides, self.results))


def parse_axis(text: str) -> Axis:
    """`PARAM=V1,V2,…` (PARAM as in Params or as its option, max_len or max-len, or an
    allocator's own option, page_size). Values are comma-separated, or semicolon-separated
    when one holds commas (an op list, 16,384)."""
    from fragtui.sim.config.params import PARAM_NAMES, parse_field

    name, equals, rest = text.partition("=")
    field = name.strip().lstrip("-").replace("-", "_")
    if not equals or not rest.strip():
        raise ParamError("vary", text, "must be PARAM=V1,V2,… (e.g. max_len=512,1024)")
    if field in NOT_VARIED:
        raise ParamError("vary", text, f"{field} cannot be varied: it {NOT_VARIED[field]}")
    own = field not in PARAM_NAMES and field in OPTIONS  # pinned on the sides that take it
    if field not in PARAM_NAMES and not own:
        names = ", ".join([*(n for n in PARAM_NAMES if n not in NOT_VARIED), *(n for n in OPTIONS if n not in GENERAL)])
        raise ParamError("vary", text, f"{quoted(name.strip())} is not a parameter; PARAM is one of {names}")
    items = rest.split(";") if ";" in rest else rest.split(",")
    values: list[object] = []
    for item in items:
        if not item.strip():
            raise ParamError("vary", text, f"{field} has an empty value; give values separated by commas")
        try:
            value = OPTIONS[field].parse(item) if own else parse_field(field, item)
        except ParamError as error:
            raise ParamError("vary", text, f"{field} {echo(error.value)}: {error.allowed}") from None
        if value in values:
            raise ParamError("vary", text, f"{field} names {value} twice; give each value once")
        values.append(value)
    return Axis(field, tuple(values), text)


def vary(base: Params, axes: list[Axis], events_for: Callable[[Params], list[Event]] | None = None) -> list[Combination]:
    """Every combination of the axes' values (the first axis varies slowest), each run to the
    end. All are checked before any runs: a refused one is one line naming it. `events_for`:
    the event stream a combination's parameters give (event mode; by default its workload)."""
    seen: set[str] = set()
    count = 1
    for axis in axes:
        if axis.name in seen:
            raise ParamError("vary", axis.text, f"varies {axis.name} a second time; give its values once")
        seen.add(axis.name)
        count *= len(axis.values)
    if count > MAX_COMBINATIONS:
        raise FragtuiError(f"--vary: {count:,} combinations; at most {MAX_COMBINATIONS} "
                           "(each runs the whole workload through every side)")
    points = []
    for values in product(*(axis.values for axis in axes)):
        chosen = tuple((axis.name, value) for axis, value in zip(axes, values))
        try:
            params = base.with_(**{name: value for name, value in chosen if name not in OPTIONS or name in GENERAL})
            for name, value in chosen:
                if name in OPTIONS and name not in GENERAL:  # an allocator's own: pinned on its sides
                    params = params.with_(sides=pinned_everywhere(params.sides, name, value))
        except ParamError as error:
            where = " ".join(f"{name}={value}" for name, value in chosen)
            raise FragtuiError(f"--vary: the combination {where} is refused: {error.describe('field')}") from None
        points.append((chosen, params))
    for axis in axes:
        whys = [unread(params).get(axis.name) for _, params in points]  # (own options: read where a side takes them)
        if all(whys):
            raise ParamError("vary", axis.text, f"varies {axis.name}, which has no effect here: {whys[0]}")
    _check_work([params for _, params in points])
    return [_run(chosen, params, events_for) for chosen, params in points]


def _check_work(runs: list[Params]) -> None:
    """The sweep's whole work within one bound, before any of it runs: in event mode each run's
    events through each side (SWEEP_EVENTS), in serving mode each run's estimated ticks and
    block growths through each side (WORK_LIMIT, one serving run's own bound)."""
    from fragtui.sim.workload.build import WORK_LIMIT, build_workload, estimated_work

    total, serving = 0, runs[0].mode == "serving"
    for params in runs:
        sides = len(resolve(params))
        if serving:
            ticks, growths = estimated_work(build_workload(params).requests, params.total_slots, params.block_size)
            total += (ticks + growths) * sides
        else:
            total += _events_at_most(params) * sides
    limit, unit = (WORK_LIMIT, "ticks and block growths") if serving else (SWEEP_EVENTS, "events")
    if total > limit:
        raise FragtuiError(f"--vary: {len(runs):,} runs come to about {total:,} {unit} through their sides; at most "
                           f"{limit:,} (about a minute of work): vary fewer values, or use fewer --arrivals")


def _events_at_most(params: Params) -> int:
    """A run's events, at most: its op list's, else one arrival a request and one free each."""
    if params.ops is not None:
        return params.ops.count(",") + 1
    if params.arrivals is not None or params.trace is None:
        requests = params.arrival_count
    else:
        from fragtui.sim.workload.traces import load_trace

        requests = len(load_trace(params.trace).prompts)
    return requests * (1 if params.frees == "none" else 2)


def _run(chosen: tuple[tuple[str, object], ...], params: Params,
         events_for: Callable[[Params], list[Event]] | None) -> Combination:
    if params.mode == "serving":
        from fragtui.sim.engines.serving.run import serving_run
        from fragtui.sim.workload.build import build_workload

        requests = build_workload(params).requests
        served = tuple(serving_run(params, requests, side, history=False).run().metrics() for side in resolve(params))
        return Combination(chosen, params, served)
    from fragtui.sim.engines.lockstep import final_metrics
    from fragtui.sim.workload.build import build_workload

    stream = events_for(params) if events_for is not None else build_workload(params).events
    return Combination(chosen, params, final_metrics(params, stream))
