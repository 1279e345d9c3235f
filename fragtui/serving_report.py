"""`fragtui report --mode serving`: one workload through Orca Max, Pow2, Oracle and paged."""

from __future__ import annotations

import json
from dataclasses import asdict

from fragtui.sim.kv import format_bytes
from fragtui.sim.params import Params
from fragtui.sim.serving import ServingMetrics
from fragtui.sim.serving.workload import ServingWorkload
from fragtui.view.rows import CATEGORIES, SERVING_SHARING_ROWS

COLUMNS = {"max": "Orca Max", "pow2": "Orca Pow2", "oracle": "Orca Oracle", "paged": "paged"}

# The PagedAttention paper (Kwon et al., SOSP 2023): OPT-13B, 12 GiB of KV cache, ShareGPT.
PAPER_ORCA_TOKEN_STATES = (20.4, 38.2)  # §3, Fig. 2: the range over Orca's three variants
PAPER_VLLM_TOKEN_STATES = 96.3
PAPER_MEAN_BATCH = {"max": 7.00, "pow2": 9.81, "oracle": 13.62, "paged": 30.42}  # Fig. 13, 2 req/s
PAPER = {"token_states_pct": {"orca": PAPER_ORCA_TOKEN_STATES, "vllm": PAPER_VLLM_TOKEN_STATES},
         "mean_batch": PAPER_MEAN_BATCH}
# §6.3, Fig. 15: blocks saved by sharing / blocks without sharing, OPT-13B, for 2 to 6 samples or
# beams (the ends of the range: saving grows with the width). ShareGPT's, from the same section.
PAPER_SAVED = {"samples": {"alpaca": (6.1, 9.8), "sharegpt": (16.2, 30.5)},
               "beam_width": {"alpaca": (37.6, 55.2), "sharegpt": (44.3, 66.3)}}
SHARING_KIND = {"samples": "parallel sampling", "beam_width": "beam search"}

Savings = tuple[str, dict[int, float]]  # (samples or beam_width, width -> share of blocks saved)


def serving_text(params: Params, workload: ServingWorkload, results: dict[str, ServingMetrics],
                 paper: bool = False, savings: Savings | None = None) -> str:
    lines = [_title(params, workload), ""]
    queued = {name: m.queued_ticks for name, m in results.items()}
    lines.append("memory while requests wait (mean over ticks with a non-empty queue), % of the pool:")
    lines.append(_row("", *COLUMNS.values()))
    for category in CATEGORIES:
        if category.key == "unusable" and not any(m.breakdown_queued.unusable for m in results.values()):
            continue
        lines.append(_row(category.label,
                          *(f"{100 * m.breakdown_queued.share(category.key):.1f}" for m in results.values())))
    lines.append("")
    lines.append(_row("avg batch size (queued)", *(f"{m.mean_batch_queued:.2f}" for m in results.values())))
    lines.append(_row("avg batch size (all ticks)", *(f"{m.mean_batch:.2f}" for m in results.values())))
    lines.append(_row("completed per tick", *(f"{m.throughput:.3f}" for m in results.values())))
    lines.append(_row("mean queueing delay", *(f"{m.mean_queueing_delay:.1f}" for m in results.values())))
    lines.append(_row("preemptions", *(str(m.preemptions) for m in results.values())))
    lines.append(_row("ticks (queued)", *(f"{m.ticks} ({queued[n]})" for n, m in results.items())))
    if any(m.rejected for m in results.values()):
        lines.append(_row("never fit the pool", *(str(m.rejected) for m in results.values())))
    if params.sequences > 1:
        lines.append(f"{params.sequences} {'samples' if params.samples > 1 else 'beam candidates'} a request:")
        lines += [_row(label, *(read(m) for m in results.values())) for label, read in SERVING_SHARING_ROWS]
    if savings is not None:
        lines += ["", *_savings_lines(savings)]
    if paper:
        orca_low, orca_high = PAPER_ORCA_TOKEN_STATES
        batch = PAPER_MEAN_BATCH
        lines += [
            "",
            "the PagedAttention paper, same setting (OPT-13B, 12 GiB KV cache, ShareGPT, 2 req/s on an A100):",
            _row("token states % (Fig. 2)", f"{orca_low}–{orca_high}", "", "", f"{PAPER_VLLM_TOKEN_STATES}"),
            _row("avg batch size (Fig. 13)", *(f"{batch[name]:.2f}" for name in COLUMNS)),
            "(the paper's Orca token-state range covers its three variants together)",
        ]
    return "\n".join(lines)


def _savings_lines(savings: Savings) -> list[str]:
    kind, ours = savings
    low, high = PAPER_SAVED[kind]["alpaca"]
    widths = sorted(ours)
    lines = [f"memory saved by sharing, {SHARING_KIND[kind]} (paged; blocks saved / blocks without sharing,",
             "summed over ticks), beside the PagedAttention paper's Fig. 15 (OPT-13B, Alpaca):",
             f"{'width':<28}{'ours':>13}{'the paper':>13}"]
    for width in widths:
        theirs = f"{low}" if width == widths[0] else f"{high}" if width == widths[-1] else f"{low}–{high}"
        lines.append(f"{width:<28}{100 * ours[width]:>13.1f}{theirs:>13}")
    lines.append("(the paper gives the range over widths 2 to 6; its ShareGPT range is "
                 f"{PAPER_SAVED[kind]['sharegpt'][0]}–{PAPER_SAVED[kind]['sharegpt'][1]})")
    return lines


def serving_json(params: Params, workload: ServingWorkload, results: dict[str, ServingMetrics],
                 scenario: str, paper: bool = False, savings: Savings | None = None) -> str:
    data: dict[str, object] = {
        "mode": "serving",
        "scenario": scenario,
        "params": asdict(params),
        "requests": len(workload.requests),
        "dropped": workload.dropped,
        "allocators": {name: _metrics_json(m) for name, m in results.items()},
    }
    if paper:
        data["paper"] = PAPER
    if savings is not None:
        kind, ours = savings
        data["saved_by_sharing"] = {"kind": kind, "ours": {str(w): round(v, 6) for w, v in ours.items()},
                                    "paper_fig15": PAPER_SAVED[kind]}
    return json.dumps(data, indent=1)


def _metrics_json(m: ServingMetrics) -> dict[str, object]:
    data = asdict(m)
    data["breakdown"] = m.breakdown.as_dict()
    data["breakdown_queued"] = m.breakdown_queued.as_dict()
    data["shares_queued"] = {c.key: round(m.breakdown_queued.share(c.key), 6) for c in CATEGORIES}
    return data


def _title(params: Params, workload: ServingWorkload) -> str:
    slots = f"{params.total_slots} slots"
    if params.bytes_per_token:
        slots += f" = {format_bytes(params.total_slots * params.bytes_per_token)} of {params.model}"
    dropped = f"; {workload.dropped} dropped (longer than max_len or no output)" if workload.dropped else ""
    return (f"serving: {workload.source}; {slots}, max_len {params.max_len}, block {params.block_size}, "
            f"{params.placement} fit{dropped}")


def _row(label: str, *values: str) -> str:
    return f"{label:<28}" + "".join(f"{v:>13}" for v in values)
