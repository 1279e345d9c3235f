"""`fragtui serve` in a real browser: headless Chromium opens the page, sees the app draw, presses
keys (step, a what-if, help) and sees the screen change, takes a PNG screenshot, and receives
ctrl+s's and S's files as downloads; two tabs at once stay independent; the cap on sessions
holds, and frees a place when a tab closes.

The browser is Debian's Chromium (`apt-get install chromium`; $FRAGTUI_CHROMIUM names another),
driven by Playwright through its executable path: no `playwright install`, no browser download.
Where either is missing the tests are skipped and say why (pytest -rs prints it; .ci/run tries
to install both). What a tab shows is read twice: as pixels (its PNG screenshots) and as the
text the app sent it (the websocket's frames, escapes removed: tests/serving.py).

`FRAGTUI_BROWSER_SHOT=screenshots/browser.png pytest tests/test_browser.py` keeps the first
test's screenshot there: the README's picture of the app in a browser."""

import importlib.util
import io
import os
import shutil
import time

import pytest

from serving import Served, chromium, shown

if importlib.util.find_spec("playwright") is None:
    pytest.skip("the browser tests need Playwright (pip install playwright), which is not installed",
                allow_module_level=True)
if chromium() is None:
    pytest.skip(f"the browser tests need Chromium at {os.environ.get('FRAGTUI_CHROMIUM', '/usr/bin/chromium')} "
                "(apt-get install chromium, or set FRAGTUI_CHROMIUM), which is not there", allow_module_level=True)

from PIL import Image  # noqa: E402  (the test extra has Pillow)
from playwright.sync_api import BrowserContext, sync_playwright  # noqa: E402

# Headless, and nothing reached for but the page: without the last flags Chromium's own
# connections (updates, sync, field trials) fail noisily where there is no network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZE = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("served"), "--sessions", "2")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_playwright() as playwright:
        chrome = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        yield chrome
        chrome.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(accept_downloads=True, viewport=SIZE)
    yield context
    context.close()


class BrowserTab:
    """A tab of the browser on the server's page: its keys and what it shows."""

    def __init__(self, context: BrowserContext) -> None:
        self.page = context.new_page()
        self.frames: list[str] = []
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload: str | bytes) -> None:
        self.frames.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

    def open(self, url: str) -> "BrowserTab":
        self.page.goto(url)
        self.page.wait_for_selector("body.-first-byte", timeout=20_000)  # textual.js: the app's first bytes
        self.page.focus("textarea.xterm-helper-textarea")  # where xterm.js takes keys, as a click gives it
        return self

    def forget(self) -> None:
        self.frames.clear()

    def sees(self, text: str, timeout: float = 15) -> None:
        end = time.monotonic() + timeout
        while text not in shown("".join(self.frames)):
            assert time.monotonic() < end, f"the tab never showed {text!r}: {shown(''.join(self.frames))[-300:]!r}"
            self.page.wait_for_timeout(50)

    def shows(self, text: str) -> bool:
        return text in shown("".join(self.frames))

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def png(self) -> bytes:
        return self.page.screenshot(type="png")


def colours(png: bytes) -> int:
    """How many colours a screenshot has: a page that drew nothing has one or two."""
    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16))


def test_the_app_draws_answers_keys_and_sends_its_files(context, served, tmp_path):
    tab = BrowserTab(context).open(served.url)
    tab.sees("seed  step 0/64")
    first = tab.png()
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(first)).size == (1280, 720)
    assert colours(first) > 5  # the pools, the sidebar, the legend's colours

    tab.forget()
    tab.press("Space")
    tab.sees("step 1/64")
    tab.forget()
    tab.press("Shift+U")  # a what-if: 33 tokens a request, replayed to this step
    tab.sees("used_len 33: replayed to step 1")
    tab.forget()
    tab.press("?")
    tab.sees("What you are looking at")
    tab.press("Escape")
    tab.forget()
    tab.press("End")
    tab.sees("step 64/64")
    tab.page.wait_for_timeout(2000)  # (the what-if's notice gone: it shows for 2 seconds)
    last = tab.png()
    assert last != first and colours(last) > 5
    (tmp_path / "browser.png").write_bytes(last)
    if os.environ.get("FRAGTUI_BROWSER_SHOT"):
        shutil.copyfile(tmp_path / "browser.png", os.environ["FRAGTUI_BROWSER_SHOT"])

    with tab.page.expect_download() as screenshot:
        tab.press("Control+s")
    assert screenshot.value.suggested_filename == "fragtui-seed-step-64.svg"
    assert open(screenshot.value.path(), "rb").read(4) == b"<svg"
    with tab.page.expect_download() as recording:
        tab.press("Shift+S")
    assert recording.value.suggested_filename == "fragtui-seed-steps-0-64.svg"
    assert "<title>fragtui · seed · steps 0–64</title>" in open(recording.value.path(), encoding="utf-8").read()
    assert list(served.folder.iterdir()) == []  # nothing written on the server


def test_two_tabs_stay_independent_and_the_cap_holds(context, served):
    served.settle()  # (the last test's tab has gone)
    before = served.started
    first, second = BrowserTab(context).open(served.url), BrowserTab(context).open(served.url)
    first.sees("step 0/64")
    second.sees("step 0/64")
    second.forget()
    first.press("Space", "Space", "Space")
    first.sees("step 3/64")
    second.page.wait_for_timeout(300)
    assert not any(second.shows(f"step {n}/64") for n in (1, 2, 3))  # the other tab did not move
    second.press("Space")
    second.sees("step 1/64")  # its own run: 1, not 4

    third = BrowserTab(context)
    third.page.goto(served.url)
    assert "The class is full" in third.page.inner_text("body")
    assert "at most 2 sessions at once, and 2 are running now" in third.page.inner_text("body")
    first.forget()
    first.press("Space")
    first.sees("step 4/64")  # the sessions running go on

    first.page.close()  # a place comes free: the next tab gets the app
    served.log_has(f"session {before + 1} ended (its tab closed or its connection dropped): 1 of 2 running")
    third.open(served.url)
    third.sees("step 0/64")
