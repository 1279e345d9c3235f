"""A few lines of text that change every step: each line is rendered once, and only the lines
whose text changed are repainted.

A Static re-parses and re-wraps all of its content on every update, which for the sidebar's
table alone cost more per step than drawing both pools; this widget keeps a strip per line.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class TextLines(Widget):
    DEFAULT_CSS = "TextLines { height: auto; }"

    def __init__(self, content: RenderableType = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content: Text = _as_text(content)
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._base: Style | None = None  # the widget's own style, computed once per style change
        self._wrapped: dict[tuple, list[Text]] = {}

    @property
    def content(self) -> str:
        """The text shown, plain."""
        return self._content.plain

    def update(self, content: RenderableType) -> None:
        """Show `content`; repaint only the lines that differ from what is shown."""
        text = _as_text(content)
        if text == self._content and self._lines:
            return
        self._content = text
        self._relines()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._strips.clear()

    def on_resize(self) -> None:
        self._strips.clear()
        self._relines(force=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._wrap(width)))

    def lines_for(self, text: Text, width: int) -> int:
        """How many lines `text` would take at `width`, wrapped as it would be shown."""
        return len(self._wrap(width, text))

    def _wrap(self, width: int, text: Text | None = None) -> list[Text]:
        """The lines of `text` (default: the content) at `width`, as they are shown."""
        if width <= 0:
            return []
        lines = []
        cache, seen = self._wrapped, {}
        for line in (self._content if text is None else text).split("\n", allow_blank=True):
            if line.cell_len <= width:
                lines.append(line)
                continue
            # Long lines (a paragraph) rarely change: wrap each once per width.
            key = (line.plain, tuple(line.spans), width)
            wrapped = cache.get(key)
            if wrapped is None:
                wrapped = list(line.wrap(self.app.console, width, overflow="ellipsis"))
            seen[key] = wrapped
            lines.extend(wrapped)
        if text is None:
            self._wrapped = seen  # (a measure of other text keeps the content's cache)
        return lines

    def _relines(self, force: bool = False) -> None:
        width = self.size.width
        if not width:
            return
        lines = self._wrap(width)
        room = self.size.height
        if room and len(lines) > room and not (self.styles.height is not None and self.styles.height.is_auto):
            # A fixed height shorter than the text: its last line says that more was cut.
            last = lines[room - 1].copy()
            last.truncate(max(1, width - 2))
            last.append(" …")
            lines = [*lines[:room - 1], last]
        old = self._lines
        changed = [y for y, line in enumerate(lines) if force or y >= len(old) or old[y] != line]
        changed += range(len(lines), len(old))
        for y in changed:
            self._strips.pop(y, None)
        self._lines = lines
        if len(lines) != len(old) and self.styles.height is not None and self.styles.height.is_auto:
            self.refresh(layout=True)  # an auto height follows the line count
        elif changed:
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not self._lines and width:  # painted before the first resize: lay the text out now
            self._lines = self._wrap(width)
        strip = self._strips.get(y)
        if strip is None:
            if self._base is None:
                self._base = self.rich_style
            base = self._base
            if y < len(self._lines):
                line = self._lines[y]
                if not line.spans and not line.style and line.cell_len <= width:
                    # Plain text (most of the sidebar's table): one segment, padded.
                    strip = Strip([Segment(line.plain + " " * (width - line.cell_len), base)], width)
                else:
                    rendered = line.render(self.app.console)
                    strip = Strip(Segment.apply_style(rendered, base)).crop_extend(0, width, base)
            else:
                strip = Strip.blank(width, base)
            self._strips[y] = strip
        return strip


def _as_text(content: RenderableType) -> Text:
    """Text as given; a plain string is shown as typed, never read as markup."""
    if isinstance(content, Text):
        return content
    return Text(str(content))

