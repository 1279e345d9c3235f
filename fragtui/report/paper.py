"""The papers' figures beside ours: the PagedAttention paper's Fig. 2 and Fig. 13 for its four
systems (the sides that are each of them), and its Fig. 15, memory saved by sharing."""

from __future__ import annotations

from statistics import mean

from fragtui.report.tables import columns
from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side
from fragtui.sim.measures.breakdown import Breakdown
from fragtui.sim.measures.metrics import ServingMetrics
from fragtui.sim.workload.build import Workload
from fragtui.sim.workload.lengths import DATASETS
from fragtui.view.rounding import fixed

Results = tuple[ServingMetrics, ...]  # a side's each, in the sides' order
# The paper's systems, by the side that is each: Orca's reservations as the paper names them, vLLM.
PAPER_SYSTEMS = {"max": "Orca Max", "pow2": "Orca Pow2", "oracle": "Orca Oracle", "paged": "vLLM"}

# The PagedAttention paper (Kwon et al., SOSP 2023), OPT-13B with 12 GiB of KV cache on ShareGPT.
# Fig. 2: each system's memory, % of the pool, in the paper's four categories (None: not given).
PAPER_FIG2 = {  # (the paper names no rounding slack: a buddy allocator's is in one of its four, unsaid which)
    "max": (20.4, 13.3, 57.3, None, 8.9),
    "pow2": (26.8, 17.9, 13.6, None, 41.6),
    "oracle": (38.2, 25.2, None, None, 36.6),
    "paged": (96.3, None, None, None, None),
}
FIG2_ROWS = ("token states", "reservation", "internal frag", "rounding slack", "external frag & others")
# Fig. 13, each system's average batch, by workload: (the request rate of the row, the batches).
PAPER_FIG13 = {
    "sharegpt": (2.0, {"max": 7.00, "pow2": 9.81, "oracle": 13.62, "paged": 30.42}),
    "alpaca": (30.0, {"max": 7.00, "pow2": 43.24, "oracle": 72.75, "paged": 132.44}),
}
PAPER_MEAN_BATCH = PAPER_FIG13["sharegpt"][1]
PAPER = {"fig2_pct": {k: dict(zip(FIG2_ROWS, v)) for k, v in PAPER_FIG2.items()}, "fig13_mean_batch": PAPER_MEAN_BATCH,
         "fig13_by_workload": {name: {"rate": rate, "mean_batch": batches} for name, (rate, batches) in PAPER_FIG13.items()}}
# §6.3, Fig. 15: blocks saved by sharing / blocks without sharing, OPT-13B, for 2 to 6 samples or
# beams (the ends of the range: saving grows with the width). ShareGPT's, from the same section.
PAPER_SAVED = {"samples": {"alpaca": (6.1, 9.8), "sharegpt": (16.2, 30.5)},
               "beam_width": {"alpaca": (37.6, 55.2), "sharegpt": (44.3, 66.3)}}
SATURATED = 10  # times the paper's rate: the same requests arriving ten times as fast
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


def paper_text(params: Params, workload: Workload, sides: tuple[Side, ...], results: Results,
               saturated: Results) -> list[str]:
    """Ours beside the paper's Fig. 2 and Fig. 13, and what each difference comes to, for the
    sides that are the paper's systems (a side that is none has no figure of the paper's)."""
    keys = [side.spec.text if side.spec.text in PAPER_SYSTEMS else None for side in sides]
    workload_name = "alpaca" if params.prompt_len == params.output_len == "alpaca" else "sharegpt"
    rate, paper_batch_of = PAPER_FIG13[workload_name]
    fig2_of = PAPER_FIG2 if workload_name == "sharegpt" else {}  # (Fig. 2 is ShareGPT's only)
    head = [h for _ in sides for h in ("ours", "paper")]
    table: list[tuple[str, list[str]]] = [
        ("", [title for side, key in zip(sides, keys)
              for title in (f"{side.label}" + (f" ({PAPER_SYSTEMS[key]})" if key else ""), "")]),
    ]
    ours = [fig2(m.steady_breakdown_queued) for m in results]
    if fig2_of:
        table.append(("Fig. 2, % of the pool", head))
        for i, row in enumerate(FIG2_ROWS):
            table.append((row, [v for key, mine in zip(keys, ours)
                                for v in (fixed(mine[i], 1), _paper(fig2_of[key][i] if key in fig2_of else None))]))
    table.append(("Fig. 13, avg batch", [] if fig2_of else head))
    table.append((f"  at {params.rate:g} req/s", [v for key, m in zip(keys, results) for v in
                                                  (_shown_batch(m), fixed(paper_batch_of[key], 2) if key else "–")]))
    table.append((f"  saturated ({SATURATED * params.rate:g} req/s)", [v for m in saturated for v in (_shown_batch(m), "–")]))
    prompt, output = mean(r.prompt for r in workload.requests), mean(r.output for r in workload.requests)
    means = DATASETS[workload_name]
    dataset = {"sharegpt": "ShareGPT", "alpaca": "Alpaca"}[workload_name]
    lines = [f"beside the PagedAttention paper (Kwon et al., SOSP 2023: OPT-13B, 12 GiB of KV cache, {dataset}; "
             f"Fig. 13 at {rate:g} req/s), with {params.time_scale:g} ticks a second assumed for an A100:"]
    lines += columns(table)
    lines.append(f"these requests average {fixed(prompt, 1)} prompt and {fixed(output, 1)} output tokens (the paper's {dataset}: "
                 f"{fixed(means['prompt'], 2)} and {fixed(means['output'], 2)})."
                 + (" The paper names no rounding slack: a buddy allocator's is in one of its categories, unsaid which."
                    if fig2_of else "")
                 + (" *: never waited for memory at this rate, so its mean batch after the warm-up while requests still arrived."
                    if any(not m.steady_queued_ticks for m in (*results, *saturated)) else "")
                 + " What each difference comes to:")
    for side, key, m, mine in zip(sides, keys, results, ours):
        if key is None:
            continue
        batch, paper_batch = _batch(m), paper_batch_of[key]
        if key not in fig2_of:
            lines.append(f"  {PAPER_SYSTEMS[key]}: batch {100 * (batch / paper_batch - 1):+.1f} %.")
            continue
        held, paper_held = mine[0], fig2_of[key][0]
        assert paper_held is not None
        # Token states ÷ batch: the tokens a running request holds, ours against the paper's.
        per = held / 100 * params.total_slots / batch if batch else 0.0
        paper_per = paper_held / 100 * params.total_slots / paper_batch
        lines.append(f"  {PAPER_SYSTEMS[key]}: batch {100 * (batch / paper_batch - 1):+.1f} %, token states "
                     f"{held - paper_held:+.1f} points; a running request holds {fixed(per, 0)} tokens, the paper's "
                     f"{fixed(paper_per, 0)}.")
    section = "The paper's baselines" if workload_name == "sharegpt" else "Real prefix reuse"
    lines.append(f"  (README, '{section}', says what causes each difference and what we assumed.)")
    return lines


def savings_lines(savings: Savings) -> list[str]:
    kind, ours = savings
    low, high = PAPER_SAVED[kind]["alpaca"]
    widths = sorted(ours)
    table: list[tuple[str, list[str]]] = [("width", ["ours", "the paper"])]
    for width in widths:
        theirs = f"{low}" if width == widths[0] else f"{high}" if width == widths[-1] else f"{low}–{high}"
        table.append((str(width), [fixed(100 * ours[width], 1), theirs]))
    return [f"memory saved by sharing, {SHARING_KIND[kind]} (paged; blocks saved / blocks without sharing,",
            "summed over ticks), beside the PagedAttention paper's Fig. 15 (OPT-13B, Alpaca):",
            *columns(table),
            "(the paper gives the range over widths 2 to 6; its ShareGPT range is "
            f"{PAPER_SAVED[kind]['sharegpt'][0]}–{PAPER_SAVED[kind]['sharegpt'][1]})"]


def _batch(m: ServingMetrics) -> float:
    """Fig. 13's batch: the steady memory-bound mean, or where the side never waited for
    memory, its steady mean while requests still arrived (the drain after the last arrival,
    a finite run's artefact, left out)."""
    return m.steady_mean_batch_queued if m.steady_queued_ticks else m.steady_mean_batch_arriving


def _shown_batch(m: ServingMetrics) -> str:
    return fixed(_batch(m), 2) + ("" if m.steady_queued_ticks else "*")


def _paper(value: float | None) -> str:
    return "–" if value is None else fixed(value, 1)


