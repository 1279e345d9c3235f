"""Screenshots and recordings made by a command: the real app, run headless, rendered to files.

`screenshot` writes the SVG Textual itself exports. `record` writes an asciicast v2 file: a
JSON header line, then one `[time, "o", data]` event per frame, where each frame is the app's
own render of the screen after a step (only the rows that changed since the previous frame are
written, each after a cursor move, exactly as Textual would write them to a terminal).
"""

from __future__ import annotations

import io
import json

from typing import TYPE_CHECKING, cast

from rich.console import Console
from rich.control import Control

from fragtui.files import check_writable, write_text
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.numbers import NumberError, ascii_note, whole
from fragtui.sim.params import Params

if TYPE_CHECKING:  # the app loads only when a capture runs
    from textual._compositor import LayoutUpdate
    from textual.pilot import Pilot

    from fragtui.tui.app import FragApp

MAX_SIZE = (500, 200)


def parse_size(text: str) -> tuple[int, int]:
    """WIDTHxHEIGHT, from the app's minimum (smaller shows only "terminal too small") up to MAX_SIZE."""
    from fragtui.tui.app import MIN_HEIGHT, MIN_WIDTH

    width, _, height = text.lower().partition("x")
    try:
        return whole(width, MIN_WIDTH, MAX_SIZE[0]), whole(height, MIN_HEIGHT, MAX_SIZE[1])
    except NumberError:
        raise ParamError("size", text, f"must be WIDTHxHEIGHT from {MIN_WIDTH}x{MIN_HEIGHT} to "
                                       f"{MAX_SIZE[0]}x{MAX_SIZE[1]}{ascii_note(text)}") from None


def _app(params: Params, scenario: str, color_mode: str = "state", start_step: int = 0) -> FragApp:
    from fragtui.tui.app import FragApp

    return FragApp(params, scenario=scenario, start_step=start_step, by_request=color_mode == "request")


def screenshot(
    params: Params,
    path: str,
    *,
    scenario: str = "seed",
    steps: int = 0,
    size: tuple[int, int] = (160, 50),
    color_mode: str = "state",
    press: tuple[str, ...] = (),
) -> str:
    """Render the app at step `steps` (after pressing `press`) to an SVG file; returns its path."""
    check_writable(path)
    app = _app(params, scenario, color_mode, steps)
    svg: list[str] = []

    async def autopilot(pilot: Pilot[object]) -> None:
        await pilot.pause()
        for key in press:
            await pilot.press(key)
        await pilot.pause()
        svg.append(app.export_screenshot(title=f"fragtui · {scenario} · {app.stage.unit} {app.stage.step}"))
        app.exit()

    app.run(headless=True, size=size, auto_pilot=autopilot)
    if not svg:
        raise FragtuiError(f"screenshot of {scenario} failed: the app stopped before it painted")
    write_text(path, svg[0])
    return path


def record(
    params: Params,
    path: str,
    *,
    scenario: str = "seed",
    steps: int | None = None,
    fps: float = 4,
    size: tuple[int, int] = (160, 50),
) -> int:
    """Record the app stepping through `steps` events (all by default); returns the frame count."""
    check_writable(path)
    app = _app(params, scenario)
    app.recording, app.speed = True, fps
    width, height = size
    lines: list[str] = []
    previous: list[str] = []

    def frame() -> None:
        rows = _render_rows(app, width, height)
        changed = [(y, row) for y, row in enumerate(rows) if y >= len(previous) or previous[y] != row]
        data = "".join(Control.move_to(0, y).segment.text + row for y, row in changed)
        if not previous:
            data = "\x1b[?25l\x1b[2J" + data  # hide the cursor, clear the screen
        lines.append(json.dumps([round(len(lines) / fps, 6), "o", data]))
        previous[:] = rows

    async def autopilot(pilot: Pilot[object]) -> None:
        await pilot.pause()
        frame()
        remaining = app.stage.total_steps if steps is None else steps
        for _ in range(remaining):
            if app.stage.at_end:
                break
            await pilot.press("space")
            await pilot.pause()
            frame()
        app.exit()

    app.run(headless=True, size=size, auto_pilot=autopilot)
    if not lines:
        raise FragtuiError(f"recording of {scenario} failed: the app stopped before it painted")
    header = {
        "version": 2,
        "width": width,
        "height": height,
        "title": f"fragtui · {scenario}",
        "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"},
    }
    last = json.loads(lines[-1])
    lines[-1] = json.dumps([last[0], "o", last[2] + "\x1b[?25h"])  # show the cursor again at the end
    write_text(path, "\n".join([json.dumps(header), *lines]) + "\n")
    return len(lines)


def _render_rows(app: FragApp, width: int, height: int) -> list[str]:
    """Each screen row as the escape sequences a terminal would be sent."""
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    update = cast("LayoutUpdate", app.screen._compositor.render_update(full=True))
    return ["".join(strip.render(console) for strip in row) + "\x1b[0m" for row in update.strips]
