"""The block-size trade-off as a chart: tail waste against block-table entries."""

from __future__ import annotations

from rich.text import Text

from fragtui.sim.sweep import SweepRow

BAR = 7  # characters for the longest bar


def sweep_chart(rows: list[SweepRow], current: int, waste_colour: str, entries_colour: str, width: int = 33,
                compact: bool = False) -> Text:
    """Per block size: tail waste and block-table entries as bars, as long as `width` allows
    (numbers first: a narrow pane gets short bars, never a cut line); `current` highlighted."""
    bar = max(1, min(BAR, (width - 19) // 2))
    most_waste = max((r.tail_waste for r in rows), default=0) or 1
    most_entries = max((r.block_table_entries for r in rows), default=0) or 1
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("block-size trade-off\n", "bold")
    if not compact:
        text.append(f"{'block':>5} {'waste':<{bar + 6}} {'entries':<{bar + 6}}"[:width] + "\n", "dim")
    for r in rows:
        style = "bold reverse" if r.block_size == current else ""
        text.append(f"{r.block_size:>4}" + ("*" if r.rejected else " "), style)
        text.append(f" {r.tail_waste:>5} ")
        text.append(_bar(r.tail_waste, most_waste, bar), waste_colour)
        text.append(f" {r.block_table_entries:>5} ")
        text.append(_bar(r.block_table_entries, most_entries, bar), entries_colour)
        text.append("\n")
    for r in rows:
        if r.rejected:
            text.append(f"* block {r.block_size}: only {r.admitted} admitted\n", "dim")
    if not compact:
        text.append("tiny blocks waste nothing but need long tables; big ones, the reverse", "dim")
    return text


def _bar(value: int, most: int, width: int = BAR) -> str:
    eighths = round(8 * width * value / most)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return f"{bar:<{width}}"
