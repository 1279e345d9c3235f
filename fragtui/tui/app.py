"""The fragtui app: both pools side by side, the tallies, the narration, the keys.

The app owns a Session (the model) and two pictures (the view of each pool). Every key turns
into a model operation; the pictures are patched from what the model reports it did, and only
the changed rows of each grid repaint.
"""

from __future__ import annotations

from typing import Iterable

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from fragtui.sim.contiguous import PLACEMENTS
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.paged import ORDERS
from fragtui.sim.params import Params
from fragtui.sim.kv import format_bytes
from fragtui.sim.scenarios import SCENARIOS, get_scenario
from fragtui.sim.session import Session
from fragtui.sim.simulation import StepRecord
from fragtui.view.narration import narrate
from fragtui.view.picture import ContiguousPicture, PagedPicture
from fragtui.tui.pool_grid import PoolGrid
from fragtui.tui.sidebar import Sidebar, set_text

MIN_WIDTH, MIN_HEIGHT = 80, 24
HOVER_HINT = "· point at a cell for its slots, state, request and block"
SPEEDS = (1, 2, 4, 8, 16, 32, 64, 128)  # steps per second
REBUILD_AFTER = 256  # a jump longer than this redraws from scratch instead of patching

# How each parameter key changes its value: (parameter, down, up).
PARAM_STEPS = {
    "max_len": (lambda v: v // 2, lambda v: v * 2),
    "used_len": (lambda v: v - 1, lambda v: v + 1),
    "block_size": (lambda v: v // 2, lambda v: v * 2),
    "total_slots": (lambda v: v // 2, lambda v: v * 2),
}

THEME_DEFAULTS = {
    # Okabe–Ito hues: told apart with any common colour-vision deficiency.
    "pool-used": "#56B4E9",
    "pool-reserved": "#E69F00",
    "pool-stranded": "#CC79A7",
    "pool-unusable": "#6f6f6f",
}


class FragApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "fragtui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    BINDINGS = [
        Binding("space,right", "step", "step", id="step"),
        Binding("left,backspace", "back", "back", id="back"),
        Binding("p", "play", "play", id="play"),
        Binding("left_square_bracket", "slower", "slower", show=False, id="slower"),
        Binding("right_square_bracket", "faster", "faster", show=False, id="faster"),
        Binding("home", "first", "first step", show=False, id="first"),
        Binding("end", "last", "last step", show=False, id="last"),
        Binding("r", "reset", "reset", show=False, id="reset"),
        Binding("f", "free", "free oldest", show=False, id="free"),
        Binding("a", "arrive", "inject arrival", show=False, id="arrive"),
        Binding("m", "param('max_len', 0)", "max_len down", show=False),
        Binding("M", "param('max_len', 1)", "max_len up", show=False),
        Binding("u", "param('used_len', 0)", "used_len down", show=False),
        Binding("U", "param('used_len', 1)", "used_len up", show=False),
        Binding("k", "param('block_size', 0)", "block_size down", show=False),
        Binding("K", "param('block_size', 1)", "block_size up", show=False),
        Binding("t", "param('total_slots', 0)", "total_slots down", show=False),
        Binding("T", "param('total_slots', 1)", "total_slots up", show=False),
        Binding("o", "cycle('placement')", "placement", show=False, id="placement"),
        Binding("O", "cycle('order')", "free order", show=False, id="order"),
        Binding("s", "pick_scenario", "scenario", id="scenario"),
        Binding("e", "edit_params", "edit", id="edit"),
        Binding("c", "colour_mode", "colour", show=False, id="colour"),
        Binding("z", "zoom", "zoom", show=False, id="zoom"),
        Binding("pageup", "scroll_pools(-1)", "scroll up", show=False),
        Binding("pagedown", "scroll_pools(1)", "scroll down", show=False),
        Binding("question_mark", "help", "help", id="help"),
        Binding("ctrl+s", "screenshot", "screenshot", show=False, priority=True, id="screenshot"),
        Binding("q", "quit", "quit", id="quit"),
    ]

    # What the help screen and the command palette say about each key.
    KEY_HELP = [
        ("space / →", "step forward one event", "step"),
        ("← / backspace", "step back (exact undo)", "back"),
        ("p", "play / pause", "play"),
        ("[ / ]", "slower / faster autoplay", None),
        ("home / end", "first / last step", None),
        ("r", "reset the scenario", "reset"),
        ("f", "free the oldest live request", "free"),
        ("a", "inject an arrival of used_len tokens", "arrive"),
        ("m / M", "max_len halve / double", None),
        ("u / U", "used_len − 1 / + 1", None),
        ("k / K", "block_size halve / double", None),
        ("t / T", "total_slots halve / double", None),
        ("o", "contiguous placement: first → best → worst → next", None),
        ("O", "paged free order: fifo → lifo → lowest", None),
        ("s", "pick a scenario", "pick_scenario"),
        ("e", "edit every parameter", "edit_params"),
        ("c", "colour by state / by request", "colour_mode"),
        ("z", "zoom: fit the pool / one slot per cell, scrolling", "zoom"),
        ("pgup / pgdn", "scroll both pools (zoomed, or the mouse wheel)", None),
        ("?", "this help", "help"),
        ("ctrl+s", "save an SVG screenshot", "screenshot"),
        ("q", "quit", "quit"),
    ]

    def __init__(
        self,
        params: Params | None = None,
        *,
        scenario: str = "seed",
        autoplay: bool = False,
        speed: float = 8,
        start_step: int = 0,
        by_request: bool = False,
    ) -> None:
        super().__init__()
        self.session = Session(params or Params())
        self.scenario = scenario
        self.speed = speed
        self.by_request = by_request
        self.recording = False  # `fragtui record` steps the app as if it were playing
        self.zoom = False
        self._autoplay = autoplay
        self._start_step = start_step
        self._timer: Timer | None = None
        self.pictures: dict = {}

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **THEME_DEFAULTS}

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal(id="main"):
            with Horizontal(id="pools"):
                yield PoolGrid("contiguous", id="contiguous")
                yield PoolGrid("paged", id="paged")
            yield Sidebar(id="sidebar")
        yield Static(id="narration")
        yield Static(id="hover")
        yield Footer()
        yield Static(
            f"terminal too small: fragtui needs at least {MIN_WIDTH}×{MIN_HEIGHT}", id="too-small"
        )

    def on_mount(self) -> None:
        self.session.sim.goto(self._start_step)
        self.redraw()
        self._check_size(self.size.width, self.size.height)
        if self._autoplay:
            self.action_play()

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        self.screen.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")

    # -- drawing -------------------------------------------------------------------------

    @property
    def sim(self):
        return self.session.sim

    def redraw(self) -> None:
        """Paint both pools from scratch and every text."""
        sim, params = self.sim, self.session.params
        about = SCENARIOS[self.scenario].about if self.scenario in SCENARIOS else ""
        self.query_one(Sidebar).show_about(f"[b]what to watch[/b]\n{about}" if about else "")
        self.pictures = {
            "contiguous": ContiguousPicture(sim.contiguous, params.max_len),
            "paged": PagedPicture(sim.paged),
        }
        requests = self.session.requests
        for name, picture in self.pictures.items():
            grid = self.query_one(f"#{name}", PoolGrid)
            grid.pane_title = self._pane_title(name)
            grid.zoom, grid.by_request = self.zoom, self.by_request
            grid.show(picture, params.block_size, requests)
        self.show_legend()
        self.refresh_texts()

    def _patch(self, record: StepRecord, undone: bool) -> None:
        for name in ("contiguous", "paged"):
            ranges = self.pictures[name].apply(getattr(record, name), undone)
            grid = self.query_one(f"#{name}", PoolGrid)
            grid.patch(ranges)
        if not undone and record.event.kind == "arrive":
            for name in ("contiguous", "paged"):
                self.query_one(f"#{name}", PoolGrid).requests[record.event.id] = record.event.request

    def refresh_texts(self) -> None:
        set_text(self.query_one("#header", Static), self._header())
        self.query_one(Sidebar).show(self.sim, chart=self.scenario == "block-size")
        set_text(self.query_one("#narration", Static), narrate(self.sim))

    def _header(self) -> str:
        p, sim = self.session.params, self.sim
        state = "▶ playing" if self._timer is not None or self.recording else "paused"
        if sim.at_end and sim.total_steps:
            state = "end of scenario"
        edited = "*" if p != self.session.initial_params or self.session.manual else ""
        slots = f"{p.total_slots} slots"
        if p.bytes_per_token:
            slots += f" = {format_bytes(p.total_slots * p.bytes_per_token)} of {p.model}"
        if p.ops is not None:
            source = "op list"
        elif p.trace is not None:
            source = "trace " + p.trace.rsplit("/", 1)[-1]
        elif p.lengths != "constant":
            source = f"lengths {p.lengths}"
        else:
            source = f"used {p.used_len}"
        return (
            f"[b]{self.scenario}{edited}[/b]  step {sim.step}/{sim.total_steps}  │  "
            f"{slots} · max_len {p.max_len} · {source} · block {p.block_size}"
            f"  │  {state} {self.speed:g}/s"
        )

    def _pane_title(self, name: str) -> str:
        p = self.session.params
        if name == "contiguous":
            return f"contiguous · {p.placement} fit · reserve {p.reservation}"
        return f"paged · block {p.block_size} · {p.order}"

    # -- stepping ------------------------------------------------------------------------

    def action_step(self) -> None:
        record = self.sim.step_forward()
        if record is not None:
            self._patch(record, undone=False)
        self.refresh_texts()

    def action_back(self) -> None:
        record = self.sim.step_back()
        if record is not None:
            self._patch(record, undone=True)
        self.refresh_texts()

    def goto(self, step: int) -> None:
        step = max(0, min(step, self.sim.total_steps))
        if abs(step - self.sim.step) > REBUILD_AFTER:
            self.sim.goto(step)
            self.redraw()
            return
        while self.sim.step < step:
            self._patch(self.sim.step_forward(), undone=False)
        while self.sim.step > step:
            self._patch(self.sim.step_back(), undone=True)
        self.refresh_texts()

    def action_first(self) -> None:
        self.goto(0)

    def action_last(self) -> None:
        self.goto(self.sim.total_steps)

    def action_play(self) -> None:
        if self._timer is not None:
            self._stop()
        else:
            if self.sim.at_end:
                self.goto(0)
            self._timer = self.set_interval(1 / self.speed, self._tick)
        self.refresh_texts()

    def _tick(self) -> None:
        if self.sim.at_end:
            self._stop()
            self.refresh_texts()
            return
        self.action_step()
        if self.sim.at_end:
            self._stop()
            self.refresh_texts()

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _set_speed(self, speed: float) -> None:
        self.speed = speed
        if self._timer is not None:
            self._stop()
            self._timer = self.set_interval(1 / self.speed, self._tick)
        self.refresh_texts()

    def action_slower(self) -> None:
        self._set_speed(max([s for s in SPEEDS if s < self.speed], default=SPEEDS[0]))

    def action_faster(self) -> None:
        self._set_speed(min([s for s in SPEEDS if s > self.speed], default=SPEEDS[-1]))

    # -- changing the run ----------------------------------------------------------------

    def action_reset(self) -> None:
        self._stop()
        self.session.reset()
        self.redraw()

    def action_free(self) -> None:
        record = self.session.free_oldest()
        if record is None:
            self.notify("nothing is live to free", severity="warning")
            return
        self._patch(record, undone=False)
        self.refresh_texts()

    def action_arrive(self) -> None:
        record = self.session.inject_arrival()
        self._patch(record, undone=False)
        self.refresh_texts()

    def action_param(self, name: str, up: int) -> None:
        value = getattr(self.session.params, name)
        self.set_params(**{name: PARAM_STEPS[name][up](value)})

    def action_cycle(self, name: str) -> None:
        choices = PLACEMENTS if name == "placement" else ORDERS
        value = getattr(self.session.params, name)
        self.set_params(**{name: choices[(choices.index(value) + 1) % len(choices)]})

    def set_params(self, **changes: object) -> bool:
        """Replay under new parameters to the same step; on a bad value, say so and keep all."""
        try:
            self.session.set_params(**changes)
        except ParamError as error:
            self.notify(error.describe("field"), title="not changed", severity="error")
            return False
        except FragtuiError as error:
            self.notify(str(error), title="not changed", severity="error")
            return False
        self.redraw()
        changed = ", ".join(f"{k} {v}" for k, v in changes.items())
        self.notify(f"{changed}: replayed to step {self.sim.step}", timeout=2)
        return True

    # -- looking -------------------------------------------------------------------------

    def action_pick_scenario(self) -> None:
        from fragtui.tui.scenario_picker import ScenarioPicker  # screens load when first used: faster start

        self.push_screen(ScenarioPicker(self.scenario), self.load_scenario)

    def load_scenario(self, name: str | None) -> None:
        """Open scenario `name` at step 0 (None: keep what is open)."""
        if name is None:
            return
        self._stop()
        self.session = Session(get_scenario(name).build())
        self.scenario = name
        self.redraw()

    def action_edit_params(self) -> None:
        from fragtui.tui.param_editor import ParamEditor

        def applied(changes: dict | None) -> None:
            if changes:
                self.redraw()
                changed = ", ".join(f"{k} {v}" for k, v in changes.items())
                self.notify(f"{changed}: replayed to step {self.sim.step}", timeout=2)

        self.push_screen(ParamEditor(self.session.params, lambda c: self.session.set_params(**c)), applied)

    def action_colour_mode(self) -> None:
        self.by_request = not self.by_request
        for grid in self.query(PoolGrid):
            grid.set_mode(by_request=self.by_request)
        self.show_legend()

    def action_zoom(self) -> None:
        self.zoom = not self.zoom
        for grid in self.query(PoolGrid):
            grid.set_mode(zoom=self.zoom)

    def action_scroll_pools(self, direction: int) -> None:
        for grid in self.query(PoolGrid):
            if direction > 0:
                grid.scroll_page_down(animate=False)
            else:
                grid.scroll_page_up(animate=False)

    def on_pool_grid_hovered(self, message: PoolGrid.Hovered) -> None:
        if message.text:
            set_text(self.query_one("#hover", Static), message.text)
        else:
            self.show_legend()

    def show_legend(self) -> None:
        legend = self.query_one("#contiguous", PoolGrid).legend()
        legend.append(HOVER_HINT, "dim")
        set_text(self.query_one("#hover", Static), legend)

    def action_help(self) -> None:
        from fragtui.tui.help import HelpScreen

        self.push_screen(HelpScreen([(key, what) for key, what, _ in self.KEY_HELP]))

    def action_screenshot(self) -> None:
        path = self.save_screenshot()
        self.notify(f"saved {path}")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, what, action in self.KEY_HELP:
            if action is not None:
                yield SystemCommand(what.capitalize(), f"key: {key}", lambda a=action: self.run_action(a))
        for title, action in [
            ("Slower autoplay", "slower"),
            ("Faster autoplay", "faster"),
            ("First step", "first"),
            ("Last step", "last"),
            ("Cycle contiguous placement", "cycle('placement')"),
            ("Cycle paged free order", "cycle('order')"),
        ] + [
            (f"{name} {'down' if up == 0 else 'up'}", f"param('{name}', {up})")
            for name in PARAM_STEPS
            for up in (0, 1)
        ]:
            yield SystemCommand(title, f"action: {action}", lambda a=action: self.run_action(a))
