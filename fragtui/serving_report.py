"""`fragtui report --mode serving`: one workload through every side, and for the `paper` scenario
the PagedAttention paper's figures beside ours, category by category, side by side where a side
is one of the paper's systems."""

from __future__ import annotations

import json
from dataclasses import asdict
from statistics import mean

from fragtui.sim.config.kv import format_bytes
from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side
from fragtui.sim.measures.breakdown import Breakdown
from fragtui.sim.measures.metrics import ServingMetrics
from fragtui.sim.workload.build import Workload
from fragtui.view.rows import CATEGORIES, SERVING_SHARING_ROWS

Results = tuple[ServingMetrics, ...]  # a side's each, in the sides' order
# The paper's systems, by the side that is each: Orca's reservations as the paper names them, vLLM.
PAPER_SYSTEMS = {"max": "Orca Max", "pow2": "Orca Pow2", "oracle": "Orca Oracle", "paged": "vLLM"}
FEW_TICKS = 1000  # an average over fewer memory-bound ticks than this is noisy: say so

# The PagedAttention paper (Kwon et al., SOSP 2023), OPT-13B with 12 GiB of KV cache on ShareGPT.
# Fig. 2: each system's memory, % of the pool, in the paper's four categories (None: not given).
PAPER_FIG2 = {  # (the paper names no rounding slack: a buddy allocator's is in one of its four, unsaid which)
    "max": (20.4, 13.3, 57.3, None, 8.9),
    "pow2": (26.8, 17.9, 13.6, None, 41.6),
    "oracle": (38.2, 25.2, None, None, 36.6),
    "paged": (96.3, None, None, None, None),
}
FIG2_ROWS = ("token states", "reservation", "internal frag", "rounding slack", "external frag & others")
PAPER_MEAN_BATCH = {"max": 7.00, "pow2": 9.81, "oracle": 13.62, "paged": 30.42}  # Fig. 13, 2 req/s
PAPER = {"fig2_pct": {k: dict(zip(FIG2_ROWS, v)) for k, v in PAPER_FIG2.items()}, "fig13_mean_batch": PAPER_MEAN_BATCH}
# §6.3, Fig. 15: blocks saved by sharing / blocks without sharing, OPT-13B, for 2 to 6 samples or
# beams (the ends of the range: saving grows with the width). ShareGPT's, from the same section.
PAPER_SAVED = {"samples": {"alpaca": (6.1, 9.8), "sharegpt": (16.2, 30.5)},
               "beam_width": {"alpaca": (37.6, 55.2), "sharegpt": (44.3, 66.3)}}
SHARING_KIND = {"samples": "parallel sampling", "beam_width": "beam search"}

Savings = tuple[str, dict[int, float]]  # (samples or beam_width, width -> share of blocks saved)


def fig2(b: Breakdown) -> tuple[float, float, float, float, float]:
    """Ours in the paper's categories and rounding slack apart, as the pane and the sidebar
    count it: what a reservation holds past the request's final length is internal
    fragmentation; a buddy allocator's chunk past the reservation is rounding slack; the
    stranded runs and any other free memory are 'external fragmentation & others' (which is
    how the paper counts Oracle, whose reservations are exact: no internal fragmentation)."""
    total = b.total or 1
    return (100 * b.token_states / total, 100 * b.reserved / total, 100 * b.internal / total, 100 * b.slack / total,
            100 * (b.stranded + b.free + b.unusable) / total)


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
        table.append((category.label, [queued(m, f"{100 * breakdown(m).share(category.key):.1f}") for m in ms]))
    table.append(("", []))
    if steady:
        table.append(("avg batch size (steady, queued)", [queued(m, f"{m.steady_mean_batch_queued:.2f}") for m in ms]))
    table.append(("avg batch size (queued)", [queued(m, f"{m.mean_batch_queued:.2f}") for m in ms]))
    table.append(("avg batch size (all ticks)", [f"{m.mean_batch:.2f}" for m in ms]))
    table.append(("completed per tick", [f"{m.throughput:.3f}" for m in ms]))
    table.append(("mean queueing delay (ticks)", [f"{m.mean_queueing_delay:.1f}" if m.admitted else "n/a" for m in ms]))
    table.append(("preemptions", [str(m.preemptions) for m in ms]))
    if steady:
        table.append(("ticks (warm-up, steady queued)", [f"{m.ticks} ({m.warmup_ticks}, {m.steady_queued_ticks})" for m in ms]))
    else:
        table.append(("ticks (queued)", [f"{m.ticks} ({m.queued_ticks})" for m in ms]))
    if any(m.rejected for m in ms):
        table.append(("never fit the pool", [str(m.rejected) for m in ms]))
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
        lines += ["", *_savings_lines(savings)]
    if saturated is not None:
        lines += [""] + paper_text(params, workload, sides, results, saturated)
    return "\n".join(lines)


def paper_text(params: Params, workload: Workload, sides: tuple[Side, ...], results: Results,
               saturated: Results) -> list[str]:
    """Ours beside the paper's Fig. 2 and Fig. 13, and what each difference comes to, for the
    sides that are the paper's systems (a side that is none has no figure of the paper's)."""
    keys = [side.spec.text if side.spec.text in PAPER_SYSTEMS else None for side in sides]
    head = [h for _ in sides for h in ("ours", "paper")]
    table: list[tuple[str, list[str]]] = [
        ("", [title for side, key in zip(sides, keys)
              for title in (f"{side.label}" + (f" ({PAPER_SYSTEMS[key]})" if key else ""), "")]),
        ("Fig. 2, % of the pool", head),
    ]
    ours = [fig2(m.steady_breakdown_queued) for m in results]
    for i, row in enumerate(FIG2_ROWS):
        table.append((row, [v for key, mine in zip(keys, ours)
                            for v in (f"{mine[i]:.1f}", _paper(PAPER_FIG2[key][i] if key else None))]))
    table.append(("Fig. 13, avg batch", []))
    table.append((f"  at {params.rate:g} req/s", [v for key, m in zip(keys, results) for v in
                                                  (f"{m.steady_mean_batch_queued:.2f}",
                                                   f"{PAPER_MEAN_BATCH[key]:.2f}" if key else "–")]))
    table.append((f"  saturated ({params.time_scale:g} req/s)", [v for m in saturated for v in
                                                                (f"{m.steady_mean_batch_queued:.2f}", "–")]))
    prompt, output = mean(r.prompt for r in workload.requests), mean(r.output for r in workload.requests)
    lines = [f"beside the PagedAttention paper (Kwon et al., SOSP 2023: OPT-13B, 12 GiB of KV cache, ShareGPT; "
             f"Fig. 13 at 2 req/s), with {params.time_scale:g} ticks a second assumed for an A100:"]
    lines += columns(table)
    lines.append(f"these requests average {prompt:.1f} prompt and {output:.1f} output tokens (the paper's ShareGPT: "
                 "161.31 and 337.99). The paper names no rounding slack: a buddy allocator's is in one of its "
                 "categories, unsaid which. What each difference comes to:")
    for side, key, m, mine in zip(sides, keys, results, ours):
        if key is None:
            continue
        batch, paper_batch = m.steady_mean_batch_queued, PAPER_MEAN_BATCH[key]
        held, paper_held = mine[0], PAPER_FIG2[key][0]
        assert paper_held is not None
        # Token states ÷ batch: the tokens a running request holds, ours against the paper's.
        per = held / 100 * params.total_slots / batch if batch else 0.0
        paper_per = paper_held / 100 * params.total_slots / paper_batch
        lines.append(f"  {PAPER_SYSTEMS[key]}: batch {100 * (batch / paper_batch - 1):+.1f} %, token states "
                     f"{held - paper_held:+.1f} points; a running request holds {per:.0f} tokens, the paper's "
                     f"{paper_per:.0f}.")
    lines.append("  (README, 'The paper's baselines', says what causes each difference and what we assumed.)")
    return lines


def columns(table: list[tuple[str, list[str]]]) -> list[str]:
    """Rows of (label, values) as text: every column as wide as its widest value, plus two."""
    label_width = max(len(label) for label, _ in table)
    count = max(len(values) for _, values in table)
    widths = [max(len(values[i]) for _, values in table if i < len(values)) + 2 for i in range(count)]
    return [(f"{label:<{label_width}}" + "".join(f"{v:>{w}}" for v, w in zip(values, widths))).rstrip()
            for label, values in table]


def _savings_lines(savings: Savings) -> list[str]:
    kind, ours = savings
    low, high = PAPER_SAVED[kind]["alpaca"]
    widths = sorted(ours)
    table: list[tuple[str, list[str]]] = [("width", ["ours", "the paper"])]
    for width in widths:
        theirs = f"{low}" if width == widths[0] else f"{high}" if width == widths[-1] else f"{low}–{high}"
        table.append((str(width), [f"{100 * ours[width]:.1f}", theirs]))
    return [f"memory saved by sharing, {SHARING_KIND[kind]} (paged; blocks saved / blocks without sharing,",
            "summed over ticks), beside the PagedAttention paper's Fig. 15 (OPT-13B, Alpaca):",
            *columns(table),
            "(the paper gives the range over widths 2 to 6; its ShareGPT range is "
            f"{PAPER_SAVED[kind]['sharegpt'][0]}–{PAPER_SAVED[kind]['sharegpt'][1]})"]


def serving_json(params: Params, workload: Workload, sides: tuple[Side, ...], results: Results,
                 scenario: str, saturated: Results | None = None, savings: Savings | None = None) -> str:
    labels = [side.label for side in sides]
    data: dict[str, object] = {
        "mode": "serving",
        "scenario": scenario,
        "params": asdict(params),
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


def _paper(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


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
