"""fragtui.media: frames from the real app, static and animated SVG, GIF."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from rich.segment import Segment
from rich.style import Style

from fragtui.media import CellStyle, Frame, add_caption, frame_from_app, frame_from_lines, frame_from_text, merge_repeats
from fragtui.media import gif_bytes, svg_animation, svg_frame, write_gif
from fragtui.media.layout import changed_spans
from fragtui.sim.errors import FragtuiError

SVG = "{http://www.w3.org/2000/svg}"
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


def test_rows_are_cut_or_padded_to_the_width():
    red, blue = Style(color="#ff0000"), Style(color="#0000ff")
    frame = frame_from_lines([[Segment("abc", red), Segment("de", blue)], [Segment("ab漢", red)], []], 3, 3)
    assert frame.rows[0] == (("abc", frame.cell(0, 0).style),)  # no empty run for the cut "de"
    assert frame.row_text(1) == "ab " and frame.row_text(2) == "   "  # half a wide character is a space
    assert frame == frame_from_lines([[Segment("a", red), Segment("bc", red)], [Segment("ab ", red)]], 3, 3)


def test_caption_and_crop():
    frame = frame_from_text(["abc", "def"], width=9)
    captioned = add_caption(frame, "hi")
    assert captioned.height == 3 and captioned.row_text(0) == "   hi    " and captioned.cell(3, 0).style.bold
    assert captioned.crop(top=1) == frame
    assert frame.crop(bottom=1).text() == "abc      "


# -- static SVG ----------------------------------------------------------------------------


def paths(svg: str) -> dict[str, list[str]]:
    """fill colour -> the `d` of each filled path, in order."""
    out: dict[str, list[str]] = {}
    for path in ET.fromstring(svg).iter(SVG + "path"):
        if path.get("fill") not in (None, "none"):
            out.setdefault(path.get("fill"), []).append(path.get("d"))
    return out


def rects(ds: list[str]) -> set[str]:
    """The rectangles of some path data, each `Mx yhWvHh-Wz`."""
    return {m + "z" for d in ds for m in d.split("z") if m}


def assert_self_contained(svg: str) -> None:
    root = ET.fromstring(svg)  # well formed
    assert root.tag == SVG + "svg"
    without_namespace = svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for banned in ("http:", "https:", "@import", "href", "<script", "@font-face", "<image", "<foreignObject"):
        assert banned not in without_namespace, banned
    assert re.findall(r"url\((.)", svg) == ["#"] * svg.count("url(")  # only references inside the document
    assert not list(root.iter(SVG + "script"))


def test_static_svg_draws_blocks_and_backgrounds_as_exact_rectangles():
    frame = frame_from_text(
        ["█▀ ▄", "ab─│"],
        styles={"x": CellStyle(RED, BLUE), "g": CellStyle(GREY, RED)},
        masks=["xx g", "    "],
    )
    svg = svg_frame(frame, cell=(10, 20))
    assert_self_contained(svg)
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("40", "40", "0 0 40 40")
    found = paths(svg)
    assert found["#0000ff"] == ["M0 0h20v20h-20z"]  # cells 0-1 of row 0: one background run
    # █ a full cell, ▀ the upper half (10 of 20); ▄ at x=3 is in the background colour
    assert rects(found["#ff0000"]) == {"M0 0h10v20h-10z", "M10 0h10v10h-10z", "M30 0h10v20h-10z"}
    assert found["#121212"] == ["M30 10h10v10h-10z"]  # ▄ in its foreground over the red background
    # ─ a horizontal line through the middle of cell 2, │ a vertical one through cell 3
    assert rects(found["#e0e0e0"]) == {"M20 29.4h10v1.2h-10z", "M34.4 20h1.2v20h-1.2z"}
    texts = list(root.iter(SVG + "text"))
    assert [(t.text, t.get("x"), t.get("textLength"), t.get("lengthAdjust")) for t in texts] == [
        ("ab", "0", "20", "spacingAndGlyphs")
    ]


def test_static_svg_of_the_app_is_small_and_self_contained(seed_frames):
    svg = svg_frame(seed_frames[-1], title="fragtui · seed")
    assert_self_contained(svg)
    assert len(svg) < 60_000
    root = ET.fromstring(svg)
    assert root.find(SVG + "title").text == "fragtui · seed"
    words = " ".join(t.text for t in root.iter(SVG + "text"))
    assert "admitted" in words and "3840" in words
    for text in root.iter(SVG + "text"):  # every run spans exactly its cells
        assert float(text.get("textLength")) == 10 * len(text.text)


# -- animated SVG --------------------------------------------------------------------------


def keyframes(svg: str) -> tuple[float, dict[str, float]]:
    style = ET.fromstring(svg).find(SVG + "style").text
    duration = float(re.search(r"\.o\{[^}]*animation-duration:([\d.]+)s", style).group(1))
    starts = {name: float(at) for name, at in re.findall(r"@keyframes (\w+)\{0%\{opacity:0\}([\d.]+)%,to\{opacity:1\}\}", style)}
    return duration, starts


def test_animated_svg_shows_each_frame_from_its_start_to_the_end_of_the_loop(seed_frames):
    durations = [1.0, 0.25, 0.25, 0.25, 2.0]  # frames 2 and 3 are equal: one slot of 0.5 s
    svg = svg_animation(seed_frames, durations)
    assert_self_contained(svg)
    root = ET.fromstring(svg)
    duration, starts = keyframes(svg)
    assert duration == pytest.approx(3.75)
    overlays = [g for g in root.iter(SVG + "g") if g.get("class") == "o"]
    names = [g.get("style").removeprefix("animation-name:") for g in overlays]
    assert len(names) == 3 and set(names) == set(starts)
    # overlay k appears when frame k starts: 1.0 s, 1.25 s, 1.75 s into the 3.75 s loop
    assert [starts[name] / 100 * duration for name in names] == pytest.approx([1.0, 1.25, 1.75], abs=1e-4)
    style = root.find(SVG + "style").text
    assert "animation-timing-function:step-end" in style and "animation-iteration-count:infinite" in style
    # an overlay holds only what changed: the step-1 overlay is far smaller than a whole frame
    assert len(ET.tostring(overlays[0])) < len(svg_frame(seed_frames[1])) / 3
    overlay_words = [t.text for t in overlays[0].iter(SVG + "text")]
    assert "1/64" in overlay_words and "seed" not in overlay_words


def test_an_animation_of_one_frame_is_a_still():
    frame = frame_from_text(["x"])
    svg = svg_animation([frame, frame], [1, 1])
    assert "@keyframes" not in svg and svg == svg_frame(frame)
    with pytest.raises(ValueError):
        svg_animation([frame], [1, 2])
    with pytest.raises(ValueError):
        svg_animation([frame, frame_from_text(["xy"])], [1, 1])


def test_changed_spans_cover_whole_words():
    old = frame_from_text(["step 12/64  │ paused", "▀▀▀▀"]).row_cells(0)
    new = frame_from_text(["step 13/64  │ paused"]).row_cells(0)
    assert changed_spans(old, new) == [(5, 10)]  # "13/64", not just "3"
    assert changed_spans(old, old) == []


# -- GIF -----------------------------------------------------------------------------------

needs_pillow = pytest.mark.skipif(importlib.util.find_spec("PIL") is None, reason="Pillow (fragtui[media]) is not installed")
CW, CH = 7, 14  # the shipped 7x14 font's cell


def decode(data: bytes) -> list[tuple[object, int]]:
    """Each frame of a GIF as (RGB image, duration in ms)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    out = []
    for k in range(image.n_frames):
        image.seek(k)
        out.append((image.convert("RGB"), image.info["duration"]))
    return out


@needs_pillow
def test_gif_of_the_app_has_its_frames_durations_and_colours(seed_frames, tmp_path):
    path = tmp_path / "seed.gif"
    assert write_gif(seed_frames, [1.0, 0.25, 0.25, 0.25, 2.0], path) == 4  # frames 2 and 3 are equal
    data = path.read_bytes()
    assert data.startswith(b"GIF89a") and b"NETSCAPE2.0" in data  # loops
    frames = decode(data)
    assert [ms for _, ms in frames] == [1000, 250, 500, 2000]
    last, _ = frames[-1]
    assert last.size == (160 * CW, 50 * CH)
    x, y = find(seed_frames[-1], "█", USED)  # the legend's swatch for used slots
    for dx, dy in ((0, 0), (CW - 1, CH - 1), (3, 7)):
        assert last.getpixel((x * CW + dx, y * CH + dy)) == USED
    x, y = find(seed_frames[-1], "▀", USED)  # a pool cell: used above, its background below
    below = seed_frames[-1].cell(x, y).style.bg
    assert [last.getpixel((x * CW + 3, y * CH + dy)) for dy in (0, 6, 7, 13)] == [USED, USED, below, below]
    # every frame, rebuilt from its deltas, is exactly the frame drawn on its own
    for (image, _), frame in zip(frames, [seed_frames[0], seed_frames[1], seed_frames[2], seed_frames[4]]):
        alone, _ = decode(gif_bytes([frame], [1]))[0]
        assert image.tobytes() == alone.tobytes()
    assert len(data) < 200_000


@needs_pillow
def test_gif_pixels_of_a_small_frame_are_exact():
    frame = frame_from_text(["▀▌a", "─╭ "], styles={"x": CellStyle(RED, BLUE)}, masks=["xxx", "   "])
    (image, ms), = decode(gif_bytes([frame], [0.004]))
    assert ms == 20  # at least 20 ms: shorter delays play as 100 ms in browsers
    thirds = decode(gif_bytes([frame_from_text([str(i)]) for i in range(6)], [1 / 3] * 6))
    assert [ms for _, ms in thirds] == [330, 340, 330, 330, 340, 330]  # ends on the nearest 10 ms: 2 s in all
    assert image.size == (3 * CW, 2 * CH)
    column = [image.getpixel((3, y)) for y in range(CH)]
    assert column == [RED] * 7 + [BLUE] * 7  # ▀: 7 rows of 14
    row = [image.getpixel((x, 5)) for x in range(CW, 2 * CW)]
    assert row == [RED] * 4 + [BLUE] * 3  # ▌: 3.5 of 7 columns rounds to 4
    a = {image.getpixel((x, y)) for x in range(2 * CW, 3 * CW) for y in range(CH)}
    assert a == {RED, BLUE}  # the glyph "a" in red over blue
    line = [image.getpixel((x, CH + 7)) for x in range(CW)]
    assert line == [(224, 224, 224)] * CW  # ─ through the middle row of its cell
    big, _ = decode(gif_bytes([frame], [1], scale=2))[0]
    assert big.size == (6 * CW, 4 * CH) and big.getpixel((7, 13)) == RED and big.getpixel((7, 14)) == BLUE


@needs_pillow
def test_gif_frames_that_draw_the_same_pixels_are_one(tmp_path):
    plain = frame_from_text(["ab "])
    bold_space = frame_from_text(["ab "], styles={"b": CellStyle((224, 224, 224), (18, 18, 18), bold=True)}, masks=["  b"])
    assert plain != bold_space  # different cells, same pixels
    frames = decode(gif_bytes([plain, bold_space, frame_from_text(["abc"])], [0.5, 0.5, 1]))
    assert [ms for _, ms in frames] == [1000, 1000]


def test_gif_without_pillow_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now fails
    with pytest.raises(FragtuiError, match=re.escape("pip install 'fragtui[media]'")):
        gif_bytes([frame_from_text(["x"])], [1])


def test_the_shipped_font_has_every_character_the_app_draws(seed_frames):
    from fragtui.media.bitmap_font import load
    from fragtui.media.glyphs import BLOCKS, BOXES

    font = load("7x14")
    chars = {char for frame in seed_frames for y in range(frame.height) for char in frame.row_text(y)}
    assert {c for c in chars if c not in font and c not in BLOCKS and c not in BOXES} == set()
    assert (font.width, font.height) == (CW, CH)


@needs_pillow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium is not installed")
def test_animated_svg_played_in_chromium_shows_each_frame_exactly(seed_frames, tmp_path):
    """The animation paused at a frame's time draws the same pixels as that frame's still; after
    the loop's end it starts again. (The page's script only pauses the clock: the SVG has none.)"""
    from PIL import Image

    cell = (5, 10)
    frames, durations = [seed_frames[0], seed_frames[1], seed_frames[4]], [1.0, 0.5, 2.0]
    animation = svg_animation(frames, durations, cell=cell)
    width, height = 160 * cell[0], 50 * cell[1]
    checks = [(1, 1.2), (2, 3.4), (0, 3.6)]  # (frame, seconds into the animation); the loop is 3.5 s
    parts, script = [], []
    for i, (k, seconds) in enumerate(checks):
        parts += [f"<div>{svg_frame(frames[k], cell=cell)}</div>", f'<div id="a{i}">{animation}</div>']
        script.append(f"document.getElementById('a{i}').getAnimations({{subtree: true}})"
                      f".forEach(a => {{ a.pause(); a.currentTime = {seconds * 1000}; }});")
    page = tmp_path / "page.html"
    page.write_text(f"<html><body style='margin:0'><style>div{{height:{height}px;line-height:0}}</style>"
                    f"{''.join(parts)}<script>{''.join(script)}</script></body></html>")
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
         f"--window-size={width},{height * len(parts)}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120,
    )
    if run.returncode or not shot.is_file():
        pytest.skip(f"Chromium could not take a screenshot here: {run.stderr.decode(errors='replace')[-300:]}")
    image = Image.open(shot).convert("RGB")
    for i, (k, seconds) in enumerate(checks):
        still = image.crop((0, 2 * i * height, width, (2 * i + 1) * height))
        played = image.crop((0, (2 * i + 1) * height, width, (2 * i + 2) * height))
        assert len(still.getcolors(1 << 16)) > 3, "the still did not render"
        assert still.tobytes() == played.tobytes(), f"frame {k} at {seconds} s"


FAMILY = "\U0001F469\u200d\U0001F469\u200d\U0001F467"  # 👩‍👩‍👧: three emoji joined by U+200D


def test_a_grapheme_cluster_is_one_wide_cell_drawn_whole_in_svg_and_asciicast():
    from fragtui.media.ansi import ansi_row
    from fragtui.media.graphemes import clusters
    from fragtui.media.svg import svg_frame

    assert clusters(f"a{FAMILY}e\u0301 \U0001F1EF\U0001F1F5") == ["a", FAMILY, "e\u0301", " ", "\U0001F1EF\U0001F1F5"]
    captioned = add_caption(frame_from_text(["." * 12]), f"hi {FAMILY}!")
    assert captioned.row_text(0) == f"   hi {FAMILY}!   "  # 2 + 1 + 2 + 1 cells, centred in 12
    assert len(captioned.row_cells(0)) == 12
    assert FAMILY in svg_frame(captioned) and FAMILY in ansi_row(captioned.rows[0])


@pytest.mark.parametrize("caption, kind, error", [
    (f"the family {FAMILY}", "svg", None),
    (f"the family {FAMILY}", "cast", None),
    ("ok → ≤ é ░▒", "gif", None),
    ("🔥 hot", "gif", "a GIF draws text with a bitmap font, which cannot draw 🔥 (U+1F525); use a .svg or .cast"),
    (f"the family {FAMILY}", "gif",  # (an error line escapes the joiners it quotes)
     "cannot draw " + FAMILY.replace("\u200d", "\\u200d") + " (U+1F469 U+200D U+1F469 U+200D U+1F467)"),
    ("שלום", "gif", "cannot draw ש (U+05E9), ל (U+05DC), ו (U+05D5)"),
    ("a\u202eb", "svg", "(U+202E is not)"),
    ("\u200dx", "svg", "U+200D joins nothing before it"),
])
def test_a_caption_is_accepted_where_it_is_drawn_and_refused_with_the_reason(caption, kind, error):
    from fragtui.capture import check_caption
    from fragtui.sim.errors import ParamError

    if error is None:
        assert check_caption(caption, kind) == caption
    else:
        with pytest.raises(ParamError) as caught:
            check_caption(caption, kind)
        assert error in str(caught.value) and str(caught.value).isprintable()
