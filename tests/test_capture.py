"""Screenshots and recordings made by a command; autoplay for presenters."""

import importlib.util
import io
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from terminal import Terminal
from tui_helpers import sim_of
from fragtui.cli import main
from fragtui.tui.app import FragApp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import screenshots  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
CELL_W, CELL_H = 10, 20  # fragtui.media.svg's cell, in SVG units
KEY_BAR, HINT = "quit", "point at a cell"  # words only the key bar and the hover hint show


def svg_screen(svg: str) -> list[str]:
    """The characters a static SVG (or an animation's first frame) shows, row by row."""
    root = ET.fromstring(svg)
    width, height = int(root.get("width")) // CELL_W, int(root.get("height")) // CELL_H
    rows = [[" "] * width for _ in range(height)]
    overlays = {id(t) for g in root.iter(SVG + "g") if g.get("class") == "o" for t in g.iter(SVG + "text")}
    for text in root.iter(SVG + "text"):
        if id(text) in overlays:
            continue
        x, y = round(float(text.get("x")) / CELL_W), int(float(text.get("y")) // CELL_H)
        for i, char in enumerate(text.text):
            rows[y][x + i] = char
    return ["".join(row) for row in rows]


def cast_screens(path: Path) -> tuple[dict, list[tuple[float, list[str]]], list]:
    """An asciicast's header, the screen after each event (colours dropped), and its events."""
    header, *events = [json.loads(line) for line in path.read_text().splitlines()]
    terminal = Terminal(header["width"], header["height"])
    screens = []
    for at, kind, data in events:
        assert kind == "o"
        terminal.feed(data)
        screens.append((at, terminal.text()))
    return header, screens, events


def assert_clean(lines: list[str]) -> None:
    text = "\n".join(lines)
    for word in (KEY_BAR, HINT, "paused", "playing", "end of scenario"):
        assert word not in text, word


# -- screenshots -----------------------------------------------------------------------------


def test_screenshot_writes_a_self_contained_svg_of_the_app_at_that_step(tmp_path, capsys):
    out = tmp_path / "shot.svg"
    assert main(["screenshot", "--steps", "64", "--size", "140x45", "-o", str(out)]) == 0
    svg = out.read_text()
    assert svg.startswith("<svg") and "@font-face" not in svg and "http" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")  # no web font: the same picture with no network
    text = "\n".join(svg_screen(svg))
    assert re.search(r"admitted +8 +64", text) and re.search(r"wasted +3840 +0", text)
    assert "step 64/64" in text and "end of scenario" in text and KEY_BAR in text and HINT in text
    assert ET.fromstring(svg).find(SVG + "title").text == "fragtui · seed · step 64"
    assert len(svg_screen(svg)) == 45 and len(svg_screen(svg)[0]) == 140


def test_screenshot_at_a_jump_clean_with_a_caption(tmp_path):
    out = tmp_path / "frag.svg"
    assert main(["screenshot", "--scenario", "external-frag", "--at", "next-fragmented,next-fragmented", "--clean",
                 "--caption", "the second fragmented rejection", "--size", "100x30", "-o", str(out)]) == 0
    lines = svg_screen(out.read_text())
    assert len(lines) == 30 and lines[0].strip() == "the second fragmented rejection"
    assert "step 16/16" in lines[1] and "fragmented" in "\n".join(lines[2:4])
    assert_clean(lines)


def test_screenshot_in_request_colour_mode_after_pressing_keys(tmp_path):
    out = tmp_path / "help.svg"
    assert main(["screenshot", "--press", "question_mark", "--color-mode", "request", "-o", str(out)]) == 0
    assert "Internal fragmentation" in "\n".join(svg_screen(out.read_text()))


# -- asciicast -------------------------------------------------------------------------------


def test_record_writes_asciicast_v2_one_event_per_frame_then_the_end(tmp_path, capsys):
    out = tmp_path / "demo.cast"
    assert main(["record", "--steps", "10", "--fps", "5", "--size", "100x30", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: 11 frames, steps 0 to 10\n"
    header, screens, events = cast_screens(out)
    assert header["version"] == 2 and (header["width"], header["height"]) == (100, 30)
    assert len(events) == 11 + 1  # a frame per step shown, then the cursor back when the last frame is over
    assert [e[0] for e in events] == pytest.approx([0.2 * i for i in range(12)])
    assert events[0][2].startswith("\x1b[?25l\x1b[2J") and events[-1][2] == "\x1b[?25h"
    for step in range(11):
        assert f"step {step}/64" in screens[step][1][0]
    assert "playing" in screens[0][1][0] and KEY_BAR in screens[0][1][-1]  # not clean: as the app shows itself
    sizes = [len(data) for _, _, data in events[:-1]]
    assert max(sizes[1:]) < sizes[0] / 5  # after the first frame, only what changed


def test_record_from_to_every_and_hold_give_exact_frames(tmp_path):
    out = tmp_path / "part.cast"
    assert main(["record", "--from", "3", "--to", "20", "--every", "5", "--hold", "1.5", "--fps", "4",
                 "--size", "80x24", "-o", str(out)]) == 0
    _, screens, events = cast_screens(out)
    steps = [int(re.search(r"step (\d+)/64", lines[0]).group(1)) for _, lines in screens[:-1]]
    assert steps == [3, 8, 13, 18, 20]  # every 5 steps, and always the last
    assert [e[0] for e in events] == pytest.approx([0, 1.5, 1.75, 2.0, 2.25, 3.75])


def test_record_to_the_end_by_default_and_from_a_jump(tmp_path):
    out = tmp_path / "ef.cast"
    assert main(["record", "--scenario", "external-frag", "--size", "80x24", "-o", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 1 + 17 + 1
    assert main(["record", "--scenario", "external-frag", "--from", "next-fragmented,-2", "--to", "next-fragmented",
                 "--clean", "--caption", "fragmented", "--size", "80x25", "-o", str(out)]) == 0
    header, screens, _ = cast_screens(out)
    assert header["height"] == 25
    assert [re.search(r"step (\d+)/16", lines[1]).group(1) for _, lines in screens[:-1]] == ["11", "12", "13"]
    for _, lines in screens:
        assert lines[0].strip() == "fragmented"
        assert_clean(lines)


def test_record_serving_mode_from_its_first_rejection(tmp_path, capsys):
    out = tmp_path / "paper.cast"
    assert main(["record", "--scenario", "paper", "--from", "first-rejection", "--to", "+2", "--size", "80x24",
                 "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: 3 frames, ticks 81 to 83\n"
    _, screens, _ = cast_screens(out)
    assert [re.search(r"tick (\d+)/", lines[0]).group(1) for _, lines in screens[:-1]] == ["81", "82", "83"]


# -- animated SVG and GIF ----------------------------------------------------------------------


def test_record_an_animated_svg_clean_and_captioned(tmp_path):
    out = tmp_path / "seed.svg"
    assert main(["record", "--to", "8", "--fps", "4", "--hold", "1", "--clean", "--caption", "the seed",
                 "--size", "100x30", "-o", str(out)]) == 0
    svg = out.read_text()
    root = ET.fromstring(svg)  # well formed
    assert (root.get("width"), root.get("height")) == ("1000", "600")
    style = root.find(SVG + "style").text
    assert float(re.search(r"animation-duration:([\d.]+)s", style).group(1)) == pytest.approx(1 + 7 * 0.25 + 1)
    overlays = [g for g in root.iter(SVG + "g") if g.get("class") == "o"]
    assert len(overlays) == len(re.findall(r"@keyframes", style)) == 8  # 9 frames: the first, then 8 overlays
    first = svg_screen(svg)
    assert first[0].strip() == "the seed" and "step 0/64" in first[1]
    assert_clean(first)
    assert "8/64" in [t.text for t in overlays[-1].iter(SVG + "text")]
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.skipif(importlib.util.find_spec("PIL") is None, reason="Pillow (fragtui[media]) is not installed")
def test_record_the_seed_as_a_gif_under_a_megabyte(tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "seed.gif"
    assert main(["record", "--clean", "--caption", "the seed", "--fps", "8", "--hold", "2", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: 65 frames, steps 0 to 64\n"
    data = out.read_bytes()
    assert data.startswith(b"GIF89a") and len(data) < 1_000_000
    image = Image.open(io.BytesIO(data))
    durations = []
    for k in range(image.n_frames):
        image.seek(k)
        durations.append(image.info["duration"])
    assert image.size == (160 * 7, 50 * 14) and image.n_frames == 65
    assert durations[0] == durations[-1] == 2000 and set(durations[1:-1]) == {120, 130}  # 125 ms, to 10 ms
    assert abs(sum(durations) - (2000 + 63 * 125 + 2000)) <= 5


def test_gif_without_pillow_is_one_line_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now fails
    out = tmp_path / "x.gif"
    assert main(["record", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "fragtui: GIF output needs Pillow, which is not installed: pip install 'fragtui[media]'\n"
    assert not out.exists()


@pytest.mark.parametrize("argv, message", [
    (["--scenario", "paper", "-o", "x.svg"], "record: 100,537 frames (ticks 0 to 100,536, every 1) is more than 3,000, "
                                             "the most a .svg recording of 160x50 takes"),
    (["--scenario", "paper", "--every", "10", "--size", "500x200", "-o", "x.gif"],
     "record: 10,055 frames (ticks 0 to 100,536, every 10) is more than 240, the most a .gif recording of 500x200 takes"),
    (["--scenario", "paper", "--every", "33", "-o", "x.gif"], "use --every 34 or more"),
    (["--arrivals", "30000", "-o", "x.cast"], "record: 30,001 frames (steps 0 to 30,000, every 1) is more than 20,000"),
])
def test_long_recordings_are_refused_before_they_start(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    assert main(["record", *argv]) == 2
    assert time.perf_counter() - started < 5 and list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["screenshot", "--size", "10x5", "-o", "x.svg"], "--size '10x5': must be WIDTHxHEIGHT"),
    (["screenshot", "--color-mode", "rainbow", "-o", "x.svg"], "--color-mode 'rainbow': must be state or request"),
    (["record", "--fps", "0", "-o", "x.cast"], "--fps '0': must be a number from 0.1 to 60"),
    (["record", "-o", "/no/such/dir/x.cast"], "-o /no/such/dir/x.cast: no such directory"),
])
def test_capture_options_are_checked(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


async def test_autoplay_runs_to_the_end_and_stops():
    app = FragApp(autoplay=True, speed=200)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            await pilot.pause(0.02)
            if sim_of(app).at_end and not app.playback.playing:
                break
        assert sim_of(app).at_end and not app.playback.playing
        assert sim_of(app).metrics("paged").admitted == 64


async def test_open_at_a_step():
    app = FragApp(start_step=8)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert sim_of(app).step == 8


def test_the_readme_shows_exactly_the_pictures_the_script_makes():
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"\(screenshots/([\w.-]+\.svg)\)", readme)
    assert set(shown) == set(screenshots.SHOTS) | set(screenshots.RECORDINGS)
    assert shown[0] in screenshots.RECORDINGS  # the README opens with an animation
    committed = {p.name for p in (ROOT / "screenshots").glob("*.svg")}
    assert committed == set(screenshots.SHOTS) | set(screenshots.RECORDINGS)


@pytest.mark.parametrize("name", ["seed-step-0.svg", "seed-animation.svg"])
def test_a_regenerated_picture_is_byte_for_byte_the_committed_one(tmp_path, name):
    screenshots.make(tmp_path, [name])
    assert (tmp_path / name).read_bytes() == (ROOT / "screenshots" / name).read_bytes()


def test_a_screenshot_after_chart_keys_is_drawn_without_a_word_on_stderr(tmp_path, capsys):
    out = tmp_path / "x.svg"
    assert main(["screenshot", "--scenario", "prefix-cache", "--press", "y,y", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"wrote {out}\n" and captured.err == ""
    assert "max_len: admitted at the end" in "\n".join(svg_screen(out.read_text()))


@pytest.mark.parametrize("argv", [["screenshot", "--press", "c"], ["record", "--to", "3"]])
def test_an_app_that_fails_makes_the_capture_fail_in_one_line(argv, tmp_path, monkeypatch, capsys):
    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(FragApp, "action_colour_mode", broken)
    real = FragApp.show_changes
    monkeypatch.setattr(FragApp, "show_changes", lambda self, c: broken(self) if self.stage.step > 2 else real(self, c))
    out = tmp_path / ("x.svg" if argv[0] == "screenshot" else "x.cast")
    out.write_text("old")
    assert main([*argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "fragtui: the app failed (RuntimeError: a bug)\n"
    assert out.read_text() == "old"


# -- scripted recordings -------------------------------------------------------------------------

SCRIPT = """# the seed, then a what-if
caption The seed
step 3          # three frames, a step each
hold 2
press U         # used_len 33
caption After a what-if
goto end
step 2 every 5  # (at the end: it stays there)
"""


def test_a_script_records_steps_keys_jumps_holds_and_captions(tmp_path, capsys):
    script = tmp_path / "demo.tape"
    script.write_text(SCRIPT)
    out = tmp_path / "demo.cast"
    assert main(["record", "--script", str(script), "--size", "100x30", "--fps", "4", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: 7 frames, steps 1 to 64\n"
    header, screens, events = cast_screens(out)
    assert header["height"] == 30
    steps = [int(re.search(r"step (\d+)/64", lines[1]).group(1)) for _, lines in screens[:-1]]
    assert steps == [1, 2, 3, 3, 64, 64, 64]
    assert [lines[0].strip() for _, lines in screens[:-1]] == ["The seed"] * 4 + ["After a what-if"] * 3
    assert [e[0] for e in events] == pytest.approx([0, 0.25, 0.5, 2.75, 3.0, 3.25, 3.5, 3.75])  # hold: 2 s more
    assert "used 32" in screens[2][1][1] and "used 33" in screens[3][1][1]  # the key's what-if, on screen


@pytest.mark.parametrize("text, error", [
    ("step 3\nbogus 4\n", "line 2: 'bogus 4': 'bogus' is not a command"),
    ("hold 2\n", "line 1: 'hold 2': holds no frame"),
    ("step 3 every 0\n", "line 1: 'step 3 every 0': must be a whole number from 1"),
    ("goto next-fragmented\n", "line 1: --goto 'next-fragmented': next-fragmented: no fragmented rejection"),
    ("press\n", "line 1: 'press': presses nothing"),
    ("# nothing\n", "names no frame"),
    ("step 15000\nstep 15000\n", "line 2: the script passes 20,000 frames"),
])
def test_a_bad_script_is_refused_in_one_line_naming_its_line(tmp_path, capsys, text, error):
    script = tmp_path / "bad.tape"
    script.write_text(text)
    out = tmp_path / "bad.cast"
    assert main(["record", "--script", str(script), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and error in err and not out.exists()


def test_a_script_cannot_be_combined_with_the_range_options(tmp_path, capsys):
    script = tmp_path / "s.tape"
    script.write_text("step 2\n")
    assert main(["record", "--script", str(script), "--every", "3", "-o", str(tmp_path / "x.cast")]) == 2
    assert "cannot be combined with --every" in capsys.readouterr().err


def test_a_picture_ends_what_to_watch_at_a_whole_sentence_never_mid_sentence(tmp_path):
    from fragtui.sim.config.scenarios import get_scenario

    out = tmp_path / "pc.svg"
    assert main(["screenshot", "--scenario", "prefix-cache", "--steps", "49", "--size", "120x40", "-o", str(out)]) == 0
    lines = svg_screen(out.read_text())
    top = next(i for i, line in enumerate(lines) if "what to watch" in line)
    column = lines[top].index("what to watch")
    words = " ".join(line[column:].strip() for line in lines[top + 1:-3]).strip()
    about = " ".join(get_scenario("prefix-cache").about.split())
    assert words.endswith(". …") and about.startswith(words[:-2].strip())  # whole sentences, then …


def test_a_screenshot_is_where_a_script_leaves_the_app_under_its_last_caption(tmp_path, capsys):
    script = tmp_path / "demo.tape"
    script.write_text(SCRIPT)
    out = tmp_path / "shot.svg"
    assert main(["screenshot", "--script", str(script), "--size", "100x30", "-o", str(out)]) == 0
    lines = svg_screen(out.read_text())
    assert lines[0].strip() == "After a what-if" and "step 64/64" in lines[1] and "used 33" in lines[1]
    assert main(["screenshot", "--script", str(script), "--press", "U", "-o", str(out)]) == 2
    assert "cannot be combined with --press" in capsys.readouterr().err


def test_a_picture_gives_up_the_trends_before_a_word_of_what_to_watch(tmp_path):
    from fragtui.sim.config.scenarios import get_scenario

    out = tmp_path / "pc.svg"
    assert main(["screenshot", "--scenario", "prefix-cache", "--steps", "49", "-o", str(out)]) == 0  # 160×50
    lines = svg_screen(out.read_text())
    top = next(i for i, line in enumerate(lines) if "what to watch" in line)
    column = lines[top].index("what to watch")
    words = " ".join(line[column:].strip() for line in lines[top + 1:-3]).split()
    assert words == get_scenario("prefix-cache").about.split()  # whole
    assert "waste share over steps" not in "\n".join(lines)  # (the sparklines gave way; the table has the numbers)
