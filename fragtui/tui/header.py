"""The header line: where the run is on the left, the play state on the right, and what the run
is between, shortened first when the line is short: the play state and speed never give way."""

from __future__ import annotations

from rich.text import Text

from fragtui.sim.config.kv import format_bytes
from fragtui.view.stage import Stage


def header_text(scenario: str, edited: bool, stage: Stage, state: str, speed: float, clean: bool,
                width: int) -> Text:
    """`state` is the play state ("paused", "▶ playing", …); `clean` (a picture for a slide)
    leaves it and the speed out; `width` is the line's, in cells."""
    p = stage.params
    left = Text()
    left.append(f"{scenario}{'*' if edited else ''}", "bold")
    left.append(f"  {stage.unit} {stage.step}/{stage.total_steps}")
    right = Text() if clean else Text(f"{state} {speed:g}/s")
    slots = f"{p.total_slots:,} slots"
    if p.bytes_per_token:
        slots += f" = {format_bytes(p.total_slots * p.bytes_per_token)} of {p.model}"
    middle = f"{slots} · max_len {p.max_len} · {stage.words.source()} · block {p.block_size}"
    room = width - left.cell_len - right.cell_len - 5  # two separators of two spaces, one space
    if room < 8:
        middle = ""
    elif len(middle) > room:
        middle = middle[:room - 1] + "…"
    gap = max(1, width - left.cell_len - right.cell_len - len(middle) - (4 if middle else 0))
    header = left
    if middle:
        header.append(f"  {middle}  ", "dim")
    header.append(" " * gap)
    header.append_text(right)
    return header
