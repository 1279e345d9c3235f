"""A monkey at the keyboard: 1,200 random keys from the app's bindings, with random resizes.
Nothing may raise, and whenever the tallies are on screen they must equal the model's."""

import random

from fragtui.sim.config.scenarios import get_scenario
from fragtui.tui.app import MIN_HEIGHT, MIN_WIDTH, FragApp
from fragtui.tui.keys import key_names
from fragtui.view.picture import Picture
from tui_helpers import sim_of, sidebar_rows

# Every key the app binds (but saving files: a screenshot, a recording), and the keys its dialogs use.
KEYS = [key for key in key_names() if key not in ("ctrl+s", "S", "q")] + ["escape", "enter", "down", "up", "tab"]
# Stepping is what a user does most; weight it so runs get deep into the stream.
WEIGHTS = [6 if key in ("space", "right") else 2 if key in ("left", "f", "a") else 1 for key in KEYS]


def tallies_match(app) -> None:
    for picture, pool in zip(app.stage.pictures, app.stage.engine.pools):
        assert picture.states == Picture(pool).states  # patched all the way, still exact
    if app.screen is not app.screen_stack[0]:
        return  # a modal screen is open
    if app.size.width < MIN_WIDTH or app.size.height < MIN_HEIGHT:
        return  # the too-small notice is showing
    if not app.side_shown:
        return  # h or w hid the sidebar
    rows = sidebar_rows(app)
    assert "admitted" in rows or app.stage.mode == "serving", app.query_one("#sidebar").content[:400]
    if app.stage.mode == "serving":
        c, p = app.stage.engine.runs
        running = rows.get("running (batch)") or rows["running"]  # (the compact label when narrow)
        assert running == [str(len(c.running())), str(len(p.running()))]
        assert rows["completed"] == [str(c.metrics().completed), str(p.metrics().completed)]
        return
    c, p = sim_of(app).metrics("contiguous"), sim_of(app).metrics("paged")
    assert rows["admitted"] == [str(c.admitted), str(p.admitted)]
    assert rows["rejected"] == [str(c.rejected), str(p.rejected)]
    assert rows["wasted"] == [str(c.wasted), str(p.wasted)]
    assert rows["used"] == [str(c.used), str(p.used)]


async def test_twelve_hundred_random_keys_and_resizes(no_idle_wait):
    rng = random.Random(2026)
    app = FragApp(get_scenario("churn").build(arrivals=120), scenario="churn")
    async with app.run_test(size=(160, 50)) as pilot:
        for i in range(1200):
            if rng.random() < 0.02:
                await pilot.resize_terminal(rng.randint(20, 250), rng.randint(8, 80))
            await pilot.press(rng.choices(KEYS, WEIGHTS)[0])
            if i % 10 == 0:
                await pilot.pause()
                tallies_match(app)
        while app.screen is not app.screen_stack[0]:
            await pilot.press("escape")
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        tallies_match(app)
