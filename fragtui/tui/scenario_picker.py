"""`s`: pick a named scenario, reading what each one shows before choosing it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from fragtui.sim.config.scenarios import SCENARIOS
from fragtui.tui.modal import modal_css


class ScenarioPicker(ModalScreen[str | None]):
    DEFAULT_CSS = modal_css("ScenarioPicker", "#picker") + """
    #picker-list { height: auto; max-height: 12; margin: 1 0; }
    #picker-about { height: auto; min-height: 4; color: $foreground-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("[b]Scenarios[/b] — ↑/↓ to read, enter to open, escape to cancel", id="picker-title")
            yield OptionList(
                *[Option(f"{s.name:<14} {s.title}", id=s.name) for s in SCENARIOS.values()],
                id="picker-list",
            )
            yield Static(id="picker-about")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        names = list(SCENARIOS)
        options.highlighted = names.index(self.current) if self.current in names else 0
        options.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.query_one("#picker-about", Static).update(SCENARIOS[event.option.id].about)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
