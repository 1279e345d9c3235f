"""What `fragtui sweep` prints: the block-size trade-off, and any parameters' cross product
(`--vary`), a line (or a record) per side per combination, as text, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import Any, Callable

from fragtui.report.runs import metrics_json
from fragtui.sim.config.params import Params
from fragtui.sim.errors import safe
from fragtui.sim.measures.metrics import ServingMetrics
from fragtui.sim.measures.sweep import Axis, Combination, SweepRow, blocked_side
from fragtui.sim.workload.build import Workload
from fragtui.view.rounding import fixed

def sweep_text(params: Params, rows: list[SweepRow], workload: Workload) -> str:
    lines = [f"{'block_size':>10} {'admitted':>9} {'rejected':>9} {'tail waste':>11} {'tail %':>7} {'block-table entries':>20}"]
    for r in rows:
        lines.append(
            f"{r.block_size:>10} {r.admitted:>9} {r.rejected:>9} {r.tail_waste:>11} "
            f"{fixed(r.tail_waste_pct, 1):>7} {r.block_table_entries:>20}"
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
    return SERVING_COLUMNS if rows and rows[0].serving else EVENT_COLUMNS


def _vary_cell(column: VaryColumn, value: int | float) -> str:
    if column.percent:
        return fixed(100 * value, 1)
    return fixed(value, 2) if isinstance(value, float) else str(value)


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
        for i, (side, results) in enumerate(row.per_side()):
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
    out_rows = []
    for row in rows:
        entry: dict[str, object] = {"values": dict(row.values)}
        for side, results in row.per_side():
            entry[side] = metrics_json(results) if isinstance(results, ServingMetrics) else results.as_dict()
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
        for side, results in row.per_side():
            values = [c.read(results) for c in columns]
            writer.writerow([safe(str(value)) for _, value in row.values] + [side] +
                            [round(100 * v, 6) if c.percent else (round(v, 6) if isinstance(v, float) else v)
                             for c, v in zip(columns, values)])
    return out.getvalue().rstrip("\n")
