"""`e`: edit every parameter at once. A bad value is named inline; nothing changes until all are good."""

from __future__ import annotations

from dataclasses import fields
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.config.params import DEFAULT_ARRIVALS, Params, parse_field
from fragtui.tui.modal import modal_css

EDITABLE = [f.name for f in fields(Params) if f.name != "mode"]
# What an empty optional field means, where "none" would mislead.
UNSET = {"arrivals": f"all: {DEFAULT_ARRIVALS} generated, or every op or trace row"}


class ParamEditor(ModalScreen[dict | None]):
    """Dismisses with the changed values, already validated by `check`, or None."""

    # The error sits under the title and the fields scroll beneath it, so at any size Enter
    # on a bad value shows why, inside the dialog.
    DEFAULT_CSS = modal_css("ParamEditor", "#editor") + """
    #editor { layout: vertical; }
    #editor-scroll { height: auto; max-height: 1fr; }
    #editor-grid { grid-size: 4; grid-columns: 14 1fr 14 1fr; grid-rows: 3; height: auto; margin: 0 0 1 0; }
    #editor-grid Label { padding: 1 1 0 0; text-align: right; width: 100%; }
    #editor-error { color: $error; height: auto; min-height: 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, params: Params, check: Callable[[dict[str, object]], None]) -> None:
        super().__init__()
        self.params = params
        self.check = check  # changes -> raises ParamError/FragtuiError if they cannot be applied

    def compose(self) -> ComposeResult:
        with Vertical(id="editor"):
            yield Static("[b]Parameters[/b] — enter applies (replaying to this step), escape cancels")
            yield Static(id="editor-error")
            with VerticalScroll(id="editor-scroll"), Grid(id="editor-grid"):
                for name in EDITABLE:
                    value = getattr(self.params, name)
                    yield Label(name)
                    yield Input("" if value is None else str(value), id=f"edit-{name}",
                                placeholder=UNSET.get(name, "none") if value is None else "")

    def on_mount(self) -> None:
        self.query_one(f"#edit-{EDITABLE[0]}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.apply()

    def apply(self) -> None:
        changes = {}
        try:
            for name in EDITABLE:
                value = parse_field(name, self.query_one(f"#edit-{name}", Input).value)
                if value != getattr(self.params, name):
                    changes[name] = value
            self.check(changes)
        except ParamError as error:
            self.show_error(error.describe("field"), error.name)
            return
        except FragtuiError as error:
            self.show_error(str(error), None)
            return
        self.dismiss(changes)

    def show_error(self, message: str, name: str | None) -> None:
        text = Text("not applied: ", style="bold")
        text.append(message, style="not bold")  # the user's own text: never markup
        self.query_one("#editor-error", Static).update(text)
        if name in EDITABLE:
            self.query_one(f"#edit-{name}", Input).focus()
