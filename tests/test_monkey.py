"""A monkey at the keyboard: 2,000 random keys from the app's bindings, with random resizes.
Nothing may raise, and whenever the tallies are on screen they must equal the model's."""

import asyncio
import random

import pytest
import textual.app

from fragtui.sim.scenarios import get_scenario
from fragtui.tui.app import MIN_HEIGHT, MIN_WIDTH, FragApp
from tui_helpers import sidebar_rows

KEYS = [
    "space", "right", "left", "backspace", "p", "left_square_bracket", "right_square_bracket",
    "home", "end", "r", "f", "a", "m", "M", "u", "U", "k", "K", "t", "T", "o", "O", "c", "z",
    "pageup", "pagedown", "question_mark", "s", "e", "escape", "enter", "down", "up", "tab",
]
# Stepping is what a user does most; weight it so runs get deep into the stream.
WEIGHTS = [6 if key in ("space", "right") else 2 if key in ("left", "f", "a") else 1 for key in KEYS]


def tallies_match(app) -> None:
    if app.screen is not app.screen_stack[0]:
        return  # a modal screen is open
    if app.size.width < MIN_WIDTH or app.size.height < MIN_HEIGHT:
        return  # the too-small notice is showing
    rows = sidebar_rows(app)
    if app.stage.mode == "serving":
        c, p = (app.stage.runs[name] for name in ("contiguous", "paged"))
        assert rows["running (batch)"] == [str(len(c.running())), str(len(p.running()))]
        assert rows["completed"] == [str(c.metrics().completed), str(p.metrics().completed)]
        return
    c, p = app.sim.metrics("contiguous"), app.sim.metrics("paged")
    assert rows["admitted"] == [str(c.admitted), str(p.admitted)]
    assert rows["rejected"] == [str(c.rejected), str(p.rejected)]
    assert rows["wasted"] == [str(c.wasted), str(p.wasted)]
    assert rows["used"] == [str(c.used), str(p.used)]


@pytest.fixture
def no_idle_wait(monkeypatch):
    """Pilot waits ~40 ms of wall time after every key to see the process go idle; the monkey
    checks state itself, so it lets the event loop turn instead (2,000 keys in seconds, not minutes)."""

    async def turn(*args, **kwargs):
        await asyncio.sleep(0)

    monkeypatch.setattr(textual.app, "wait_for_idle", turn)


async def test_two_thousand_random_keys_and_resizes(no_idle_wait):
    rng = random.Random(2026)
    app = FragApp(get_scenario("churn").build(arrivals=120), scenario="churn")
    async with app.run_test(size=(160, 50)) as pilot:
        for i in range(2000):
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
