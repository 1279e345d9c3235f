"""The TUI driven by keys, checked against the model and against the screen."""

import re

import pytest

from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import get_scenario
from fragtui.tui.keys import KEYS
from fragtui.tui.app import FragApp
from tui_helpers import sim_of, screen_text, sidebar_rows


async def press_n(pilot, key, n):
    for _ in range(n):
        await pilot.press(key)
    await pilot.pause()


async def test_opens_on_the_seed_at_step_0_paused():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert sim_of(app).step == 0 and sim_of(app).total_steps == 64
        assert not app.playback.playing
        text = screen_text(app)
        assert "seed" in text and "step 0/64" in text and "paused" in text
        assert sidebar_rows(app)["admitted"] == ["0", "0"]


async def test_eight_steps_admit_eight_on_both_sides():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await press_n(pilot, "space", 8)
        assert sim_of(app).step == 8
        assert sim_of(app).metrics("contiguous").admitted == sim_of(app).metrics("paged").admitted == 8
        assert sidebar_rows(app)["admitted"] == ["8", "8"]


async def test_sixty_four_steps_then_back_to_zero(no_idle_wait):
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await press_n(pilot, "space", 64)
        rows = sidebar_rows(app)
        assert rows["admitted"] == ["8", "64"]
        assert rows["wasted"] == ["3840", "0"]
        assert rows["rejected"] == ["56", "0"]
        text = screen_text(app)
        assert re.search(r"admitted\s+8\s+64", text)
        assert re.search(r"wasted\s+3840\s+0", text)
        assert "step 64: r63 arrives" in text
        assert "rejected, pool full" in text

        await press_n(pilot, "left", 64)
        assert sim_of(app).step == 0
        rows = sidebar_rows(app)
        for label in ("admitted", "rejected", "live", "used", "reserved", "wasted"):
            assert rows[label] == ["0", "0"], label
        assert rows["free"] == ["4096", "4096"]


async def test_space_and_right_step_left_and_backspace_undo():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "right", "right")
        assert sim_of(app).step == 3
        await pilot.press("backspace", "left")
        assert sim_of(app).step == 1
        await pilot.press("end")
        assert sim_of(app).step == 64
        await pilot.press("home")
        assert sim_of(app).step == 0


async def test_block_size_down_and_up_replays_to_the_same_step(no_idle_wait):
    app = FragApp(Params(used_len=33))
    async with app.run_test(size=(160, 50)) as pilot:
        await press_n(pilot, "space", 40)
        assert sidebar_rows(app)["wasted"] == ["3832", str(40 * 15)]
        await pilot.press("k")
        await pilot.pause()
        assert (sim_of(app).step, app.stage.engine.params.block_size) == (40, 8)
        assert sidebar_rows(app)["wasted"] == ["3832", str(40 * 7)]  # ⌈33/8⌉·8 − 33 = 7
        assert app.query_one("#pool-1").border_title == "paged · 1 cell = 2 slots"  # 64-slot rows: runs of 512 line up
        assert app.query_one("#pool-1").border_subtitle == "block 8 · fifo"
        await pilot.press("K")
        await pilot.pause()
        assert (sim_of(app).step, app.stage.engine.params.block_size) == (40, 16)
        assert sidebar_rows(app)["wasted"] == ["3832", str(40 * 15)]


async def test_a_bad_parameter_change_is_refused_and_nothing_is_lost():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await press_n(pilot, "space", 10)
        for _ in range(5):  # max_len 512 → 256 → 128 → 64 → 32 → 16: below used_len 32
            await pilot.press("m")
        await pilot.pause()
        assert app.stage.engine.params.max_len == 32
        assert sim_of(app).step == 10
        assert any("used_len" in n.message or "max_len" in n.message for n in app._notifications)
        assert sidebar_rows(app)["admitted"] == ["10", "10"]  # max_len 32: every request fits


async def test_play_runs_to_the_end_and_stops():
    app = FragApp(speed=128)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p")
        for _ in range(200):
            await pilot.pause(0.02)
            if sim_of(app).at_end and not app.playback.playing:
                break
        assert sim_of(app).at_end and not app.playback.playing
        assert "end of scenario" in screen_text(app)


async def test_speed_keys_and_manual_events():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right_square_bracket")
        assert app.playback.speed == 16
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.playback.speed == 4
        await pilot.press("space", "space", "f")
        assert sim_of(app).step == 3 and sim_of(app).last.event.id == 0
        assert sim_of(app).metrics("contiguous").live == 1
        await pilot.press("a")
        assert sim_of(app).last.event.request.id == 64
        assert sim_of(app).total_steps == 66
        await pilot.press("r")
        assert (sim_of(app).step, sim_of(app).total_steps) == (0, 64)


async def test_r_resets_to_what_was_opened_even_after_switching_mode_there_and_back():
    app = FragApp(get_scenario("seed").build(), scenario="seed")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o", "V", "V")
        assert app.stage.params.placement == "best" and app.stage.mode == "event"
        await pilot.press("r")
        assert app.stage.params == get_scenario("seed").build().validated()
        assert "seed*" not in screen_text(app) and "best fit" not in screen_text(app)
        await pilot.press("V", "r")  # from the other mode, back to the one opened
        assert app.stage.mode == "event" and app.stage.step == 0


async def test_policies_cycle_and_replay():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "o", "O", "O")
        assert (app.stage.engine.params.placement, app.stage.engine.params.order) == ("best", "lowest")
        assert sim_of(app).step == 1


async def test_help_opens_and_closes():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Internal fragmentation" in text and "External fragmentation" in text
        assert "480 reserved slots" in text and "64 × 15 = 960" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "Internal fragmentation" not in screen_text(app)


async def test_every_key_is_in_the_command_palette_by_its_human_name():
    app = FragApp()
    async with app.run_test(size=(120, 40)):
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        for key in KEYS:
            assert key.title in commands, key.title
            assert commands[key.title].startswith(key.shown.replace(" / ", " or "))
        assert commands["Halve max_len"] == "m or M · max_len: halve / double (replayed to this step)"
        assert "Save an SVG screenshot" in commands
        assert not any("(" in title or "_" in title.split()[0] for title in commands)  # no action syntax


async def test_in_serving_mode_every_key_that_cannot_act_says_why():
    app = FragApp(get_scenario("paper").build(), scenario="paper")
    async with app.run_test(size=(160, 50)) as pilot:
        before = (app.stage.step, app.stage.params)
        for key, why in (("f", "free is event mode's"), ("a", "arrive is event mode's"),
                         ("u", "has no effect here: in serving mode"), ("U", "has no effect here: in serving mode"),
                         ("y", "a sweep chart is event mode's")):
            await pilot.press(key)
            await pilot.pause()
            (note,) = app._notifications
            assert why in note.message, (key, note.message)
        assert (app.stage.step, app.stage.params) == before


async def test_a_small_terminal_shows_a_notice_and_recovers():
    app = FragApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert "terminal too small" in screen_text(app)
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        text = screen_text(app)
        assert "terminal too small" not in text and "step 0/64" in text


async def test_hover_describes_the_cells_under_the_pointer():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await press_n(pilot, "space", 2)
        grid = app.query_one("#pool-0")
        text = grid.describe_at(grid._pad, 0)
        assert text.startswith("contiguous: ▀ slots 0–1 · used · r0 32/512   ▄ slots 64–65 · reserved · r0 32/512")
        await pilot.hover("#pool-1", offset=(grid._pad + 1, 1))
        await pilot.pause()
        assert "paged:" in str(app.query_one("#hover").content)


async def test_zoom_shows_one_slot_per_cell_and_scrolls_both_pools():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        grid = app.query_one("#pool-0")
        assert grid.grid_layout.slots_per_cell > 1
        await pilot.press("z")
        await pilot.pause()
        assert grid.grid_layout.slots_per_cell == 1
        assert "1 cell = 1 slot · zoomed" in f"{grid.border_title} {grid.border_subtitle}"
        assert grid.virtual_size.height > grid.scrollable_content_region.height
        await pilot.press("pagedown")
        await pilot.pause()
        assert grid.scroll_offset.y > 0
        assert app.query_one("#pool-1").scroll_offset.y == grid.scroll_offset.y


async def test_the_keys_line_is_clickable():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.query_one("#keys")
        assert "space step" in bar.content and "? help" in bar.content and "^p palette" in bar.content
        x = bar.content.index("space")
        await pilot.click("#keys", offset=(x, 0))
        await pilot.pause()
        assert sim_of(app).step == 1
        await pilot.click("#keys", offset=(bar.content.index("? help"), 0))
        await pilot.pause()
        assert "Internal fragmentation" in screen_text(app)


async def test_jump_keys_and_the_go_to_dialog_land_on_the_moments_that_matter():
    from textual.widgets import Input

    app = FragApp(get_scenario("external-frag").build(), scenario="external-frag")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("x")
        assert app.stage.step == 13  # the first fragmented rejection
        await pilot.press("x")
        assert app.stage.step == 16
        await pilot.press("X", "N")  # back to 13; no rejection comes before it
        await pilot.pause()
        assert app.stage.step == 13
        assert any("no rejection before step 13" in n.message for n in app._notifications)
        await pilot.press("g")
        await pilot.pause()
        box = app.screen.query_one(Input)
        box.value = "first-fragmented,-3"
        await pilot.press("enter")
        await pilot.pause()
        assert app.stage.step == 10
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one(Input).value = "prev-fragmented"
        await pilot.press("enter")
        await pilot.pause()
        assert "no fragmented rejection before step 10" in str(app.screen.query_one("#goto-error").content)
        await pilot.press("escape")
        await pilot.pause()
        assert app.stage.step == 10 and app.screen is app.screen_stack[0]


async def test_reservation_mode_and_chart_keys():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        app.goto(20)
        await pilot.press("y", "y")  # block_size, then max_len
        await pilot.pause()
        chart = app.stage.words.sidebar(False).chart
        assert chart.title == "max_len: admitted at the end"
        assert [(r.label, r.bars) for r in chart.rows] == [
            ("128", (32, 64)), ("256", (16, 64)), ("512", (8, 64)), ("1024", (4, 64)), ("2048", (2, 64))]
        assert "max_len: admitted at the end" in screen_text(app)
        await pilot.press("R")
        assert (app.stage.params.reservation, app.stage.step) == ("pow2", 20)
        await pilot.press("V")
        await pilot.pause()
        assert (app.stage.mode, app.stage.step, app.stage.params.reservation) == ("serving", 0, "pow2")
        assert not app.stage.words.charts and "tick 0/" in screen_text(app)
        await pilot.press("V")
        assert app.stage.mode == "event"


async def test_switching_mode_refuses_what_the_other_mode_cannot_run():
    app = FragApp(get_scenario("external-frag").build(), scenario="external-frag")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("V")
        await pilot.pause()
        assert app.stage.mode == "event"
        assert any("is for event mode" in n.message for n in app._notifications)


def test_the_readme_keys_table_names_every_key_the_app_binds():
    """The README's table is written by hand: it must name each key the registry binds, as the
    help screen shows it, so that a new key cannot go undocumented."""
    from pathlib import Path

    readme = Path(__file__).parent.parent / "README.md"
    text = readme.read_text()
    table = text[text.index("| key | does |"):text.index("Every action is also in the command palette")]
    for key in KEYS:
        for name in key.shown.split(" / "):
            assert f"`{name}`" in table, f"README keys table lacks `{name}` ({key.help})"


async def test_the_sidebar_gives_bytes_beside_slots_when_a_model_sizes_them():
    app = FragApp(Params(model="opt-13b").validated(), start_step=64)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        lines = {" ".join(line.split()[:2]): line.split()[2:] for line in str(app.query_one("#sidebar").content)
                 .split("\n\n")[0].splitlines() if line.split()[:2][-1:] == ["mem"]}
        # the seed at step 64: contiguous reserves 8 × 480 = 3,840 slots = 3,000 MiB = 2.9 GiB
        # (short units: the full ones would not leave "block-table entries" its room)
        assert lines["reserved mem"] == ["2.9G", "0B"]
        assert lines["used mem"] == ["200M", "1.6G"]  # 256 and 2,048 tokens


@pytest.mark.parametrize("scenario, options", [
    ("prefix-cache", {}),  # lengths 130 to 400: max_len 128 is refused, so not offered
    ("external-frag", {}),  # an op list of +300 under max_len 1,024: 256 is refused
    ("seed", {"lengths": "uniform:200:300"}),
    ("seed", {"ops": "+300,+20"}),
])
async def test_the_charts_offer_only_what_runs_and_never_end_the_app(scenario, options):
    params = get_scenario(scenario).build(**options)
    app = FragApp(params, scenario=scenario)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("y", "y", "y", "y", "y")  # block_size, max_len, placement, reservation, off
        await pilot.pause()
        assert app.is_running and app.stage.words.chart is None
        await pilot.press("y", "y")
        chart = app.stage.words.chart_now()
        assert chart is not None and chart.title == "max_len: admitted at the end"
        for row in chart.rows:
            app.stage.params.with_(max_len=int(row.label))  # every value offered is allowed


async def test_a_chart_with_nothing_to_show_is_a_notification():
    """A chart whose values are all refused says so and stays off; the app goes on."""
    from fragtui.view import charts

    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        real = charts.runnable
        charts.runnable = lambda *args: ()
        try:
            await pilot.press("y", "y")
        finally:
            charts.runnable = real
        await pilot.pause()
        assert app.is_running and app.stage.words.chart is None
        assert any("no max_len chart" in n.title for n in app._notifications)


async def test_the_command_behind_the_screen_opens_the_same_screen():
    import shlex

    from fragtui.cli.parser import build_parser, params_from

    app = FragApp(get_scenario("prefix-cache").build(), scenario="prefix-cache")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("o", "M", "space", "space", "space", "exclamation_mark")
        await pilot.pause()
        (note,) = app._notifications
        line = note.message
        assert line.startswith("fragtui --scenario prefix-cache ") and "--placement best" in line
        args = build_parser().parse_args(shlex.split(line)[1:])
        assert params_from(args) == app.stage.params and int(args.steps) == app.stage.step == 3
        await pilot.press("f", "exclamation_mark")  # a free by hand is no parameter: said, not hidden
        await pilot.pause()
        assert "made by hand are not in it" in next(iter(app._notifications)).title


async def test_at_80x24_the_keyboard_reaches_the_sidebar_hides_it_and_gives_a_pane_the_screen():
    from fragtui.tui.sidebar import SidePanel

    app = FragApp(get_scenario("block-size").build(), scenario="block-size")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        side = app.query_one("#side", SidePanel)
        await pilot.press("tab", "tab", "tab")  # two panes, then the sidebar
        assert app.focused is side
        assert side.max_scroll_y > 0  # at 80×24 the chart is below the fold...
        await pilot.press("pagedown")
        await pilot.pause()
        assert side.scroll_y > 0 and app.stage.step == 0  # ...and the keys reach it, stepping nothing
        await pilot.press("right")  # → still steps
        assert app.stage.step == 1
        wide = app.grids[0].size.width
        await pilot.press("h")
        await pilot.pause()
        assert not side.display and app.grids[0].size.width > wide
        await pilot.press("h", "w")
        await pilot.pause()
        assert app.screen.has_class("-no-side")  # the whole screen: no sidebar either
        assert [g.display for g in app.grids] == [True, False] and app.grids[0].size.width > 60
        await pilot.press("w")
        await pilot.pause()
        assert [g.display for g in app.grids] == [True, True] and side.display


async def test_a_keyboard_cell_cursor_says_what_hovering_says():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "space", "i")
        await pilot.pause()
        grid = app.grids[0]
        assert grid.cursor == (0, 0) and app.focused is grid
        hover = str(app.query_one("#hover").content)
        assert hover == grid.describe_at(grid._pad, 0) and "r0" in hover
        await pilot.press("down", "down", "right")  # the arrows move the cursor, not the steps
        await pilot.pause()
        assert grid.cursor == (1, 2) and app.stage.step == 2
        await pilot.press("escape", "right")  # cursor gone: → steps again
        await pilot.pause()
        assert grid.cursor is None and app.stage.step == 3


async def test_go_to_a_request_puts_the_cursor_on_it():
    app = FragApp(get_scenario("churn").build(), scenario="churn")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("g")
        await pilot.press(*"r40", "enter")
        await pilot.pause()
        assert app.stage.step == app.stage.engine.arrival(40) > 0
        grid = next(g for g in app.grids if g.cursor is not None)
        assert app.focused is grid and "r40" in str(app.query_one("#hover").content)
        await pilot.press("escape", "g")
        await pilot.press(*"r99999", "enter")
        await pilot.pause()
        assert "no request 99999 arrives" in screen_text(app)


async def test_slow_work_says_it_is_working_before_it_starts(monkeypatch):
    """Work on a run that took more than 0.2 s says `working: …` in the header first, then
    runs after a frame that shows it (drawn: a compositor refresh with the header saying so);
    quick work afterwards runs at once again."""
    from textual.screen import Screen

    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.work.slow = True  # (as if the last replay had taken long)
        seen, drawn = [], []
        replay, refresh = app.stage.set_params, Screen._compositor_refresh

        def watched(**changes):
            seen.append((str(app.query_one("#header").content), list(drawn)))
            replay(**changes)

        def drawing(screen):
            refresh(screen)
            drawn.append(str(app.query_one("#header").content))
        app.stage.set_params = watched
        monkeypatch.setattr(Screen, "_compositor_refresh", drawing)
        await pilot.press("K")
        await pilot.pause()
        header, frames = seen[0]
        assert "working: block_size 32…" in header
        assert any("working: block_size 32…" in frame for frame in frames)  # on screen before the work
        assert app.stage.params.block_size == 32 and "working" not in str(app.query_one("#header").content)
        assert not app.work.slow  # the seed replays in milliseconds


async def test_an_app_that_closes_right_after_a_what_if_leaves_the_cycle_collector_running():
    """Work pauses the collector until half a second after its frame; an app closed before
    then (a screenshot taken after a key, a test) must not leave it paused for the process."""
    import gc

    gc.enable()  # (the suite runs with it paused: conftest.py)
    try:
        app = FragApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("m")
            assert app.stage.params.max_len == 256 and not gc.isenabled()  # (paused: its timer has not fired)
        assert gc.isenabled()
    finally:
        gc.disable()
