"""The sidebar's table as plain rows: label, contiguous, paged."""

from __future__ import annotations

from fragtui.sim.metrics import Metrics

Row = tuple[str, str, str]


# Shorter labels for narrow terminals.
COMPACT = {"largest free run": "largest run", "block-table entries": "table entries", "utilization %": "util %"}


def tally_rows(c: Metrics, p: Metrics, compact: bool = False) -> list[Row]:
    def row(label: str, read) -> Row:
        if compact:
            label = COMPACT.get(label, label)
        return (label, str(read(c)), str(read(p)))

    return [
        row("admitted", lambda m: m.admitted),
        row("rejected", lambda m: m.rejected),
        row("  fragmented", lambda m: m.rejected_fragmented),
        row("live", lambda m: m.live),
        row("used", lambda m: m.used),
        row("reserved", lambda m: m.reserved),
        row("free", lambda m: m.free),
        row("  stranded", lambda m: m.stranded),
        row("largest free run", lambda m: m.largest_free_run),
        row("ext frag %", lambda m: f"{100 * m.ext_frag:.1f}"),
        row("utilization %", lambda m: f"{100 * m.utilization:.1f}"),
        row("block-table entries", lambda m: m.block_table_entries),
        row("wasted", lambda m: m.wasted),
    ]


def ratio_line(c: Metrics, p: Metrics) -> str:
    """How many times more requests paged admitted."""
    if c.admitted == p.admitted == 0:
        return "nothing admitted yet"
    if c.admitted == 0:
        return f"paged admitted {p.admitted}, contiguous none"
    ratio = p.admitted / c.admitted
    return f"paged admitted {ratio:.2f}×\nas many ({p.admitted} vs {c.admitted})"
