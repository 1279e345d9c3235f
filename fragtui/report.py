"""What the non-interactive commands print: report, sweep and scenarios, as text or JSON."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, TextIO

from fragtui.lab import LabResult
from fragtui.sim.measures.metrics import SERIES_FIELDS, Metrics
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, REJECTED
from fragtui.sim.errors import safe
from fragtui.sim.pair import SIDES, Pair
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import SCENARIOS
from fragtui.sim.workload.requests import Arrive, Event, Request
from fragtui.sim.engines.lockstep import Forward, StepRecord, apply
from fragtui.sim.measures.sweep import Axis, Combination, SweepRow
from fragtui.sim.workload.build import Workload
from fragtui.view.rows import METRIC_ROWS, PEAK_FIELDS, byte_rows, shown


def summary_line(name: str, m: Metrics) -> str:
    """The seed lab's line: `name: admitted=A rejected=R wasted=W`."""
    return LabResult(m.admitted, m.rejected, m.wasted).line(name)


@dataclass(frozen=True)
class Finished:
    """What a report says of a run to the end of its stream."""

    params: Params
    events: int
    metrics: Pair[Metrics]
    peaks: Pair[dict[str, int]]  # each SERIES_FIELDS tally's highest value over the run
    last_fragmented: StepRecord | None  # the last step contiguous refused for fragmentation


def run_to_end(params: Params, events: Iterable[Event],
               each: Callable[[StepRecord, Request | None], None] | None = None) -> Finished:
    """Run both allocators over `events` keeping no history (memory stays the pools'); `each`
    sees every step with the request it concerns, for output that streams."""
    run = Forward(params)
    contiguous, paged = run.contiguous, run.paged
    peaks = [list(row) for row in run.tallies()]
    live: dict[int, Request] = {}  # requests admitted and not yet freed, for the steps' `used`
    last: StepRecord | None = None
    step = 0
    for step, event in enumerate(events, 1):
        c, p = apply(contiguous, paged, event)
        if c.reason == FRAGMENTED:
            last = StepRecord(step, event, c, p)
        # A rejection moves only the rejection counts, which never fall: the end has their
        # peaks. Skipping rejections keeps a mostly refused million-row trace fast.
        if c.kind != REJECTED or p.kind != REJECTED:
            for high, row in zip(peaks, run.tallies()):
                high[:] = map(max, high, row)
        if each is not None:
            if isinstance(event, Arrive):
                request: Request | None = live.setdefault(event.id, event.request)
            else:
                request = live.pop(event.id, None)
            each(StepRecord(step, event, c, p), request)
    for high, row in zip(peaks, run.tallies()):
        high[:] = map(max, high, row)
    return Finished(params, step, Pair(run.metrics("contiguous"), run.metrics("paged")),
                    Pair(*(dict(zip(SERIES_FIELDS, high)) for high in peaks)), last)


def report_text(done: Finished, workload: Workload) -> str:
    metrics, peaks, params = done.metrics, done.peaks, done.params
    lines = [summary_line(side, metrics[side]) for side in SIDES]
    lines.append("")
    lines.append(_row("", "contiguous", "paged"))
    for row in METRIC_ROWS:
        if row.report and shown(row, metrics.contiguous, metrics.paged):
            lines.append(_row(row.label, row.text(metrics.contiguous), row.text(metrics.paged)))
    if params.bytes_per_token:  # a model gave each slot its size
        for label, a, b in byte_rows(metrics.contiguous, metrics.paged, params.bytes_per_token):
            lines.append(_row(label, a, b))
    for field in PEAK_FIELDS:
        label = "peak " + field.replace("_", " ")
        lines.append(_row(label, peaks.contiguous[field], peaks.paged[field]))
    c, p = metrics.contiguous.admitted, metrics.paged.admitted
    lines.append("")
    if c:
        lines.append(f"paged admitted {p / c:.2f}× as many requests as contiguous ({p} vs {c}).")
    lines.append(f"{done.events} events ({workload.source}); " + _params_line(params))
    if workload.dropped:
        lines.append(
            f"{workload.dropped} requests longer than max_len {params.max_len} were dropped before arriving."
        )
    last = done.last_fragmented
    if last is not None:
        lines.append(f"last fragmented rejection: step {last.index}, r{last.contiguous.request_id} "
                     f"needed {last.contiguous.length} contiguous slots.")
    return "\n".join(lines)


def write_report_json(out: TextIO, params: Params, workload: Workload, scenario: str = "seed") -> Finished:
    """One JSON object, written as the run goes so memory stays flat at any length: the settings,
    then every step, then the totals (which only the end of the run knows)."""
    out.write("{\n" + _members({"scenario": scenario, "params": asdict(params)}) + ',\n "steps": [')
    first = True

    def each(record: StepRecord, request: Request | None) -> None:
        nonlocal first
        out.write(("\n  " if first else ",\n  ") + json.dumps(step_json(record, request, params)))
        first = False

    done = run_to_end(params, workload.events, each)
    totals: dict[str, object] = {"events": done.events, "dropped": workload.dropped}
    for side in SIDES:
        entry: dict[str, object] = dict(done.metrics[side].as_dict())
        entry["peaks"] = done.peaks[side]
        totals[side] = entry
    out.write("\n ],\n" + _members(totals) + "\n}\n")
    return done


def _members(data: dict[str, object]) -> str:
    """`data`'s members as they sit inside an object indented by one space."""
    return json.dumps(data, indent=1)[2:-2]


def step_json(record: StepRecord, request: Request | None, params: Params) -> dict[str, object]:
    """One step: the event, then what each allocator did.

    contiguous `start`/`length`: the run admitted or freed; for a rejection, start is null and
    length is the reservation that did not fit. paged `blocks`: block ids in block-table order;
    with prefix caching an admission also gives the blocks it `reused` from the cache, the
    `new` ones, and how many cached identities taking them `evicted`."""
    event = record.event
    c, p = record.contiguous, record.paged
    contiguous: dict[str, object] = {"outcome": c.kind, "reason": c.reason, "start": None, "length": None}
    if c.kind in (ADMITTED, FREED):
        contiguous.update(start=c.start, length=c.length)
    elif c.kind == REJECTED:
        contiguous["length"] = c.length
    paged: dict[str, object] = {"outcome": p.kind, "reason": p.reason, "blocks": list(p.blocks)}
    if params.prefix_caching and p.kind == ADMITTED:  # which blocks came from the cache
        paged.update(reused=p.blocks[:p.reused], new=p.blocks[p.reused:], evicted=len(p.evicted))
    described: dict[str, object] = {
        "kind": event.kind,
        "id": event.id,
        "used": request.used if request else None,
        "max_len": request.max_len if request else None,
    }
    if request is not None and request.prefix:
        described.update(prefix=request.prefix, prefix_len=request.prefix_len)
    return {"step": record.index, "event": described, "contiguous": contiguous, "paged": paged}


def sweep_text(params: Params, rows: list[SweepRow], workload: Workload) -> str:
    lines = [f"{'block_size':>10} {'admitted':>9} {'rejected':>9} {'tail waste':>11} {'tail %':>7} {'block-table entries':>20}"]
    for r in rows:
        lines.append(
            f"{r.block_size:>10} {r.admitted:>9} {r.rejected:>9} {r.tail_waste:>11} "
            f"{r.tail_waste_pct:>7.1f} {r.block_table_entries:>20}"
        )
    lines.append("")
    lines.append(f"paged, {workload.source}, {params.total_slots} slots, at the end of the stream; "
                 "tail % = tail waste / slots held.")
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


def _row(label: str, contiguous: object, paged: object) -> str:
    return f"{label:<26}{contiguous!s:>12}{paged!s:>12}"


def _params_line(p: Params) -> str:
    return (
        f"total_slots={p.total_slots} max_len={p.max_len} block_size={p.block_size} "
        f"placement={p.placement} order={p.order} reservation={p.reservation}"
        + (" prefix_caching=on" if p.prefix_caching else "")
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


def _vary_results(row: Combination) -> Pair[Any]:
    results = row.serving if row.serving is not None else row.event
    assert results is not None
    return results


def _vary_cell(column: VaryColumn, value: int | float) -> str:
    if column.percent:
        return f"{100 * value:.1f}"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def vary_text(base: Params, axes: list[Axis], rows: list[Combination]) -> str:
    """One line per allocator per combination: the varied values, then the metrics."""
    columns = _vary_columns(rows)
    shown = [[safe(str(value), 60) for _, value in row.values] for row in rows]
    widths = [max(len(axis.name), *(len(values[i]) for values in shown)) for i, axis in enumerate(axes)]
    metric_widths = [max(len(c.label), 8) for c in columns]
    head = [axis.name.rjust(w) for axis, w in zip(axes, widths)] + ["allocator ".ljust(11)]
    lines = ["  ".join(head) + "  ".join(c.label.rjust(w) for c, w in zip(columns, metric_widths))]
    for row, values in zip(rows, shown):
        for side, results in _vary_results(row).items():
            left = values if side == "contiguous" else [""] * len(values)
            cells = [v.rjust(w) for v, w in zip(left, widths)] + [side.ljust(11)]
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
        lines.append("event mode, both allocators at the end of each run; ext frag % = 1 − largest free run / free.")
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
        for side, results in _vary_results(row).items():
            entry[side] = metrics_json(results) if row.serving is not None else results.as_dict()
        out_rows.append(entry)
    data = {"mode": base.mode, "params": asdict(base), "vary": {axis.name: list(axis.values) for axis in axes},
            "rows": out_rows}
    return json.dumps(data, indent=1)


def vary_csv(axes: list[Axis], rows: list[Combination]) -> str:
    """One record per allocator per combination; percentages as numbers (6 decimals)."""
    columns = _vary_columns(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([axis.name for axis in axes] + ["allocator"] + [c.key for c in columns])
    for row in rows:
        for side, results in _vary_results(row).items():
            values = [c.read(results) for c in columns]
            writer.writerow([safe(str(value)) for _, value in row.values] + [side] +
                            [round(100 * v, 6) if c.percent else (round(v, 6) if isinstance(v, float) else v)
                             for c, v in zip(columns, values)])
    return out.getvalue().rstrip("\n")
