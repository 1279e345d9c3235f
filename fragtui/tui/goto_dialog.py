"""`g`: go to a step, typed as the command line's --at takes it: 13200, +50, end,
next-fragmented, first-rejection,-3. A step it cannot find is named inside the dialog."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from fragtui.sim.errors import ParamError
from fragtui.tui.modal import modal_css


class GotoDialog(ModalScreen[int | None]):
    """Dismisses with the step to go to, or None."""

    DEFAULT_CSS = modal_css("GotoDialog", "#goto") + """
    #goto-error { color: $error; height: auto; }
    #goto-help { color: $foreground-muted; height: auto; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, unit: str, locate: Callable[[str], int]) -> None:
        super().__init__()
        self.unit = unit
        self.locate = locate  # text -> step; raises ParamError naming what is wrong

    def compose(self) -> ComposeResult:
        with Vertical(id="goto"):
            yield Static(f"[b]Go to a {self.unit}[/b] — enter goes, escape cancels")
            yield Static(id="goto-error")
            yield Input(placeholder="13200 · +50 · end · next-fragmented · prev-rejection", id="goto-input")
            yield Static(f"a {self.unit} number, +N or -N from here, start or end, or next-, prev-, first- or last- "
                         "followed by rejection or fragmented; commas chain moves", id="goto-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            step = self.locate(event.value)
        except ParamError as error:
            message = Text("not found: ", style="bold")
            message.append(error.allowed, style="not bold")  # the user's own text: never markup
            self.query_one("#goto-error", Static).update(message)
            return
        self.dismiss(step)
