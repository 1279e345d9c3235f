"""`fragtui report`: a finished run's numbers as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from fragtui.sim.metrics import Metrics
from fragtui.sim.simulation import ALLOCATORS, Simulation
from fragtui.sim.workloads import Workload

# (label, how to read it off Metrics): the rows of the text table, in order.
ROWS: list[tuple[str, object]] = [
    ("admitted", lambda m: m.admitted),
    ("rejected", lambda m: m.rejected),
    ("  pool-full", lambda m: m.rejected_pool_full),
    ("  fragmented", lambda m: m.rejected_fragmented),
    ("live", lambda m: m.live),
    ("used", lambda m: m.used),
    ("reserved", lambda m: m.reserved),
    ("free", lambda m: m.free),
    ("unusable", lambda m: m.unusable),
    ("stranded", lambda m: m.stranded),
    ("largest free run", lambda m: m.largest_free_run),
    ("holes", lambda m: m.holes),
    ("ext frag %", lambda m: f"{100 * m.ext_frag:.1f}"),
    ("utilization %", lambda m: f"{100 * m.utilization:.1f}"),
    ("waste share %", lambda m: f"{100 * m.waste_share:.1f}"),
    ("block-table entries", lambda m: m.block_table_entries),
    ("wasted", lambda m: m.wasted),
]

PEAK_ROWS = ("live", "used", "reserved", "block_table_entries")


def summary_line(name: str, m: Metrics) -> str:
    """The seed lab's line: `name: admitted=A rejected=R wasted=W`."""
    return f"{name}: admitted={m.admitted} rejected={m.rejected} wasted={m.wasted}"


def report_text(sim: Simulation, workload: Workload) -> str:
    metrics = {name: sim.metrics(name) for name in ALLOCATORS}
    peaks = {name: sim.peaks(name) for name in ALLOCATORS}
    lines = [summary_line(name, metrics[name]) for name in ALLOCATORS]
    lines.append("")
    lines.append(_row("", "contiguous", "paged"))
    for label, read in ROWS:
        lines.append(_row(label, read(metrics["contiguous"]), read(metrics["paged"])))
    for field in PEAK_ROWS:
        label = "peak " + field.replace("_", " ")
        lines.append(_row(label, peaks["contiguous"][field], peaks["paged"][field]))
    c, p = metrics["contiguous"].admitted, metrics["paged"].admitted
    lines.append("")
    if c:
        lines.append(f"paged admitted {p / c:.2f}× as many requests as contiguous ({p} vs {c}).")
    lines.append(f"{sim.step} events; " + _params_line(sim))
    if workload.dropped:
        lines.append(f"{workload.dropped} requests longer than max_len were dropped before arriving.")
    return "\n".join(lines)


def report_json(sim: Simulation, workload: Workload) -> str:
    data: dict[str, object] = {
        "params": asdict(sim.params),
        "events": sim.step,
        "dropped": workload.dropped,
    }
    for name in ALLOCATORS:
        entry = sim.metrics(name).as_dict()
        entry["peaks"] = sim.peaks(name)
        data[name] = entry
    return json.dumps(data, indent=2)


def _row(label: str, contiguous: object, paged: object) -> str:
    return f"{label:<26}{contiguous!s:>12}{paged!s:>12}"


def _params_line(sim: Simulation) -> str:
    p = sim.params
    return (
        f"total_slots={p.total_slots} max_len={p.max_len} block_size={p.block_size} "
        f"placement={p.placement} order={p.order} reservation={p.reservation}"
    )
