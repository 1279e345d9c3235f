"""What `fragtui capacity` prints: the prefix-cache hit rate at each capacity, beside Mooncake's
Fig. 9 for its traces, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

from fragtui.report.tables import columns
from fragtui.sim.measures.capacity import CapacityPoint, paper_hit_rate, paper_level, paper_trace
from fragtui.view.rounding import fixed


def capacity_text(name: str, requests: int, points: list[CapacityPoint], top: CapacityPoint) -> str:
    trace = paper_trace(name) or ""
    level = paper_level(trace)
    table: list[tuple[str, list[str]]] = [("capacity (tokens)", ["hit rate", "% of max", "Mooncake Fig. 9", "difference"])]
    for p in points:
        theirs = paper_hit_rate(trace, p.capacity_tokens)
        table.append((f"{p.capacity_tokens:,}", [fixed(p.hit_rate, 3), fixed(100 * _share(p, top), 1),
                                                 "–" if theirs is None else fixed(theirs, 3),
                                                 "" if theirs is None else f"{100 * (p.hit_rate - theirs):+.1f} points"]))
    table.append(("every block kept", [fixed(top.hit_rate, 3), "100.0",
                                       "–" if level is None else f"{fixed(level, 3)} (level)", ""]))
    lines = [f"prefix-cache hit rate against its capacity: {name}, {requests:,} requests, "
             f"{top.prompt_tokens:,} prompt tokens", ""]
    lines += columns(table)
    lines += ["", "hit rate: prompt tokens found in the cache / every prompt token, replaying only the sequence of "
                  "requests as Mooncake's Fig. 9 does (each looks up its longest cached prefix, then is done, its "
                  "512-token blocks cached; the least recently freed go first, as in vLLM's free queue)."]
    if level is not None:
        lines.append("Mooncake Fig. 9: its plotted line, read from the vectors of the paper's PDF (straight between "
                     "its vertices on the log axis). (README, 'Real prefix reuse', says what causes each difference.)")
    return "\n".join(lines)


def _share(p: CapacityPoint, top: CapacityPoint) -> float:
    return p.hit_rate / top.hit_rate if top.hit_rate else 0.0


def capacity_json(name: str, requests: int, points: list[CapacityPoint], top: CapacityPoint) -> str:
    trace = paper_trace(name) or ""
    data = {
        "trace": name,
        "requests": requests,
        "prompt_tokens": top.prompt_tokens,
        "capacities": [{"capacity_tokens": p.capacity_tokens, "hit_rate": round(p.hit_rate, 6),
                        "share_of_max": round(_share(p, top), 6), "hit_tokens": p.hit_tokens,
                        "evictions": p.evictions, "paper_hit_rate": _rounded(paper_hit_rate(trace, p.capacity_tokens))}
                       for p in points],
        "maximum": {"capacity_tokens": top.capacity_tokens, "hit_rate": round(top.hit_rate, 6),
                    "hit_tokens": top.hit_tokens},
    }
    return json.dumps(data, indent=1)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def capacity_csv(name: str, points: list[CapacityPoint], top: CapacityPoint) -> str:
    trace = paper_trace(name) or ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["capacity_tokens", "hit_rate", "share_of_max", "hit_tokens", "prompt_tokens", "paper_hit_rate"])
    for p in points:
        theirs = paper_hit_rate(trace, p.capacity_tokens)
        writer.writerow([p.capacity_tokens, fixed(p.hit_rate, 6), fixed(_share(p, top), 6), p.hit_tokens,
                         p.prompt_tokens, "" if theirs is None else fixed(theirs, 6)])
    return out.getvalue().rstrip("\n")
