"""render_line on a tiny pool: the exact glyph and colours of every cell."""

from pathlib import Path

from rich.color import Color
from textual.app import App

import fragtui.tui.app as tui_app
from fragtui.sim.config.params import Params
from fragtui.sim.pool import Change
from fragtui.sim.workload.requests import Arrive, Free, Request
from fragtui.sim.engines.lockstep import Simulation
from fragtui.tui.pool_grid import PoolGrid
from fragtui.tui.request_colours import REQUEST_COLOURS
from fragtui.sim.allocators.adapters import BlockPool, RunPool
from fragtui.view.picture import Picture

CSS = Path(tui_app.__file__).with_name("app.tcss")


class GridHarness(App):
    CSS_PATH = CSS

    def get_theme_variable_defaults(self):
        return {**super().get_theme_variable_defaults(), **tui_app.THEME_DEFAULTS}

    def compose(self):
        yield PoolGrid("contiguous", id="pool-0")
        yield PoolGrid("paged", id="pool-1")


def tiny_sim() -> Simulation:
    """32 slots, block 4, max_len 24: r0 (5 of 8) and r1 (20 of 24) arrive, then r0 leaves.

    contiguous: [0,8) free but stranded (8 < 24), [8,28) used, [28,32) reserved
    paged:      blocks 0–1 free, blocks 2–6 used (20 tokens), block 7 free
    """
    params = Params(total_slots=32, block_size=4, max_len=24, used_len=1).validated()
    events = [Arrive(Request(0, 5, 8)), Arrive(Request(1, 20, 24)), Free(0)]
    return Simulation(params, events).run()


def cells(strip, pad):
    """(glyph, fg, bg) per character after the left padding."""
    out = []
    for segment in strip:
        for char in segment.text:
            out.append((char, segment.style.color if segment.style else None,
                        segment.style.bgcolor if segment.style else None))
    return out[pad:]


def colour(app, name):
    return Color.parse(app.theme_variables[name])


async def test_render_line_gives_each_cell_its_state_colours():
    app = GridHarness()
    sim = tiny_sim()
    async with app.run_test(size=(20, 6)) as pilot:
        contiguous, paged = app.query_one("#pool-0"), app.query_one("#pool-1")
        contiguous.show(Picture(RunPool(sim.allocators[0], 24)), 4, lambda rid: "")
        paged.show(Picture(BlockPool(sim.allocators[1])), 4, lambda rid: "")
        await pilot.pause()
        layout = contiguous.grid_layout
        assert (layout.cells_per_row, layout.slots_per_cell, layout.text_rows) == (16, 1, 1)
        assert contiguous.border_subtitle == "1 slot/cell"  # a narrow pane: the scale, short, goes underneath

        used, reserved = colour(app, "pool-used"), colour(app, "pool-reserved")
        stranded = colour(app, "pool-stranded")
        free = contiguous.get_component_rich_style("pool--free").color
        assert free is not None and len({used, reserved, stranded, free}) == 4

        # Row 0 shows slots 0–15 in the upper halves and slots 16–31 in the lower halves.
        got = cells(contiguous.render_line(0), contiguous._pad)
        expected = [("▀", stranded, used)] * 8 + [("▀", used, used)] * 4 + [("▀", used, reserved)] * 4
        assert got[:16] == expected

        got = cells(paged.render_line(0), paged._pad)
        expected = [("▀", free, used)] * 8 + [("▀", used, used)] * 4 + [("▀", used, free)] * 4
        assert got[:16] == expected


async def test_colour_by_request_uses_each_requests_colour():
    app = GridHarness()
    sim = tiny_sim()
    async with app.run_test(size=(20, 6)) as pilot:
        paged = app.query_one("#pool-1")
        paged.show(Picture(BlockPool(sim.allocators[1])), 4, lambda rid: "")
        paged.set_mode(by_request=True)
        await pilot.pause()
        got = cells(paged.render_line(0), paged._pad)
        r1 = Color.parse(REQUEST_COLOURS[1])
        assert got[8] == ("▀", r1, r1)
        assert got[0][1] == paged.get_component_rich_style("pool--free").color


async def test_a_step_repaints_only_the_rows_it_changed():
    app = GridHarness()
    params = Params(total_slots=4096, max_len=512).validated()
    sim = Simulation(params, [Arrive(Request(i, 32, 512)) for i in range(3)])
    async with app.run_test(size=(100, 40)) as pilot:
        grid = app.query_one("#pool-1")
        pool = BlockPool(sim.allocators[1])
        picture = Picture(pool)
        grid.show(picture, 16, lambda rid: "")
        await pilot.pause()
        for row in range(grid.grid_layout.text_rows):
            grid.render_line(row)
        cached = set(grid._strips)
        record = sim.step_forward()
        grid.patch(picture.apply(pool, Change(replaced=(record.outcomes[1].request_id,))))
        assert cached - set(grid._strips) == {0}  # blocks 0–1 sit in the first row only


async def test_rows_skipped_after_a_tick_still_show_what_a_fresh_render_shows():
    """A cell stands for many slots, and a tick's one-token appends usually leave it looking
    the same: those rows are not repainted. Every row on screen must still match a fresh render,
    by state and by request."""
    from fragtui.sim.config.scenarios import get_scenario
    from fragtui.tui.app import FragApp

    app = FragApp(get_scenario("paper").build(arrivals=80), scenario="paper")
    async with app.run_test(size=(120, 40)) as pilot:
        grids = [app.query_one("#pool-0"), app.query_one("#pool-1")]
        assert all(g.grid_layout.slots_per_cell > 1 for g in grids)
        for colour_key in ("", "c"):
            if colour_key:
                await pilot.press(colour_key)
            for _ in range(30):
                await pilot.press("space")
                await pilot.pause()
                for grid in grids:
                    for row in range(grid.size.height):
                        shown = grid.render_line(row)
                        assert list(shown) == list(grid._render_row(row + grid.scroll_offset.y)
                                                   .extend_cell_length(grid.scrollable_content_region.width,
                                                                       grid.base_style)), row
