"""The keys line at the bottom: the main keys, each clickable, and the palette on the right.

A line of text rather than Textual's Footer, which composes a widget per key and re-lays
itself out at start-up: this costs nothing to show and nothing to keep.
"""

from __future__ import annotations

from rich.text import Text
from textual import events

from fragtui.tui.text_lines import TextLines


class KeyBar(TextLines):
    DEFAULT_CSS = "KeyBar { height: 1; }"

    def __init__(self, keys: list[tuple[str, str, str]], right: tuple[str, str, str], *, id: str | None = None):
        """`keys`: (key as shown, what it does, action), left to right; `right` sits at the far end."""
        super().__init__(id=id)
        self.keys, self.right = keys, right
        self._spans: list[tuple[int, int, str]] = []  # (start x, end x, action)

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()
        super().on_resize()

    def _draw(self) -> None:
        key_style = f"bold {self.app.theme_variables.get('accent', '')}"
        text, spans = Text(), []
        for key, what, action in self.keys:
            start = len(text)
            text.append(f" {key} ", key_style)
            text.append(f"{what} ")
            spans.append((start, len(text), action))
        key, what, action = self.right
        tail = f" {key} {what} "
        gap = max(1, self.size.width - len(text) - len(tail))
        text.append(" " * gap)
        start = len(text)
        text.append(f" {key} ", key_style)
        text.append(f"{what} ")
        spans.append((start, len(text), action))
        self._spans = spans
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        for start, end, action in self._spans:
            if start <= event.x < end:
                self.app.call_later(self.app.run_action, action)
                return
