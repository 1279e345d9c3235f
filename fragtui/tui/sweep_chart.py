"""A sweep chart (fragtui.view.charts) as text: a row per value, a bar per series."""

from __future__ import annotations

from rich.text import Text

from fragtui.view.charts import Chart
from fragtui.view.rows import short_number

BAR = 7  # characters for the longest bar


def chart_text(chart: Chart, colours: tuple[str, ...], width: int = 33, compact: bool = False) -> Text:
    """The chart in `width` characters: numbers first, bars as long as the width allows (a
    narrow pane gets short bars, never a cut line); the run on screen highlighted."""
    series = len(chart.series)
    label = max(5, *(len(r.label) + 1 for r in chart.rows))
    bar = max(1, min(BAR, (width - label - 7 * series) // series))
    most = [max((r.bars[i] for r in chart.rows), default=0) or 1 for i in range(series)]
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(chart.title + "\n", "bold")
    heads = "".join(f" {name:<{bar + 6}}" for name in chart.series)  # (compact too: the columns need names)
    text.append(f"{'':>{label}}{heads}"[:width] + "\n", "dim")
    for r in chart.rows:
        text.append(f"{r.label + ('*' if r.marked else ''):>{label}}", "bold reverse" if r.current else "")
        for i, value in enumerate(r.bars):
            text.append(f" {r.shown[i] if r.shown else _fitted(value):>5} ")
            text.append(_bar(value, most[i], bar), colours[i % len(colours)])
        text.append("\n")
    notes = chart.notes if not compact else tuple(n for n in chart.notes if n.startswith("*"))
    for note in notes:
        text.append(note + "\n", "dim")
    text.rstrip()
    return text


def _fitted(value: int) -> str:
    """A value in the column's five characters: 16771240 as 16.8M."""
    return str(value) if value < 100_000 else short_number(value)


def _bar(value: int, most: int, width: int = BAR) -> str:
    eighths = round(8 * width * value / most)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return f"{bar:<{width}}"
