"""Every screen tells the truth at every size: a layout matrix through Pilot, and one test for
each way the screen used to mislead."""

import pytest
from rich.color import ColorSystem

from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import get_scenario
from fragtui.tui.app import FragApp
from fragtui.tui.request_colours import REQUEST_COLOURS
from fragtui.view.states import FREE, RESERVED, STATE_NAMES, USED
from tui_helpers import screen_text

SIZES = [(80, 24), (100, 30), (160, 50), (250, 80)]
HUGE = dict(total_slots=1 << 24, max_len=65536, lengths="uniform:16:65536", arrivals=50, frees="churn:0.5")


def app_for(case: str) -> FragApp:
    if case == "16M pool":
        return FragApp(Params(**HUGE).validated(), scenario="seed")
    return FragApp(get_scenario(case).build(), scenario=case)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("case", ["seed", "paper", "block-size", "prefix-cache", "16M pool"])
async def test_every_size_keeps_the_table_whole_the_play_state_and_the_words(case):
    app = app_for(case)
    async with app.run_test(size=SIZES[0]) as pilot:
        if case == "prefix-cache":
            app.goto(49)  # (its cache rows show once something hit)
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await pilot.press("space", "space")
            await pilot.pause()
            sidebar = app.query_one("#sidebar")
            blocks = sidebar.content.split("\n\n")  # (a short screen puts a scenario's chart first)
            chart = app.stage.words.sidebar(False).chart
            at = 1 if chart is not None and blocks[0].startswith(chart.title) else 0
            table = blocks[at].split("\n")
            first = [line.plain for line in sidebar._lines].index(table[0])
            room = sidebar.content_region.width
            assert all(len(line) <= room and "…" not in line for line in table), (width, table)
            assert sidebar._lines[first:first + len(table)] and len(sidebar._wrap(room)) >= first + len(table)
            assert [line.plain for line in sidebar._lines[first:first + len(table)]] == table, (width, "a row wrapped")
            if case == "block-size" and height < 30:  # the scenario's point, seen without scrolling
                assert at == 1 and blocks[0].startswith("block-size trade-off")
            if case == "prefix-cache":  # its rows, every side in one table, on screen unscrolled
                hits = next(line for line in table if "hits" in line)
                assert len(hits.split()[-2:]) == 2 and hits.split()[-1] != hits.split()[-2], (width, table)
                assert first + table.index(hits) < app.query_one("#side").scrollable_content_region.height
            header = screen_text(app).splitlines()[0].rstrip()
            assert header.endswith("paused 8/s"), (width, header)
            words = flat(sidebar.content.split("what to watch", 1)[1])
            if case != "16M pool":
                assert words == flat(get_scenario(case).about), (width, "the scenario text is cut")
            for grid in app.query("PoolGrid"):
                layout = grid.grid_layout
                assert layout.width <= grid.scrollable_content_region.width and layout.text_rows <= grid.size.height
            legend = screen_text(app).splitlines()[-2]  # every state keeps a label; a hint whole or none
            grid = app.grids[0]
            names = [(label, grid.narrow_labels.get(state, STATE_NAMES[state])) for state, label in grid.legend_states]
            assert all(label in legend or short in legend for label, short in names), (width, legend)
            assert "·" not in legend or legend.rstrip().endswith(("block", "or i", "a cell")), (width, legend)


async def test_options_the_scenario_did_not_set_are_marked_and_the_words_follow_them():
    app = FragApp(get_scenario("seed").build(max_len=1024, used_len=100), scenario="seed")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert screen_text(app).splitlines()[0].lstrip().startswith("seed*")
        words = flat(app.query_one("#sidebar").content.split("what to watch", 1)[1])
        assert words.startswith("The seed scenario, changed: max_len 1024 (scenario: 512); used_len 100 (scenario: 32).")
        assert "⌊4,096 / 1,024⌋ = 4 fit at once" in words and "⌈100 / 16⌉ = 7 blocks" in words
        assert "after 8 admissions" not in words
        await pilot.press("M")  # a what-if: the words follow it
        await pilot.pause()
        assert "⌊4,096 / 2,048⌋ = 2 fit at once" in flat(app.query_one("#sidebar").content)


async def test_the_named_scenario_is_not_marked_and_hand_events_are():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert screen_text(app).splitlines()[0].lstrip().startswith("seed ")
        await pilot.press("a")
        await pilot.pause()
        assert screen_text(app).splitlines()[0].lstrip().startswith("seed*")
        assert "changed: events added by hand" in flat(app.query_one("#sidebar").content)


async def test_rows_line_up_with_max_len_and_pools_grow_on_large_terminals():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        layout = app.query_one("#pool-0").grid_layout
        assert 512 % layout.row_slots == 0  # every 512-slot run starts in the same column
        await pilot.resize_terminal(250, 80)
        await pilot.pause()
        grid = app.query_one("#pool-0")
        layout = grid.grid_layout
        used = layout.width * layout.text_rows / (grid.scrollable_content_region.width * grid.size.height)
        assert layout.slots_per_cell == 1 and used > 0.45  # was 30 %: now bigger cells


async def test_the_editor_shows_its_error_inside_itself_at_80x24():
    from textual.widgets import Input

    app = FragApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one("#edit-block_size", Input)
        box.value = "0"
        box.focus()
        await pilot.press("enter")
        await pilot.pause()
        error = app.screen.query_one("#editor-error")
        dialog = app.screen.query_one("#editor").region
        assert "block_size 0" in str(error.render()) and dialog.contains_region(error.region)


async def test_the_block_size_chart_stays_in_view_at_100x30():
    app = FragApp(get_scenario("block-size").build(), scenario="block-size")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        side = app.query_one("#side")
        lines = screen_text(app).splitlines()[side.region.y:side.region.bottom]
        shown = "\n".join(line[side.region.x:side.region.right] for line in lines)
        assert "block-size trade-off" in shown and "256*" in shown


async def test_zoom_has_no_horizontal_scrollbar_and_notifications_replace_each_other():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("z")
        await pilot.pause()
        grid = app.query_one("#pool-0")
        assert grid.styles.scrollbar_size_horizontal == 0 and grid.scrollable_content_region.height == grid.size.height
        for _ in range(8):
            await pilot.press("t")
        await pilot.pause()
        assert len(app._notifications) == 1


async def test_free_slots_and_request_colours_stand_out_under_every_theme_and_at_256_colours():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        grid = app.query_one("#pool-0")
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            free, background = grid._colour(FREE), grid.base_style.bgcolor

            def key(colour):
                return "default" if colour is None or colour.is_default else colour.get_truecolor()

            def rounded(colour):
                return "default" if colour is None or colour.is_default else colour.downgrade(ColorSystem.EIGHT_BIT).number

            assert key(free) != key(background) or free.name != getattr(background, "name", None), theme
            for owner in range(len(REQUEST_COLOURS)):
                for state in (USED, RESERVED):
                    colour = grid._colour((state, owner))
                    assert key(colour) not in {key(free), key(background)}, (theme, owner, state)
                    assert rounded(colour) not in {rounded(free), rounded(background)}, (theme, owner, state)


@pytest.mark.parametrize("sides", ["contiguous,paged", "first,best,worst,next,buddy,paged"])
async def test_no_sidebar_label_is_cut_at_any_size_with_a_model(sides):
    """Round three found 'reserve…' and two rows reading 'reser…' at 90x30 with --model."""
    app = FragApp(Params(model="opt-13b", sides=sides).validated(), start_step=20)
    async with app.run_test(size=(80, 24)) as pilot:
        for width, height in [(80, 24), (90, 30), (100, 30), (160, 50), (250, 80)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            content = app.query_one("#sidebar").content
            tables = content.split(" admitted ")[0].rsplit("\n\n", 1)[0]  # every band, before the ratio line
            assert "…" not in tables, (width, tables)
            for band in tables.split("\n\n"):  # each band has every label, whole
                starts = [line.split()[0] for line in band.splitlines()[1:]]
                assert "reserved mem" in band and "largest" in starts and starts.count("reserved") == 2, (width, band)
