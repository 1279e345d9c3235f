"""What-if in the TUI: scenarios, the parameter editor, the block-size chart."""

import pytest

from fragtui.sim.config.params import Params
from fragtui.sim.errors import ParamError
from fragtui.sim.config.scenarios import SCENARIOS, get_scenario
from fragtui.view.states import STRANDED
from fragtui.tui.app import FragApp
from fragtui.view.rows import short_number
from tui_helpers import sim_of, screen_text, sidebar_rows


def scenario_app(name):
    return FragApp(get_scenario(name).build(), scenario=name)


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_every_scenario_opens_and_steps_to_its_end(name):
    app = scenario_app(name)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert name in screen_text(app)
        await pilot.press("space", "space", "end")
        await pilot.pause()
        assert app.stage.at_end
        if app.stage.mode == "event":
            metrics = [sim_of(app).metrics(i) for i in range(len(app.stage.sides))]
            rows = sidebar_rows(app)
            for row, read in (("admitted", lambda m: m.admitted), ("wasted", lambda m: m.wasted)):
                # (a narrow sidebar writes large numbers short: 701k)
                assert rows[row] in ([str(read(m)) for m in metrics], [short_number(read(m)) for m in metrics])
        else:
            metrics = [run.metrics() for run in app.stage.engine.runs]
            assert sidebar_rows(app)["completed"] == [str(m.completed) for m in metrics]
            assert {m.completed for m in metrics} == {len(app.stage.engine.workload.requests)}
        await pilot.press("left")
        assert app.stage.step == app.stage.total_steps - 1


async def test_external_frag_shows_stranded_cells_and_the_fragmented_rejection():
    app = scenario_app("external-frag")
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(13):
            await pilot.press("space")
        await pilot.pause()
        text = screen_text(app)
        assert "contiguous: rejected, fragmented: 2048 free but the largest run is 512 < 1024" in text
        assert "paged: blocks 42–60" in text
        assert sidebar_rows(app)["fragmented"] == ["1", "0"]
        grid = app.query_one("#pool-0")
        assert grid.picture.states.count(STRANDED) == 2048
        stranded = grid.get_component_rich_style("pool--stranded").color
        colours = {seg.style.color for row in range(grid.grid_layout.text_rows) for seg in grid.render_line(row)}
        assert stranded in colours


async def test_scenario_picker_opens_the_chosen_scenario():
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "s")
        await pilot.pause()
        assert "free space that cannot be used" in screen_text(app)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.scenario == "external-frag" and sim_of(app).step == 0
        assert app.stage.engine.params.max_len == 1024
        await pilot.press("s", "escape")
        assert app.scenario == "external-frag"


async def test_parameter_editor_applies_good_values_and_replays():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(20):
            await pilot.press("space")
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        editor.query_one("#edit-used_len").value = "33"
        editor.query_one("#edit-block_size").value = "8"
        await pilot.press("enter")
        await pilot.pause()
        assert (app.stage.engine.params.used_len, app.stage.engine.params.block_size) == (33, 8)
        assert sim_of(app).step == 20
        assert sidebar_rows(app)["wasted"] == [str(8 * 479), str(20 * 7)]
        assert "seed*" in screen_text(app)


async def test_parameter_editor_names_a_bad_value_inline_and_keeps_everything():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(20):
            await pilot.press("space")
        before = sim_of(app).snapshot()
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        editor.query_one("#edit-block_size").value = "0"
        editor.query_one("#edit-max_len").value = "1024"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is editor  # still open, with the error
        error = str(editor.query_one("#editor-error").content)
        assert "block_size 0: must be a whole number from 1 to 16,777,216" in error
        editor.query_one("#edit-block_size").value = "16"
        editor.query_one("#edit-lengths").value = "uniform:9:3"
        await pilot.press("enter")
        await pilot.pause()
        assert "lengths 'uniform:9:3'" in str(editor.query_one("#editor-error").content)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not editor
        assert app.stage.engine.params.max_len == 512 and sim_of(app).step == 20
        assert sim_of(app).snapshot() == before


async def test_a_missing_trace_in_the_editor_is_an_inline_error():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#edit-trace").value = "/nonexistent/trace.csv"
        await pilot.press("enter")
        await pilot.pause()
        assert "/nonexistent/trace.csv: cannot read" in str(app.screen.query_one("#editor-error").content)
        assert app.stage.engine.params.trace is None


async def test_block_size_scenario_charts_the_trade_off():
    app = scenario_app("block-size")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        sidebar = str(app.query_one("#sidebar").content)
        chart = sidebar[sidebar.index("block-size trade-off"):]
        lines = [[word for word in line.split() if word[0].isdigit()] for line in chart.splitlines()[2:7]]
        assert [tuple(line) for line in lines] == [
            ("1", "0", "2112"), ("4", "192", "576"), ("16", "960", "192"), ("64", "1984", "64"), ("256*", "3568", "16")
        ]
        assert "* block 256: only 16 admitted" in chart
        await pilot.press("K")
        await pilot.pause()
        assert app.stage.engine.params.block_size == 32


async def test_kv_sizing_shows_memory_beside_slots():
    app = FragApp(get_scenario("seed").build(kv_memory="512MiB", model="llama-3-8b"))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert app.stage.engine.params.total_slots == 4096
        assert "4,096 slots = 512 MiB of llama-3-8b" in screen_text(app)


async def test_what_if_keys_act_on_the_focused_side_or_on_every_side_that_takes_the_option():
    params = Params(sides="paged:block_size=8,paged:block_size=16", used_len=33).validated()
    app = FragApp(params, scenario="seed")
    async with app.run_test(size=(160, 50)) as pilot:
        app.goto(10)
        await pilot.press("tab", "tab")  # the second pane
        await pilot.pause()
        assert app.focused_side() == 1
        await pilot.press("k")
        assert app.stage.params.sides == "paged:block_size=8,paged:block_size=8" and app.stage.step == 10
        app.set_focus(None)
        await pilot.press("K")  # no focus: every side that takes it, each from its own value
        assert app.stage.params.sides == "paged:block_size=16,paged:block_size=16"
        assert all(grid.border_title.startswith("paged 16") for grid in app.grids)


async def test_on_the_seed_a_block_size_key_is_the_runs_whichever_pane_has_focus():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("tab")  # contiguous has focus; it takes no block_size, so paged (the only taker) does
        assert app.focused_side() == 0
        await pilot.press("k")
        assert (app.stage.params.block_size, app.stage.params.sides) == (8, "contiguous,paged")
        await pilot.press("o")  # the focused contiguous side, the only one: the run's placement
        assert (app.stage.params.placement, app.stage.params.sides) == ("best", "contiguous,paged")


async def test_o_on_one_of_several_contiguous_sides_changes_that_side_alone():
    app = FragApp(get_scenario("placements").build(), scenario="placements")
    async with app.run_test(size=(160, 50)) as pilot:
        app.grid(2).focus()  # worst
        await pilot.press("o")
        assert app.stage.params.sides == "first,best,next,next,buddy"
        assert app.grid(2).border_title.startswith("next #")  # two nexts now: numbered apart
        app.set_focus(None)
        await pilot.press("R")  # every contiguous side: the run's reservation, none pins one
        assert app.stage.params.reservation == "oracle"


@pytest.mark.parametrize("scenario", ["paper", "placements"])
async def test_at_80x24_every_side_has_its_pane_and_its_name(scenario):
    app = FragApp(get_scenario(scenario).build(), scenario=scenario)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        labels = [side.label for side in app.stage.sides]
        assert len(app.grids) == len(labels)
        for grid, label in zip(app.grids, labels):
            assert grid.border_title.startswith(label) and grid.size.width >= 16 and grid.size.height >= 2
        header = screen_text(app).splitlines()[0]
        assert header.strip().startswith(scenario)


async def test_six_sides_at_80x24_go_in_bands_whose_labels_read_and_widen_to_one_table():
    params = Params(sides="first,best,worst,next,buddy,paged").validated()
    app = FragApp(params, start_step=12)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first, second = str(app.query_one("#sidebar").content).split("\n\n")[:2]
        assert first.splitlines()[0].split() == ["first", "best", "worst"]
        assert second.splitlines()[0].split() == ["next", "buddy", "paged"]
        assert [line.split()[0] for line in first.splitlines()[1:3]] == ["admitted", "rejected"]
        assert "…" not in first + second
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert sidebar_rows(app)["admitted"] == ["8", "8", "8", "8", "8", "12"]
        narration = screen_text(app).splitlines()[1]
        assert "first, best, worst, next, buddy: rejected, pool full (needs 512) · paged: blocks 22–23" in narration


async def test_a_parameter_the_run_does_not_read_is_refused_by_its_key_and_in_the_editor():
    app = FragApp(get_scenario("churn").build(), scenario="churn")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("U")  # lengths come from --lengths: the key says so
        await pilot.pause()
        assert any("has no effect here: lengths come from --lengths" in n.message for n in app._notifications)
        before = app.stage.params
        with pytest.raises(ParamError, match="used-len 100: has no effect here: lengths come from --lengths"):
            app.stage.set_params(used_len=100)
        assert app.stage.params == before
