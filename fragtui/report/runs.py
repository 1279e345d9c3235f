"""What `fragtui report` prints of a run, in either mode, a column (or a member) per side:
event mode's tallies at the end of the stream and their peaks, streamed as JSON step by step;
serving mode's memory categories and batches over the ticks, with the papers' figures beside
ours where the scenario is theirs (paper.py)."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, TextIO

from fragtui.lab import LabResult
from fragtui.report.paper import FIG2_ROWS, PAPER, PAPER_SAVED, Results, Savings, fig2, paper_text, savings_lines
from fragtui.report.tables import columns, members
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, REJECTED, ContiguousOutcome, PagedOutcome
from fragtui.sim.allocators.registry import STRANDS
from fragtui.sim.config.kv import format_bytes
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import SCENARIOS
from fragtui.sim.config.sides import Side
from fragtui.sim.engines.lockstep import Forward, StepRecord, apply
from fragtui.sim.measures.breakdown import Breakdown
from fragtui.sim.measures.metrics import SERIES_FIELDS, Metrics, ServingMetrics
from fragtui.sim.workload.build import Workload
from fragtui.sim.workload.requests import Arrive, Event, Request
from fragtui.view.rows import (CATEGORIES, METRIC_ROWS, PEAK_FIELDS, SERVING_GAUGE_ROWS, SERVING_SHARING_ROWS, byte_rows,
                               ratio_line, shown)
from fragtui.view.rounding import fixed

FEW_TICKS = 1000  # an average over fewer memory-bound ticks than this is noisy: say so
LABEL, VALUE = 26, 12  # event mode's table: label and value widths at least


# -- event mode ---------------------------------------------------------------------------------

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
    table: list[tuple[str, list[str]]] = [("", list(labels))]
    for row in METRIC_ROWS:
        if row.report and shown(row, metrics):
            table.append((row.label, [row.text(m) for m in metrics]))
    if params.bytes_per_token:  # a model gave each slot its size
        table += [(label, list(values)) for label, values in byte_rows(metrics, params.bytes_per_token)]
    for field in PEAK_FIELDS:
        table.append(("peak " + field.replace("_", " "), [str(peak[field]) for peak in peaks]))
    lines += columns(table, LABEL, VALUE)
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


def params_json(params: Params, workload: Workload) -> dict[str, object]:
    """The run's parameters, `arrivals` as the number that arrived where the run left it to
    the lengths, ops or trace (never null: a reader wants the count)."""
    data = asdict(params)
    if data["arrivals"] is None:
        data["arrivals"] = len(workload.requests)
    return data


def write_report_json(out: TextIO, params: Params, workload: Workload, scenario: str = "seed") -> Finished:
    """One JSON object, written as the run goes so memory stays flat at any length: the settings,
    then every step, then the totals (which only the end of the run knows), a member per side."""
    from fragtui.sim.config.sides import resolve

    sides = resolve(params)
    labels = [side.label for side in sides]
    out.write("{\n" + members({"scenario": scenario, "params": params_json(params, workload), "sides": labels})
              + ',\n "steps": [')
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
    out.write("\n ],\n" + members(totals) + "\n}\n")
    return done


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
        table.update(reused=list(o.blocks[:o.reused]), new=list(o.blocks[o.reused:]), evicted=len(o.evicted))
    return table


def _params_line(p: Params) -> str:
    return (
        f"total_slots={p.total_slots} max_len={p.max_len} block_size={p.block_size} "
        f"placement={p.placement} order={p.order} reservation={p.reservation}"
        + (" prefix_caching=on" if p.prefix_caching else "") + f" sides={p.sides}"
    )



# -- serving mode -------------------------------------------------------------------------------

def serving_text(params: Params, workload: Workload, sides: tuple[Side, ...], results: Results,
                 saturated: Results | None = None, savings: Savings | None = None) -> str:
    ms = list(results)
    labels = [side.label for side in sides]
    steady = params.warmup > 0

    def queued(m: ServingMetrics, value: str) -> str:
        return value if (m.steady_queued_ticks if steady else m.queued_ticks) else "n/a"  # never memory-bound

    def breakdown(m: ServingMetrics) -> Breakdown:
        return m.steady_breakdown_queued if steady else m.breakdown_queued

    table: list[tuple[str, list[str]]] = [("", labels)]
    for category in CATEGORIES:
        if category.key in ("unusable", "slack") and not any(getattr(breakdown(m), category.key) for m in ms):
            continue
        table.append((category.label, [queued(m, fixed(100 * breakdown(m).share(category.key), 1)) for m in ms]))
    table.append(("", []))
    if steady:
        table.append(("avg batch size (steady, queued)", [queued(m, fixed(m.steady_mean_batch_queued, 2)) for m in ms]))
    table.append(("avg batch size (queued)", [queued(m, fixed(m.mean_batch_queued, 2)) for m in ms]))
    table.append(("avg batch size (all ticks)", [fixed(m.mean_batch, 2) for m in ms]))
    table.append(("completed per tick", [fixed(m.throughput, 3) for m in ms]))
    table.append(("mean queueing delay (ticks)", [fixed(m.mean_queueing_delay, 1) if m.admitted else "n/a" for m in ms]))
    table.append(("preemptions", [str(m.preemptions) for m in ms]))
    if steady:
        table.append(("ticks (warm-up, steady queued)", [f"{m.ticks} ({m.warmup_ticks}, {m.steady_queued_ticks})" for m in ms]))
    else:
        table.append(("ticks (queued)", [f"{m.ticks} ({m.queued_ticks})" for m in ms]))
    if any(m.rejected for m in ms):
        table.append(("never fit the pool", [str(m.rejected) for m in ms]))
    if any(m.kv_usage is not None for m in ms):
        table += [(label, [read(m) for m in ms]) for label, read in SERVING_GAUGE_ROWS
                  if "hit rate" not in label or any(m.hit_rate is not None for m in ms)]
    if params.sequences > 1:
        kind = "samples" if params.samples > 1 else "beam candidates"
        table += [(f"{label} ({params.sequences} {kind})", [read(m) for m in ms]) for label, read in SERVING_SHARING_ROWS]

    window = (f"ticks with a non-empty queue after the warm-up (until {int(params.warmup * len(workload.requests))} "
              f"requests, {100 * params.warmup:g} %, completed)" if steady else "ticks with a non-empty queue")
    lines = [_title(params, workload), "", f"memory while requests wait, % of the pool: mean over {window}:"]
    lines += columns(table)
    lines.append("batch: requests that ran in a tick, appending a token (one preempted in it did not). "
                 "preemptions: paged evicting its newest request for a block (recomputed when readmitted).")
    few = [label for label, m in zip(labels, results)
           if 0 < (m.steady_queued_ticks if steady else m.queued_ticks) < FEW_TICKS]
    if few:
        lines.append(f"note: {', '.join(few)} averaged over fewer than {FEW_TICKS:,} memory-bound ticks: noisy.")
    if savings is not None:
        lines += ["", *savings_lines(savings)]
    if saturated is not None:
        lines += [""] + paper_text(params, workload, sides, results, saturated)
    return "\n".join(lines)


def serving_json(params: Params, workload: Workload, sides: tuple[Side, ...], results: Results,
                 scenario: str, saturated: Results | None = None, savings: Savings | None = None) -> str:
    labels = [side.label for side in sides]
    data: dict[str, object] = {
        "mode": "serving",
        "scenario": scenario,
        "params": params_json(params, workload),
        "requests": len(workload.requests),
        "dropped": workload.dropped,
        "sides": labels,
        "allocators": {label: metrics_json(m) for label, m in zip(labels, results)},
    }
    if saturated is not None:
        data["saturated"] = {label: metrics_json(m) for label, m in zip(labels, saturated)}
        data["paper"] = PAPER
        data["fig2_pct"] = {label: dict(zip(FIG2_ROWS, (round(v, 3) for v in fig2(m.steady_breakdown_queued))))
                            for label, m in zip(labels, results)}
    if savings is not None:
        kind, ours = savings
        data["saved_by_sharing"] = {"kind": kind, "ours": {str(w): round(v, 6) for w, v in ours.items()},
                                    "paper_fig15": PAPER_SAVED[kind]}
    return json.dumps(data, indent=1)


def metrics_json(m: ServingMetrics) -> dict[str, object]:
    data = asdict(m)
    for key in ("breakdown", "breakdown_queued", "steady_breakdown_queued"):
        data[key] = getattr(m, key).as_dict()
    data["shares_queued"] = {c.key: round(m.breakdown_queued.share(c.key), 6) for c in CATEGORIES}
    return data


def _title(params: Params, workload: Workload) -> str:
    slots = f"{params.total_slots} slots"
    if params.bytes_per_token:
        slots += f" = {format_bytes(params.total_slots * params.bytes_per_token)} of {params.model}"
    dropped = f"; {workload.dropped} dropped (longer than max_len or no output)" if workload.dropped else ""
    watermark = f", watermark {params.watermark:g}" if params.watermark else ""
    return (f"serving: {workload.source}; {slots}, max_len {params.max_len}, block {params.block_size}{watermark}, "
            f"{params.placement} fit{dropped}")


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


