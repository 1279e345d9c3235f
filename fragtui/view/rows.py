"""The words for numbers, written once: the metric rows that the sidebar and `report` both
print, and the serving memory categories that the grid, the legend, the sidebar and the
serving report all use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from fragtui.sim.config.kv import format_bytes
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.measures.metrics import ServingMetrics
from fragtui.view.states import FREE, INTERNAL, RESERVED, SLACK, STRANDED, UNUSABLE, USED
from fragtui.view.words import Row
from fragtui.view.rounding import fixed


@dataclass(frozen=True)
class MetricRow:
    """One row of the tallies: a label (and a shorter one for narrow panes), how to read the
    value off an allocator's metrics, and where it is shown."""

    label: str
    read: Callable[[Metrics], int | float | None]
    short: str = ""
    percent: bool = False  # the value is a fraction, shown as a percentage
    sidebar: bool = True
    report: bool = True
    hide_zero: bool = False  # left out where it is 0 on both sides (it only applies sometimes)
    minor: bool = False  # left out where it is 0 on both sides and space is short
    hide_none: bool = False  # left out where there is no figure on either side
    gauge_of: Callable[[Metrics], int | float | None] | None = None  # left out where it reads as this does

    def text(self, m: Metrics, compact: bool = False) -> str:
        return format_value(self.read(m), self.percent, compact)

    def name(self, compact: bool = False) -> str:
        return self.short if compact and self.short else self.label


METRIC_ROWS = (
    MetricRow("admitted", lambda m: m.admitted),
    MetricRow("rejected", lambda m: m.rejected),
    MetricRow("  pool-full", lambda m: m.rejected_pool_full, sidebar=False),
    MetricRow("  fragmented", lambda m: m.rejected_fragmented, minor=True),
    MetricRow("  no virtual slot", lambda m: m.rejected_no_slot, short="  no slot", hide_zero=True),
    MetricRow("live", lambda m: m.live),
    MetricRow("used", lambda m: m.used),
    MetricRow("reserved", lambda m: m.reserved),
    MetricRow("  slack", lambda m: m.slack, hide_zero=True),  # buddy rounding, never asked for
    MetricRow("free", lambda m: m.free),
    MetricRow("  stranded", lambda m: m.stranded, minor=True),
    MetricRow("  retained", lambda m: m.retained, hide_zero=True),  # vAttention: pages kept mapped to an idle slot
    MetricRow("unusable", lambda m: m.unusable, sidebar=False),
    MetricRow("largest free run", lambda m: m.largest_free_run, short="largest run"),
    MetricRow("holes", lambda m: m.holes, sidebar=False),
    MetricRow("ext frag %", lambda m: m.ext_frag, percent=True),
    MetricRow("utilization %", lambda m: m.utilization, short="util %", percent=True),
    # vLLM's gauge beside the truth above it: shown where the two part (tail waste, cached blocks)
    MetricRow("  vLLM KV usage %", lambda m: m.kv_usage, short="  vLLM use %", percent=True, hide_none=True,
              gauge_of=lambda m: m.utilization),
    MetricRow("waste share %", lambda m: m.waste_share, sidebar=False, percent=True),
    MetricRow("block-table entries", lambda m: m.block_table_entries, short="entries"),
    MetricRow("wasted", lambda m: m.wasted),
    # sharing: prefix caching's tallies, in blocks (the label says so, among slot counts), and
    # what sharing saves now
    MetricRow("cache hits (blocks)", lambda m: m.prefix_hits, short="block hits", hide_zero=True),
    MetricRow("  misses (blocks)", lambda m: m.prefix_misses, sidebar=False, hide_zero=True),
    MetricRow("  hit rate %", lambda m: m.hit_rate, percent=True, hide_none=True),
    MetricRow("  evictions (blocks)", lambda m: m.evictions, sidebar=False, hide_zero=True),
    MetricRow("saved by sharing (blocks)", lambda m: m.saved_blocks, short="blocks saved", hide_zero=True),
)

PEAK_FIELDS = ("live", "used", "reserved", "block_table_entries")

# vLLM's gauges beside the truth, serving mode's report: means over every tick, and the hit
# rate over the run (shown where a side has blocks).
SERVING_GAUGE_ROWS: tuple[tuple[str, Callable[[ServingMetrics], str]], ...] = (
    ("token occupancy, all ticks %", lambda m: fixed(100 * m.breakdown.share('token_states'), 1)),
    ("vLLM KV usage, all ticks %", lambda m: "n/a" if m.kv_usage is None else fixed(100 * m.kv_usage, 1)),
    ("prefix-cache hit rate %", lambda m: "n/a" if m.hit_rate is None else fixed(100 * m.hit_rate, 1)),
)

# Serving mode's sharing rows (--samples, --beam-width), for the sidebar and the serving report:
# (label, the value as shown). Saved by sharing is the PagedAttention paper's Fig. 15 measure.
SERVING_SHARING_ROWS: tuple[tuple[str, Callable[[ServingMetrics], str]], ...] = (
    ("copies on write", lambda m: str(m.copies)),
    ("saved by sharing %", lambda m: fixed(100 * m.saved_share, 1)),
)


def format_value(value: int | float | None, percent: bool = False, compact: bool = False) -> str:
    """A value as the tallies show it: a percentage with one decimal, a whole number (short,
    like 16.8M, when `compact` and long), or n/a when there is no figure."""
    if value is None:
        return "n/a"
    if percent:
        return fixed(100 * value, 1)
    if compact and abs(value) >= 100_000:
        return short_number(int(value))
    return str(value)


def short_number(n: int) -> str:
    """16777216 → 16.8M, 655360 → 655k, 12345 → 12.3k."""
    for scale, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if abs(n) >= scale:
            value = n / scale
            return f"{fixed(value, 1)}{suffix}" if abs(value) < 100 else f"{fixed(value, 0)}{suffix}"
    return str(n)


# Slot counts worth reading in bytes once a model gives a slot its size (--model).
IN_BYTES = ("used", "reserved", "free", "wasted")


def byte_rows(metrics: Sequence[Metrics], bytes_per_token: int, compact: bool = False) -> list[Row]:
    """The slot counts of IN_BYTES as memory: a label and a value per side (`compact`: 2.9G)."""
    rows = {row.label: row for row in METRIC_ROWS}
    return [(f"{name} mem", tuple(format_bytes(_slots(rows[name], m) * bytes_per_token, compact) for m in metrics))
            for name in IN_BYTES]


def _slots(row: MetricRow, m: Metrics) -> int:
    value = row.read(m)
    assert isinstance(value, int)
    return value


def shown(row: MetricRow, metrics: Sequence[Metrics], compact: bool = False) -> bool:
    values = [row.read(m) for m in metrics]
    hides = row.hide_zero or (compact and row.minor)
    if row.gauge_of is not None and all(v is None or _same(v, row.gauge_of(m)) for v, m in zip(values, metrics)):
        return False
    return not (hides and not any(values)) and not (row.hide_none and all(v is None for v in values))


def _same(a: int | float, b: int | float | None) -> bool:
    """Two shares that read the same to a tenth of a percent."""
    return b is not None and abs(a - b) < 0.0005


def tally_rows(metrics: Sequence[Metrics], compact: bool = False) -> list[Row]:
    """The sidebar's table: a label and a value per side. `compact`: short labels and numbers,
    and minor rows left out where every side has 0."""
    return [(row.name(compact), tuple(row.text(m, compact) for m in metrics))
            for row in METRIC_ROWS if row.sidebar and shown(row, metrics, compact)]


def ratio_line(labels: Sequence[str], metrics: Sequence[Metrics]) -> str:
    """How many times more requests the side that admitted most admitted than the one that
    admitted fewest."""
    admitted = [m.admitted for m in metrics]
    most, least = admitted.index(max(admitted)), admitted.index(min(admitted))
    if not admitted[most]:
        return "nothing admitted yet"
    if admitted[most] == admitted[least]:
        return f"{'both' if len(admitted) == 2 else 'all'} admitted {admitted[most]}"
    if not admitted[least]:
        return f"{labels[most]} admitted {admitted[most]}, {labels[least]} none"
    ratio = admitted[most] / admitted[least]
    return f"{labels[most]} admitted {fixed(ratio, 2)}×\nas many as {labels[least]} ({admitted[most]} vs {admitted[least]})"


@dataclass(frozen=True)
class Category:
    """A serving memory category (PagedAttention §3, Fig. 2): its field in a Breakdown, how
    it is drawn, its short label (legend, sidebar) and its label in the report."""

    key: str
    state: int
    short: str
    label: str
    tiny: str  # for a narrow sidebar


CATEGORIES = (
    Category("token_states", USED, "token states", "token states", "tokens"),
    Category("reserved", RESERVED, "future tokens", "reserved (will be used)", "future"),
    Category("internal", INTERNAL, "internal frag", "internal frag (never used)", "internal"),
    Category("slack", SLACK, "rounding slack", "rounding slack (buddy, never used)", "slack"),
    Category("stranded", STRANDED, "stranded", "external frag (stranded)", "stranded"),
    Category("free", FREE, "free", "other free", "free"),
    Category("unusable", UNUSABLE, "unusable", "unusable", "unusable"),
)
