"""The fragtui app: every side's pool, laid out to fit, the tallies, the narration, the keys.

The app owns a stage (fragtui.view): every key becomes a stage operation, and what the stage
reports it changed is handed to the widgets, so only the changed rows of each grid repaint.
"""

from __future__ import annotations

import time

from functools import partial
from typing import Callable, Iterable, cast

from rich.text import Text
from textual import events
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Container, Horizontal
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import OPTIONS
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.config.scenarios import SCENARIOS, get_scenario
from fragtui.tui import keys
from fragtui.tui.header import header_text
from fragtui.tui.heavy_work import BUSY_AFTER, HeavyWork
from fragtui.tui.key_bar import KeyBar
from fragtui.tui.outputs import DELIVERY, Outputs
from fragtui.tui.playback import Playback
from fragtui.tui.pool_grid import PoolGrid
from fragtui.tui.sidebar import SidePanel, Sidebar
from fragtui.tui.text_lines import TextLines
from fragtui.view.about import what_to_watch
from fragtui.view.layout import pane_grid
from fragtui.view.picture import Ranges
from fragtui.view.command import command_line
from fragtui.view.stage import Stage, make_stage
from fragtui.view.states import theme_colours
from fragtui.view.whatif import cycled, what_if

MIN_WIDTH, MIN_HEIGHT = 80, 24
WIDE = 110  # columns from which the screen counts as wide
SIDEBAR_WIDE, SIDEBAR_NARROW, SIDEBAR_PER_SIDE = 38, 30, 7  # the sidebar's width: two sides, and each more
# The hint after the legend, the longest that fits: hover (or i) says what a cell holds.
HOVER_HINTS = ("· point at a cell (or press i) for its slots, state, request and block", "· point at a cell, or i",
               "· i: a cell")
THEME_DEFAULTS = theme_colours()  # each state's colour (view/states.py), which a theme may change


class FragApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "fragtui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    AUTO_FOCUS = None  # no pane has focus until Tab gives it one (what-if keys then act on its side)
    BINDINGS = keys.BINDINGS

    def __init__(
        self,
        params: Params | None = None,
        *,
        scenario: str = "seed",
        autoplay: bool = False,
        speed: float = 8,
        start_step: int = 0,
        by_request: bool = False,
        clean: bool = False,
    ) -> None:
        super().__init__()
        self.clean = clean  # for slides: no key bar, no hover hint, no play status
        self.scenario = scenario
        named = SCENARIOS.get(scenario)
        self.named: Params | None = named.build() if named else None  # the scenario as named, to mark changes
        self.opened = params or Params()  # what `r` goes back to, whatever was switched since
        opening = time.perf_counter()
        self.stage: Stage = make_stage(self.opened, named.chart if named else None)
        self.work = HeavyWork(self, slow=time.perf_counter() - opening > BUSY_AFTER)  # replays, jumps, new runs
        self.by_request = by_request
        self.recording = False  # `fragtui record` steps the app as if it were playing
        self.still = False  # a picture that cannot scroll (screenshot, record): the sidebar fits what matters
        self.stopped_by = 0  # the signal that ended the app, if one did
        self.zoom = False
        self.show_side = True  # h hides the sidebar
        self.whole: int | None = None  # w gives this side's pane the whole screen
        self._autoplay = autoplay
        self._start_step = start_step
        self.playback = Playback(self, speed)  # p, [ and ]
        self._panes: list[PoolGrid] = []  # a pane a side (compose and _fit_panes make them)
        self.outputs = Outputs(self)  # ctrl+s and S: files written here, or downloaded when served

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **THEME_DEFAULTS}

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # What changes every step sits together at the top: Textual repaints the box around
        # everything that changed, so the step counter and the narration belong side by side.
        yield TextLines(id="header")
        yield TextLines(id="narration")
        with Horizontal(id="main"):
            with Container(id="pools"):
                yield from self._grids()
            with SidePanel(id="side"):  # scrolls rather than cut anything off
                yield Sidebar(id="sidebar")
        yield TextLines(id="hover")
        yield KeyBar(keys.bar_keys(), keys.PALETTE_KEY, id="keys")
        yield Static(f"terminal too small: fragtui needs at least {MIN_WIDTH}×{MIN_HEIGHT}", id="too-small")

    def on_mount(self) -> None:
        if self.stopped_by:  # a stop signal came while it started (fragtui.stopping)
            self.exit()
            return
        self.screen.set_class(self.clean, "-clean")
        self.stage.goto(self._start_step)
        with self.batch_update():
            self.redraw()
            self._check_size(self.size.width, self.size.height)
        if self._autoplay:
            self.action_play()

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)
        self._lay_out_panes(event.size)
        self.call_after_refresh(self.refresh_texts)  # the header fits itself to the new width
        self.call_after_refresh(self.show_legend)  # and the legend its words

    def _check_size(self, width: int, height: int) -> None:
        self.screen.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")

    def _grids(self) -> list[PoolGrid]:
        self._panes = [PoolGrid(side.label, id=f"pool-{side.index}") for side in self.stage.sides]
        return self._panes

    def grid(self, side: int) -> PoolGrid:
        return self._panes[side]

    @property
    def grids(self) -> list[PoolGrid]:
        """The panes, a side each, in the sides' order."""
        return self._panes

    def _fit_panes(self) -> None:
        """One pane a side: panes are made again when the sides change in number."""
        if len(self._panes) != len(self.stage.sides):
            pools = self.query_one("#pools", Container)
            pools.remove_children()
            pools.mount_all(self._grids())
        self.screen.set_class(len(self.stage.sides) > 2, "-several")
        if self.whole is not None and self.whole >= len(self.stage.sides):  # (that side is gone)
            self.whole = None
            self.screen.set_class(not self.side_shown, "-no-side")
        for i, grid in enumerate(self._panes):
            grid.display = self.whole is None or i == self.whole
        self._lay_out_panes()

    def _lay_out_panes(self, screen: Size | None = None) -> None:
        """The sidebar as wide as a column a side needs (at most half the screen), and the
        panes side by side where there is room, else in a grid (pane_grid). On a resize
        `screen` is the new size, which `self.size` and the panes' sizes do not have yet."""
        before, screen = self.size, screen or self.size
        sides = len(self.stage.sides) if self.whole is None else 1
        base = SIDEBAR_WIDE if screen.width >= WIDE else SIDEBAR_NARROW
        width = min(base + SIDEBAR_PER_SIDE * max(0, sides - 2), max(base, screen.width // 2))
        panel = self.query_one("#side", SidePanel)
        if self.side_shown:
            set_width = panel.styles.width
            was = int(set_width.value) if set_width is not None and set_width.is_cells else 0
            if was != width:
                panel.styles.width = width
            was = was or panel.size.width or width
        else:  # hidden: the pools have the width (laid out again after the refresh that shows it)
            width = was = 0
        pools = self.query_one("#pools", Container)
        room = pools.size if pools.size.area else Size(before.width - was, before.height - 6)
        columns, rows = pane_grid(sides, room.width + screen.width - before.width - (width - was),
                                  room.height + screen.height - before.height)
        if (pools.styles.grid_size_columns, pools.styles.grid_size_rows) != (columns, rows):
            pools.styles.grid_size_columns, pools.styles.grid_size_rows = columns, rows

    @property
    def side_shown(self) -> bool:
        return self.show_side and self.whole is None

    def action_inspect(self) -> None:
        """A cell cursor on the focused pane (else the first), moved by the arrow keys, saying
        what hovering says; i again (or escape) takes it away, and the arrows step again."""
        side = self.focused_side()
        grid = self.grids[side if side is not None else 0]
        if grid.cursor is not None:
            grid.action_cursor_off()
            return
        grid.focus()
        grid.show_cursor()
        self.say("cell cursor: the arrows move it, i or escape takes it away", timeout=3)

    def action_toggle_side(self) -> None:
        """Hide the sidebar (the pools take the width) or show it again."""
        self.show_side = not self.show_side
        self._show_layout()
        if not self.side_shown:
            self.say("sidebar hidden: h shows it", timeout=2)

    def action_whole_pane(self) -> None:
        """The focused pane (else the first) takes the whole screen, sidebar and other panes
        hidden; again, everything back."""
        self.whole = (self.focused_side() or 0) if self.whole is None else None
        for i, grid in enumerate(self.grids):
            grid.display = self.whole is None or i == self.whole
        self._show_layout()
        if self.whole is not None:
            self.say(f"{self.stage.sides[self.whole].label} has the whole screen: w shows everything", timeout=2)

    def _show_layout(self) -> None:
        self.screen.set_class(not self.side_shown, "-no-side")
        if self.focused is not None and not self.focused.display:
            self.set_focus(None)
        self._lay_out_panes()
        self.call_after_refresh(self._lay_out_panes)  # again with the sizes the change gave

    def focused_side(self) -> int | None:
        """The side whose pane has focus, if one has."""
        focused = self.focused
        return self.grids.index(focused) if isinstance(focused, PoolGrid) and focused in self.grids else None

    # -- drawing ---------------------------------------------------------------------------

    @property
    def edited(self) -> bool:
        """The run is no longer the named scenario: options, what-ifs or events by hand."""
        return self.named is not None and (self.stage.params != self.named or self.stage.hand_events > 0)

    def redraw(self) -> None:
        """Every pool from the stage's pictures, and every text."""
        self._fit_panes()
        self._show_about()
        words = self.stage.words
        for side, (grid, picture) in enumerate(zip(self.grids, self.stage.pictures)):
            grid.label = self.stage.sides[side].label
            grid.pane_title = words.pane_title(side)
            grid.zoom, grid.by_request = self.zoom, self.by_request
            grid.legend_states, grid.narrow_labels = words.legend, words.narrow_labels
            grid.show(picture, self.stage.params.block_size, words.request_detail, words.holder_name,
                      self.stage.params.max_len)
        self.show_legend()
        self.refresh_texts()
        self.refresh_bindings()

    def _show_about(self) -> None:
        self.query_one(Sidebar).show_about(what_to_watch(SCENARIOS.get(self.scenario), self.named,
                                                         self.stage.params, self.stage.hand_events > 0))

    def show_changes(self, changes: tuple[Ranges, ...] | None) -> None:
        """Repaint what a stage move changed (None: everything)."""
        if changes is None:
            self.redraw()
            return
        for grid, ranges in zip(self.grids, changes):
            if ranges:
                grid.patch(ranges)
            grid.tell_cursor()  # (what a cursor's cell holds may have changed)
        self.refresh_texts()

    def refresh_texts(self) -> None:
        self.query_one("#header", TextLines).update(self._header())
        self.query_one(Sidebar).show(self.stage.words.sidebar, self.grids[0].state_colour)
        self.query_one("#narration", TextLines).update(Text(self.stage.words.narration()))

    def _header(self) -> Text:
        stage = self.stage
        state = "▶ playing" if self.playback.playing or self.recording else "paused"
        if stage.at_end and stage.total_steps:
            state = "end of scenario"
        if self.work.doing:
            state = f"working: {self.work.doing}…"
        width = self.query_one("#header", TextLines).content_region.width or 160
        return header_text(self.scenario, self.edited, stage, state, self.playback.speed, self.clean, width)

    # -- stepping --------------------------------------------------------------------------

    def action_step(self) -> None:
        self.show_changes(self.stage.forward())

    def action_step_back(self) -> None:
        self.show_changes(self.stage.back())

    def goto(self, step: int) -> None:
        self.show_changes(self.stage.goto(step))

    def on_unmount(self) -> None:
        self.work.settle()  # (an app that closes first leaves the collector as it found it)

    def action_first(self) -> None:
        self.work.run("the first step", lambda: self.goto(0))

    def action_last(self) -> None:
        self.work.run("the last step", lambda: self.goto(self.stage.total_steps))

    @property
    def at_end(self) -> bool:
        return self.stage.at_end

    def step_by(self, steps: int) -> None:
        """Autoplay's frame: a step, or several at once past FRAMES_PER_SECOND."""
        if steps == 1:
            self.action_step()
        else:
            self.goto(self.stage.step + steps)

    def action_play(self) -> None:
        if self.playback.playing:
            self.playback.stop()
        else:
            if self.stage.at_end:
                self.goto(0)
            self.playback.start()
        self.refresh_texts()

    def action_slower(self) -> None:
        self.playback.slower()

    def action_faster(self) -> None:
        self.playback.faster()

    # -- changing the run ------------------------------------------------------------------


    def action_reset(self) -> None:
        """Back to what the app opened (or the scenario last picked): its parameters and mode,
        no manual events, step 0; the chart shown stays where the mode has charts."""
        self.playback.stop()  # (made again: after V the stage's own start is the other mode's what-ifs)
        chart = self.stage.words.chart if self.opened.mode == "event" else None

        def reset() -> None:
            self.stage = make_stage(self.opened, chart)
            self.redraw()
        self.work.run("reset", reset)

    def action_free(self) -> None:
        self._manual(self.stage.free_oldest)

    def action_arrive(self) -> None:
        self._manual(self.stage.inject_arrival)

    def _manual(self, move: Callable[[], tuple[Ranges, ...]]) -> None:
        try:
            changes = move()
        except FragtuiError as error:
            self.say(str(error), severity="warning")
            return
        self.show_changes(changes)
        self._show_about()

    def action_param(self, name: str, up: int) -> None:
        step = keys.PARAM_STEPS[name][up]
        self._what_if(name, lambda value: step(int(cast(int, value))))

    def action_cycle(self, name: str) -> None:
        choices = OPTIONS[name].choices
        assert choices is not None
        self._what_if(name, cycled(choices()))

    def _what_if(self, name: str, change: Callable[[object], object]) -> None:
        """`name` changed on the focused side, or on every side that takes it (view.whatif)."""
        try:
            changes = what_if(self.stage.params, name, change, self.focused_side())
        except FragtuiError as error:
            self.say(str(error), title="not changed", severity="warning")
            return
        self.work.run(", ".join(f"{k} {v}" for k, v in changes.items()), lambda: self.set_params(**changes))

    def action_cycle_chart(self) -> None:
        """The sidebar charts the next parameter's sweep (then none)."""
        words = self.stage.words
        if not words.charts:
            self.say("a sweep chart is event mode's: a serving sweep runs every side to the end (fragtui sweep "
                     "--mode serving); the capacity chart needs a trace that names its blocks", title="no chart here",
                     severity="warning")
            return
        options: list[str | None] = [None, *words.charts]
        words.chart = options[(options.index(words.chart) + 1) % len(options)]
        try:
            words.chart_now()  # worked out now, so that a refusal is said here, never drawn
        except FragtuiError as error:
            self.say(f"{error}; chart off", title=f"no {words.chart} chart", severity="warning")
            words.chart = None
        self.refresh_texts()
        if words.chart is not None:
            self.say(f"chart: {words.chart}", timeout=2)

    def action_jump(self, kind: str, direction: int) -> None:
        """To the next (1) or previous (-1) rejection or fragmented rejection."""
        step = self.stage.find(kind, direction)
        if step is None:
            where = "after" if direction > 0 else "before"
            noun = "fragmented rejection" if kind == "fragmented" else "rejection"
            self.say(f"no {noun} {where} {self.stage.unit} {self.stage.step}", severity="warning")
            return
        self.work.run(f"{self.stage.unit} {step:,}", lambda: self.goto(step))

    def action_goto_step(self) -> None:
        from fragtui.sim.engines.jumps import locate
        from fragtui.tui.goto_dialog import GotoDialog

        typed: list[str] = []

        def where(text: str) -> int:
            typed[:] = [text]
            return locate(engine, text, engine.step, "step")

        def go(step: int | None) -> None:
            if step is not None:
                last = typed[0].split(",")[-1].strip() if typed else ""
                request = int(last[1:]) if last[:1] in "rR" and last[1:].isdigit() else None

                def there() -> None:
                    self.goto(step)
                    if request is not None:  # g r267: the cursor on that request
                        self.point_at(request)
                self.work.run(f"{self.stage.unit} {step:,}", there)

        engine = self.stage.engine
        self.push_screen(GotoDialog(self.stage.unit, where), go)

    def point_at(self, rid: int) -> None:
        """The cell cursor on request `rid`'s first slot, in the first pane that holds it."""
        for grid in self.grids:
            slot = grid.picture.first_slot(rid) if grid.picture is not None else None
            layout = grid.grid_layout
            if slot is None or layout is None:
                continue
            cell_row, column = divmod(slot // layout.slots_per_cell, layout.cells_per_row)
            grid.focus()
            grid.show_cursor(column, cell_row // layout.cells_per_char_row)
            return
        self.say(f"r{rid} holds no memory on any side at {self.stage.unit} {self.stage.step}", severity="warning")

    def action_toggle_mode(self) -> None:
        """Event mode ⇄ serving mode on the same parameters, from step 0 (a step and a tick are
        not the same thing). Parameters the other mode refuses are named and nothing changes."""
        mode = "serving" if self.stage.mode == "event" else "event"

        def switch() -> None:
            try:
                params = self.stage.params.with_(mode=mode)
                stage = make_stage(params, self.stage.words.chart if mode == "event" else None)
            except FragtuiError as error:
                self.say(error.describe("field") if isinstance(error, ParamError) else str(error),
                         title=f"not switched to {mode} mode", severity="error")
                return
            self.playback.stop()
            self.stage = stage
            self.redraw()
            self.say(f"{mode} mode: {self.stage.unit} 0 of {self.stage.total_steps}", timeout=2)
        self.work.run(f"{mode} mode", switch)

    def set_params(self, **changes: object) -> bool:
        """Replay under new parameters to the same step; on a bad value, say so and keep all."""
        try:
            self.stage.set_params(**changes)
        except ParamError as error:
            self.say(error.describe("field"), title="not changed", severity="error")
            return False
        except FragtuiError as error:
            self.say(str(error), title="not changed", severity="error")
            return False
        self._replayed(changes)
        return True

    def _replayed(self, changes: dict[str, object]) -> None:
        self.redraw()
        changed = ", ".join(f"{k} {v}" for k, v in changes.items())
        self.say(f"{changed}: replayed to {self.stage.unit} {self.stage.step}", timeout=2)

    def say(self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None) -> None:
        """One notification at a time, the newest; user text is never read as markup."""
        self.clear_notifications()
        self.notify(message, title=title, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    def action_command_line(self) -> None:
        """Show (and copy, where the terminal takes OSC 52) the line that opens this screen."""
        line = command_line(self.scenario, self.named or Params().validated(), self.stage.params, self.stage.step)
        hand = self.stage.engine.hand_events
        left_out = f"; the {hand} frees and arrivals made by hand are not in it" if hand else ""
        self.copy_to_clipboard(line)
        self.say(line, title=f"the command behind this screen (copied{left_out})", timeout=15)

    def action_pick_scenario(self) -> None:
        from fragtui.tui.scenario_picker import ScenarioPicker  # screens load when first used: faster start

        self.push_screen(ScenarioPicker(self.scenario), self.load_scenario)

    def load_scenario(self, name: str | None) -> None:
        """Open scenario `name` at step 0 (None: keep what is open)."""
        if name is None:
            return
        self.playback.stop()
        scenario = get_scenario(name)
        self.named = self.opened = scenario.build()
        self.stage = make_stage(self.named, scenario.chart)
        self.scenario = name
        self.redraw()

    def action_edit_params(self) -> None:
        from fragtui.tui.param_editor import ParamEditor

        def applied(changes: dict[str, object] | None) -> None:
            if changes:
                self._replayed(changes)

        self.push_screen(ParamEditor(self.stage.params, lambda c: self.stage.set_params(**c)), applied)

    # -- looking ---------------------------------------------------------------------------

    def action_colour_mode(self) -> None:
        self.by_request = not self.by_request
        for grid in self.grids:
            grid.set_mode(by_request=self.by_request)
        self.show_legend()

    def action_zoom(self) -> None:
        self.zoom = not self.zoom
        for grid in self.grids:
            grid.set_mode(zoom=self.zoom)

    def action_scroll_pools(self, direction: int) -> None:
        for grid in self.grids:
            if direction > 0:
                grid.scroll_page_down(animate=False)
            else:
                grid.scroll_page_up(animate=False)

    def on_pool_grid_hovered(self, message: PoolGrid.Hovered) -> None:
        if message.text:
            self.query_one("#hover", TextLines).update(Text(message.text))
        else:
            self.show_legend()

    def show_legend(self) -> None:
        """The legend, and the hint about hovering where it fits whole (never a cut hint)."""
        line = self.query_one("#hover", TextLines)
        width = line.content_region.width or self.size.width - 2
        legend = self.grids[0].legend(width)
        if not self.clean:
            hint = next((h for h in HOVER_HINTS if legend.cell_len + len(h) <= width), "")
            legend.append(hint, "dim")
        line.update(legend)

    def action_help(self) -> None:
        """The help screen, made at its first opening and kept: making it (its Markdown, the keys'
        table) takes about 0.2 s of CPU, showing it again a fifth of that, which is what a
        served class, many apps on one machine, feels."""
        from fragtui.tui.help import HelpScreen

        if not self.is_screen_installed("help"):
            self.install_screen(HelpScreen(keys.help_rows()), "help")
        self.push_screen("help")

    def action_save_svg(self) -> None:
        self.outputs.screenshot()

    def action_record(self) -> None:
        self.outputs.record()

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == DELIVERY:
            self.say(f"the download failed: {event.exception}", severity="error")

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key in keys.KEYS:
            _, name, parameters = parse_action(key.action)
            if self.check_action(name, parameters) is True:
                yield SystemCommand(key.title, f"{key.shown.replace(' / ', ' or ')} · {keys.help_of(key)}",
                                    partial(self.run_action, key.action))
