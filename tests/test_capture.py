"""Screenshots and recordings made by a command; autoplay for presenters."""

import html
import json
import re
import sys
from pathlib import Path

import pytest

from tui_helpers import sim_of
from fragtui.cli import main
from fragtui.tui.app import FragApp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import screenshots  # noqa: E402


def test_screenshot_writes_an_svg_of_the_app_at_that_step(tmp_path, capsys):
    out = tmp_path / "shot.svg"
    assert main(["screenshot", "--steps", "64", "--size", "140x45", "-o", str(out)]) == 0
    svg = out.read_text()
    assert svg.startswith("<svg")
    text = html.unescape(svg).replace("\xa0", " ")
    assert re.search(r"admitted +8 +64", text) and re.search(r"wasted +3840 +0", text)
    assert "step 64/64" in text and "end of scenario" in text
    assert "fragtui · seed · step 64" in text


def test_screenshot_in_request_colour_mode_after_pressing_keys(tmp_path):
    out = tmp_path / "help.svg"
    assert main(["screenshot", "--press", "question_mark", "--color-mode", "request", "-o", str(out)]) == 0
    assert "Internal fragmentation" in html.unescape(out.read_text()).replace("\xa0", " ")


def test_record_writes_asciicast_v2_one_frame_per_step_plus_the_first(tmp_path):
    out = tmp_path / "demo.cast"
    assert main(["record", "--steps", "10", "--fps", "5", "--size", "100x30", "-o", str(out)]) == 0
    header, *events = [json.loads(line) for line in out.read_text().splitlines()]
    assert header["version"] == 2 and (header["width"], header["height"]) == (100, 30)
    assert len(events) == 11
    times = [e[0] for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert times[1] == pytest.approx(0.2)
    assert all(e[1] == "o" and isinstance(e[2], str) for e in events)
    assert events[0][2].startswith("\x1b[?25l\x1b[2J")
    assert "step 0/64" in events[0][2] and "step 10/64" in events[-1][2]
    assert events[-1][2].endswith("\x1b[?25h")


def test_record_to_the_end_by_default(tmp_path):
    out = tmp_path / "ef.cast"
    assert main(["record", "--scenario", "external-frag", "--size", "80x24", "-o", str(out)]) == 0
    events = out.read_text().splitlines()[1:]
    assert len(events) == 16 + 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["screenshot", "--size", "10x5", "-o", "x.svg"], "--size '10x5': must be WIDTHxHEIGHT"),
        (["screenshot", "--color-mode", "rainbow", "-o", "x.svg"], "--color-mode 'rainbow': must be state or request"),
        (["record", "--fps", "0", "-o", "x.cast"], "--fps '0': must be a number from 0.1 to 60"),
        (["record", "-o", "/no/such/dir/x.cast"], "-o /no/such/dir/x.cast: no such directory"),
    ],
)
def test_capture_options_are_checked(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


async def test_autoplay_runs_to_the_end_and_stops():
    app = FragApp(autoplay=True, speed=200)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            await pilot.pause(0.02)
            if sim_of(app).at_end and app._timer is None:
                break
        assert sim_of(app).at_end and app._timer is None
        assert sim_of(app).metrics("paged").admitted == 64


async def test_open_at_a_step():
    app = FragApp(start_step=8)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert sim_of(app).step == 8


def test_the_readme_shows_exactly_the_screenshots_the_script_makes():
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"\(screenshots/([\w.-]+\.svg)\)", readme))
    assert shown == set(screenshots.SHOTS)
    committed = {p.name for p in (ROOT / "screenshots").glob("*.svg")}
    assert committed == set(screenshots.SHOTS)


def test_a_regenerated_screenshot_is_byte_for_byte_the_committed_one(tmp_path):
    screenshots.make(tmp_path, ["seed-step-64.svg"])
    assert (tmp_path / "seed-step-64.svg").read_bytes() == (ROOT / "screenshots" / "seed-step-64.svg").read_bytes()
