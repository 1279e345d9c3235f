"""What the non-interactive commands print: report, sweep and scenarios, as text or JSON, a
column (or a member) per side."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, TextIO

from fragtui.lab import LabResult
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, REJECTED, ContiguousOutcome, PagedOutcome
from fragtui.sim.allocators.registry import STRANDS
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import SCENARIOS
from fragtui.sim.config.sides import Side
from fragtui.sim.engines.lockstep import Forward, StepRecord, apply
from fragtui.sim.errors import safe
from fragtui.sim.measures.metrics import SERIES_FIELDS, Metrics
from fragtui.sim.measures.sweep import Axis, Combination, SweepRow, blocked_side
from fragtui.sim.workload.build import Workload
from fragtui.sim.workload.requests import Arrive, Event, Request
from fragtui.view.rows import METRIC_ROWS, PEAK_FIELDS, byte_rows, ratio_line, shown


def summary_line(name: str, m: Metrics) -> str:
    """The seed lab's line: `name: admitted=A rejected=R wasted=W`."""
    return LabResult(m.admitted, m.rejected, m.wasted).line(name)


@dataclass(frozen=True)
class Finished:
    """What a report says of a run to the end of its stream."""

    params: Params
    sides: tuple[Side, ...]
    events: int
    metrics: tuple[Metrics, ...]
    peaks: tuple[dict[str, int], ...]  # each SERIES_FIELDS tally's highest value over the run, a side
    last_fragmented: tuple[StepRecord, int] | None  # the last step a side refused as fragmented, and the side

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(side.label for side in self.sides)


def run_to_end(params: Params, events: Iterable[Event],
               each: Callable[[StepRecord, Request | None], None] | None = None) -> Finished:
    """Run every side over `events` keeping no history (memory stays the pools'); `each` sees
    every step with the request it concerns, for output that streams."""
    run = Forward(params)
    allocators = run.allocators
    peaks = [list(row) for row in run.tallies()]
    live: dict[int, Request] = {}  # requests admitted and not yet freed, for the steps' `used`
    last: tuple[StepRecord, int] | None = None
    step = 0
    for step, event in enumerate(events, 1):
        outcomes = apply(allocators, event)
        for i, o in enumerate(outcomes):
            if o.reason == FRAGMENTED:
                last = (StepRecord(step, event, outcomes), i)
                break
        # A rejection moves only the rejection counts, which never fall: the end has their
        # peaks. Skipping rejections keeps a mostly refused million-row trace fast.
        if any(o.kind != REJECTED for o in outcomes):
            for high, row in zip(peaks, run.tallies()):
                high[:] = map(max, high, row)
        if each is not None:
            if isinstance(event, Arrive):
                request: Request | None = live.setdefault(event.id, event.request)
            else:
                request = live.pop(event.id, None)
            each(StepRecord(step, event, outcomes), request)
    for high, row in zip(peaks, run.tallies()):
        high[:] = map(max, high, row)
    return Finished(params, run.sides, step, tuple(run.metrics(i) for i in range(len(run.sides))),
                    tuple(dict(zip(SERIES_FIELDS, high)) for high in peaks), last)


def report_text(done: Finished, workload: Workload) -> str:
    metrics, peaks, params, labels = done.metrics, done.peaks, done.params, done.labels
    lines = [summary_line(label, m) for label, m in zip(labels, metrics)]
    lines.append("")
    lines.append(_row("", *labels))
    for row in METRIC_ROWS:
        if row.report and shown(row, metrics):
            lines.append(_row(row.label, *(row.text(m) for m in metrics)))
    if params.bytes_per_token:  # a model gave each slot its size
        for label, values in byte_rows(metrics, params.bytes_per_token):
            lines.append(_row(label, *values))
    for field in PEAK_FIELDS:
        lines.append(_row("peak " + field.replace("_", " "), *(peak[field] for peak in peaks)))
    lines.append("")
    ratio = ratio_line(labels, metrics).replace("\n", " ")
    if "×" in ratio:
        lines.append(ratio + ".")
    lines.append(f"{done.events} events ({workload.source}); " + _params_line(params))
    if workload.dropped:
        lines.append(
            f"{workload.dropped} requests longer than max_len {params.max_len} were dropped before arriving."
        )
    if done.last_fragmented is not None:
        record, side = done.last_fragmented
        o = record.outcomes[side]
        assert isinstance(o, ContiguousOutcome)
        where = f" on {labels[side]}" if sum(s.allocator.can(STRANDS) for s in done.sides) > 1 else ""
        lines.append(f"last fragmented rejection{where}: step {record.index}, r{o.request_id} needed {o.length} "
                     "contiguous slots.")
    return "\n".join(lines)


def write_report_json(out: TextIO, params: Params, workload: Workload, scenario: str = "seed") -> Finished:
    """One JSON object, written as the run goes so memory stays flat at any length: the settings,
    then every step, then the totals (which only the end of the run knows), a member per side."""
    from fragtui.sim.config.sides import resolve

    sides = resolve(params)
    labels = [side.label for side in sides]
    out.write("{\n" + _members({"scenario": scenario, "params": asdict(params), "sides": labels}) + ',\n "steps": [')
    first = True

    def each(record: StepRecord, request: Request | None) -> None:
        nonlocal first
        out.write(("\n  " if first else ",\n  ") + json.dumps(step_json(record, request, sides)))
        first = False

    done = run_to_end(params, workload.events, each)
    totals: dict[str, object] = {"events": done.events, "dropped": workload.dropped}
    for label, metrics, peaks in zip(labels, done.metrics, done.peaks):
        entry: dict[str, object] = dict(metrics.as_dict())
        entry["peaks"] = peaks
        totals[label] = entry
    out.write("\n ],\n" + _members(totals) + "\n}\n")
    return done


def _members(data: dict[str, object]) -> str:
    """`data`'s members as they sit inside an object indented by one space."""
    return json.dumps(data, indent=1)[2:-2]


def step_json(record: StepRecord, request: Request | None, sides: tuple[Side, ...]) -> dict[str, object]:
    """One step: the event, then what each side's allocator did, a member per side.

    A run per request (contiguous): `start`/`length`, the run admitted or freed; for a
    rejection, start is null and length is the reservation that did not fit. A block table
    (paged): `blocks`, block ids in block-table order; with prefix caching an admission also
    gives the blocks it `reused` from the cache, the `new` ones, and how many cached identities
    taking them `evicted`."""
    event = record.event
    described: dict[str, object] = {
        "kind": event.kind,
        "id": event.id,
        "used": request.used if request else None,
        "max_len": request.max_len if request else None,
    }
    if request is not None and request.prefix:
        described.update(prefix=request.prefix, prefix_len=request.prefix_len)
    data: dict[str, object] = {"step": record.index, "event": described}
    for side, o in zip(sides, record.outcomes):
        data[side.label] = _outcome_json(side, o)
    return data


def _outcome_json(side: Side, o: object) -> dict[str, object]:
    if isinstance(o, ContiguousOutcome):
        run: dict[str, object] = {"outcome": o.kind, "reason": o.reason, "start": None, "length": None}
        if o.kind in (ADMITTED, FREED):
            run.update(start=o.start, length=o.length)
        elif o.kind == REJECTED:
            run["length"] = o.length
        return run
    assert isinstance(o, PagedOutcome)
    table: dict[str, object] = {"outcome": o.kind, "reason": o.reason, "blocks": list(o.blocks)}
    if side.options.get("prefix_caching") and o.kind == ADMITTED:  # which blocks came from the cache
        table.update(reused=o.blocks[:o.reused], new=o.blocks[o.reused:], evicted=len(o.evicted))
    return table


def sweep_text(params: Params, rows: list[SweepRow], workload: Workload) -> str:
    lines = [f"{'block_size':>10} {'admitted':>9} {'rejected':>9} {'tail waste':>11} {'tail %':>7} {'block-table entries':>20}"]
    for r in rows:
        lines.append(
            f"{r.block_size:>10} {r.admitted:>9} {r.rejected:>9} {r.tail_waste:>11} "
            f"{r.tail_waste_pct:>7.1f} {r.block_table_entries:>20}"
        )
    lines.append("")
    lines.append(f"{blocked_side(params).label}, {workload.source}, {params.total_slots} slots, at the end of "
                 "the stream; tail % = tail waste / slots held.")
    return "\n".join(lines)


def sweep_json(params: Params, rows: list[SweepRow]) -> str:
    data = {
        "params": asdict(params),
        "rows": [
            {**asdict(r), "tail_waste_pct": round(r.tail_waste_pct, 3)} for r in rows
        ],
    }
    return json.dumps(data, indent=1)


def scenarios_text() -> str:
    blocks = []
    for s in SCENARIOS.values():
        overrides = " ".join(f"--{k.replace('_', '-')}" + ("" if v is True else f" {v}")
                             for k, v in s.params.items() if k != "ops")
        if "ops" in s.params:
            overrides += " --ops …"
        head = f"{s.name} — {s.title}" + (f"\n  ({overrides.strip()})" if overrides.strip() else "")
        blocks.append(head + "\n" + textwrap.fill(s.about, 88, initial_indent="  ", subsequent_indent="  "))
    return "\n\n".join(blocks)


def _row(label: str, *values: object) -> str:
    return f"{label:<26}" + "".join(f"{value!s:>12}" for value in values)


def _params_line(p: Params) -> str:
    return (
        f"total_slots={p.total_slots} max_len={p.max_len} block_size={p.block_size} "
        f"placement={p.placement} order={p.order} reservation={p.reservation}"
        + (" prefix_caching=on" if p.prefix_caching else "") + f" sides={p.sides}"
    )


# -- sweep --vary ----------------------------------------------------------------------------

@dataclass(frozen=True)
class VaryColumn:
    label: str  # in the table
    key: str  # in CSV
    read: Callable[[Any], int | float]  # off an allocator's Metrics or ServingMetrics
    percent: bool = False  # a fraction, shown (and written) as a percentage


EVENT_COLUMNS = (
    VaryColumn("admitted", "admitted", lambda m: m.admitted),
    VaryColumn("rejected", "rejected", lambda m: m.rejected),
    VaryColumn("fragmented", "rejected_fragmented", lambda m: m.rejected_fragmented),
    VaryColumn("wasted", "wasted", lambda m: m.wasted),
    VaryColumn("ext frag %", "ext_frag_pct", lambda m: m.ext_frag, percent=True),
    VaryColumn("util %", "utilization_pct", lambda m: m.utilization, percent=True),
    VaryColumn("table entries", "block_table_entries", lambda m: m.block_table_entries),
)
SERVING_COLUMNS = (
    VaryColumn("completed", "completed", lambda m: m.completed),
    VaryColumn("preemptions", "preemptions", lambda m: m.preemptions),
    VaryColumn("batch", "mean_batch_queued", lambda m: m.mean_batch_queued),
    VaryColumn("token states %", "token_states_pct", lambda m: m.breakdown_queued.share("token_states"), percent=True),
    VaryColumn("internal %", "internal_pct", lambda m: m.breakdown_queued.share("internal"), percent=True),
    VaryColumn("stranded %", "stranded_pct", lambda m: m.breakdown_queued.share("stranded"), percent=True),
    VaryColumn("ticks", "ticks", lambda m: m.ticks),
)


def _vary_columns(rows: list[Combination]) -> tuple[VaryColumn, ...]:
    return SERVING_COLUMNS if rows and rows[0].serving is not None else EVENT_COLUMNS


def _vary_results(row: Combination) -> tuple[Any, ...]:
    results = row.serving if row.serving is not None else row.event
    assert results is not None
    return results


def _vary_cell(column: VaryColumn, value: int | float) -> str:
    if column.percent:
        return f"{100 * value:.1f}"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def vary_text(base: Params, axes: list[Axis], rows: list[Combination]) -> str:
    """One line per side per combination: the varied values, then the metrics."""
    columns = _vary_columns(rows)
    shown = [[safe(str(value), 60) for _, value in row.values] for row in rows]
    widths = [max(len(axis.name), *(len(values[i]) for values in shown)) for i, axis in enumerate(axes)]
    metric_widths = [max(len(c.label), 8) for c in columns]
    side_width = max(10, *(len(label) for row in rows for label in row.sides))
    head = [axis.name.rjust(w) for axis, w in zip(axes, widths)] + ["side".ljust(side_width + 1)]
    lines = ["  ".join(head) + "  ".join(c.label.rjust(w) for c, w in zip(columns, metric_widths))]
    for row, values in zip(rows, shown):
        for i, (side, results) in enumerate(zip(row.sides, _vary_results(row))):
            left = values if i == 0 else [""] * len(values)
            cells = [v.rjust(w) for v, w in zip(left, widths)] + [side.ljust(side_width + 1)]
            lines.append("  ".join(cells) + "  ".join(_vary_cell(c, c.read(results)).rjust(w)
                                                       for c, w in zip(columns, metric_widths)))
    varied = {axis.name for axis in axes}
    serving = columns is SERVING_COLUMNS
    if base.ops is not None or base.trace is not None:  # they say the lengths
        varied |= {"used_len", "lengths"}
    others = " ".join(f"{name}={safe(str(getattr(base, name)), 60)}" for name in _SHOWN_PARAMS[serving]
                      if name not in varied and getattr(base, name) is not None)
    lines.append("")
    if serving:
        lines.append("serving mode, each run to its end; batch and % of the pool are means over the ticks "
                     "with a non-empty queue.")
    else:
        lines.append("event mode, every side at the end of each run; ext frag % = 1 − largest free run / free.")
    lines.append(f"{len(rows)} combinations; the other parameters: {others}")
    return "\n".join(lines)


_SHOWN_PARAMS = {  # what the rest of a sweep's parameters are said to be, in each mode
    False: ("total_slots", "max_len", "used_len", "block_size", "arrivals", "seed", "placement", "order",
            "reservation", "lengths", "frees", "ops", "trace", "model"),
    True: ("total_slots", "max_len", "block_size", "arrivals", "seed", "placement", "order", "reservation",
           "prompt_len", "output_len", "lengths", "rate", "trace", "time_scale", "model"),
}


def vary_json(base: Params, axes: list[Axis], rows: list[Combination]) -> str:
    from fragtui.serving_report import metrics_json

    out_rows = []
    for row in rows:
        entry: dict[str, object] = {"values": dict(row.values)}
        for side, results in zip(row.sides, _vary_results(row)):
            entry[side] = metrics_json(results) if row.serving is not None else results.as_dict()
        out_rows.append(entry)
    data = {"mode": base.mode, "params": asdict(base), "vary": {axis.name: list(axis.values) for axis in axes},
            "rows": out_rows}
    return json.dumps(data, indent=1)


def vary_csv(axes: list[Axis], rows: list[Combination]) -> str:
    """One record per side per combination; percentages as numbers (6 decimals)."""
    columns = _vary_columns(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([axis.name for axis in axes] + ["side"] + [c.key for c in columns])
    for row in rows:
        for side, results in zip(row.sides, _vary_results(row)):
            values = [c.read(results) for c in columns]
            writer.writerow([safe(str(value)) for _, value in row.values] + [side] +
                            [round(100 * v, 6) if c.percent else (round(v, 6) if isinstance(v, float) else v)
                             for c, v in zip(columns, values)])
    return out.getvalue().rstrip("\n")
