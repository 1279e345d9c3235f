"""fragtui.media: frames from the real app, static and animated SVG, GIF."""

from __future__ import annotations

import asyncio
import re

import pytest
from rich.segment import Segment
from rich.style import Style

from fragtui.media import CellStyle, Frame, add_caption, frame_from_app, frame_from_lines, frame_from_text, merge_repeats

USED = (0x56, 0xB4, 0xE9)  # the theme's pool-used colour
RED, BLUE, GREY = (255, 0, 0), (0, 0, 255), (18, 18, 18)


# -- frames from the real app --------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_frames() -> list[Frame]:
    """The seed at 160×50: steps 0, 1, 2, then step 2 again (unchanged), then step 64."""
    from fragtui.tui.app import FragApp

    async def capture() -> list[Frame]:
        app = FragApp()
        frames = []
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            frames.append(frame_from_app(app))
            for _ in range(2):
                await pilot.press("space")
                await pilot.pause()
                frames.append(frame_from_app(app))
            frames.append(frame_from_app(app))
            await pilot.press("end")
            await pilot.pause()
            frames.append(frame_from_app(app))
        return frames

    return asyncio.run(capture())


def find(frame: Frame, char: str, fg: tuple[int, int, int]) -> tuple[int, int]:
    for y in range(frame.height):
        for x, cell in enumerate(frame.row_cells(y)):
            if cell.char == char and cell.style.fg == fg:
                return x, y
    raise AssertionError(f"no {char!r} in {fg}")


def test_frames_from_the_app_hold_its_text_and_theme_colours(seed_frames):
    first, one, two, again, last = seed_frames
    assert (first.width, first.height) == (160, 50)
    assert "step 0/64" in first.row_text(0) and "step 64/64" in last.row_text(0)
    assert "step 1: r0 arrives" in one.text()
    assert re.search(r"wasted +3840 +0", last.text())
    x, y = find(last, "▀", USED)  # a used slot in the pool grid, drawn in the theme's colour
    assert last.cell(x, y).style.fg == USED
    assert all(len(run[0]) > 0 for row in last.rows for run in row)
    assert all(sum(len(text) for text, _ in row) == 160 for row in last.rows)


def test_identical_screens_make_equal_frames(seed_frames):
    first, one, two, again, last = seed_frames
    assert two == again and hash(two) == hash(again)
    assert first != one != two
    frames, durations = merge_repeats(seed_frames, [1, 1, 1, 0.5, 2])
    assert frames == [first, one, two, last] and durations == [1, 1, 1.5, 2]


def test_reverse_and_dim_resolve_to_plain_colours():
    fg, bg = (200, 200, 200), (0, 0, 0)
    line = [
        Segment("r", Style(color="#ff0000", bgcolor="#0000ff", reverse=True)),
        Segment("d", Style(color="#ffffff", bgcolor="#000000", dim=True)),
        Segment("n", None),
        Segment("\x1b[0m", None, [(1,)]),  # control segments take no cell
        Segment("漢", Style(bold=True)),
    ]
    frame = frame_from_lines([line], 6, 2, fg=fg, bg=bg)
    assert frame.cell(0, 0).style == CellStyle(BLUE, RED)
    assert frame.cell(1, 0).style.fg == (153, 153, 153)  # 40% of the way from white to black
    assert frame.cell(2, 0).style == CellStyle(fg, bg)
    assert frame.cell(3, 0).char == "漢" and frame.cell(3, 0).style.bold  # a wide character: two cells
    assert frame.row_text(0) == "rdn漢 " and frame.row_text(1) == " " * 6


def test_caption_and_crop():
    frame = frame_from_text(["abc", "def"], width=9)
    captioned = add_caption(frame, "hi")
    assert captioned.height == 3 and captioned.row_text(0) == "   hi    " and captioned.cell(3, 0).style.bold
    assert captioned.crop(top=1) == frame
    assert frame.crop(bottom=1).text() == "abc      "
