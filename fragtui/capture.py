"""Screenshots and recordings made by a command: the real app, run headless, rendered to files.

Both read the screen as `fragtui.media` frames (`frame_from_app`), so every output draws the
same cells: `screenshot` writes one as SVG (`svg_frame`: no web font, no network, the same
in every viewer); `record` moves the app with `goto` (one pause per frame for it to repaint,
however many steps a frame moves) and writes, by `--format` or the file's extension:
- `cast`: asciicast v2, a JSON header line, one `[time, "o", data]` event per frame (only the
  rows that changed: `fragtui.media.ansi`), then one that shows the cursor again when the last
  frame's time is up. Streamed to the file as frames are made.
- `svg` / `gif`: the frames kept in a `Reel` (a frame costs only the rows it changed), then one
  animated SVG (`svg_animation`, CSS only) or GIF (`write_gif`, Pillow: the `media` extra).

Each kind has a bound on frames, checked before the app starts (see MAX_FRAMES).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, Awaitable, Callable

from fragtui.files import atomic_writer, check_writable, write_text
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.engines.jumps import locate
from fragtui.sim.numbers import NumberError, ascii_note, whole
from fragtui.sim.config.params import Params
from fragtui.script import Shot
from fragtui.stopping import Stopped, handed_to

if TYPE_CHECKING:  # the app and the renderers load only when a capture runs
    from textual.pilot import Pilot

    from fragtui.media import Frame
    from fragtui.tui.app import FragApp

MAX_SIZE = (500, 200)
FORMATS = ("cast", "svg", "gif")
# Frames one recording may have, at 160×50 or smaller; a larger screen gets fewer, in proportion
# to its cells (at 500×200, a twelfth). Capturing a frame takes about 10 ms at 160×50 (a repaint
# and a read of the screen); an asciicast streams them, but an animated SVG or a GIF keeps every
# frame until it is written (a Reel: 5-20 KB a frame at 160×50, what changed), a browser plays
# every keyframe, and each adds about 3 KB to the file.
MAX_FRAMES = {"cast": 20_000, "svg": 3_000, "gif": 3_000}
REFERENCE_CELLS = 160 * 50
WHY_BOUND = {
    "cast": "each frame takes about 10 ms to capture at 160x50, longer when larger",
    "svg": "an animated SVG keeps every frame until it is written, 5-20 KB each at 160x50, and grows ~3 KB a frame",
    "gif": "a GIF keeps every frame until it is written, 5-20 KB each at 160x50, and grows ~3 KB a frame",
}


def frame_limit(kind: str, size: tuple[int, int]) -> int:
    """The most frames a `kind` recording of a `size` screen may have."""
    return max(2, min(MAX_FRAMES[kind], MAX_FRAMES[kind] * REFERENCE_CELLS // (size[0] * size[1])))


def parse_size(text: str, *, rows_taken: int = 0) -> tuple[int, int]:
    """WIDTHxHEIGHT, from the app's minimum (smaller shows only "terminal too small") up to
    MAX_SIZE; `rows_taken` rows (a caption's) come on top of the app's own minimum."""
    from fragtui.tui.app import MIN_HEIGHT, MIN_WIDTH

    low_height = MIN_HEIGHT + rows_taken
    width, _, height = text.lower().partition("x")
    try:
        return whole(width, MIN_WIDTH, MAX_SIZE[0]), whole(height, low_height, MAX_SIZE[1])
    except NumberError:
        with_caption = " with a --caption (the app keeps at least 24 rows)" if rows_taken else ""
        raise ParamError("size", text, f"must be WIDTHxHEIGHT from {MIN_WIDTH}x{low_height} to "
                                       f"{MAX_SIZE[0]}x{MAX_SIZE[1]}{with_caption}{ascii_note(text)}") from None


MAX_CAPTION = 200  # characters of a caption (the line is cut to the width anyway)
MAX_PRESS = 200  # keys for --press: each is pressed and painted, about 50 ms, so 10 s at the most


def parse_press(text: str) -> tuple[str, ...]:
    """--press: keys, comma-separated, at most MAX_PRESS."""
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    if len(keys) > MAX_PRESS:
        raise ParamError("press", text, f"names {len(keys):,} keys; at most {MAX_PRESS} (each is pressed and "
                                        "painted, about 50 ms a key)")
    return keys


def check_caption(text: str, kind: str) -> str:
    """A caption for a `kind` file: one line of printable text, where joiners (U+200D, variation
    selectors, tags) may join characters into one (👩‍👩‍👧); a GIF's must be characters its bitmap
    font draws, since anything else would be a blank box."""
    from fragtui.media.graphemes import clusters, joiner

    allowed = f"must be one line of printable text, 1 to {MAX_CAPTION} characters"
    stray = [c for c in text if not c.isprintable() and not joiner(c)]
    if not text.strip() or stray or len(text) > MAX_CAPTION:
        raise ParamError("caption", text, allowed + (f" ({_code_points(stray[:3])} is not)" if stray else ""))
    loose = [cluster for cluster in clusters(text) if joiner(cluster[0])]
    if loose:
        raise ParamError("caption", text, f"{allowed}: {_code_points([loose[0][0]])} joins nothing before it")
    if kind == "gif":
        from fragtui.media.gif import undrawable

        missing = undrawable(text)
        if missing:
            shown = ", ".join(f"{c} ({_code_points(list(c))})" for c in dict.fromkeys(missing[:3]))
            raise ParamError("caption", text, f"a GIF draws text with a bitmap font, which cannot draw {shown}; "
                                              "use a .svg or .cast recording for this caption")
    return text


def _code_points(chars: list[str]) -> str:
    return " ".join(f"U+{ord(c):04X}" for c in chars)


def record_format(path: str, chosen: str | None) -> str:
    """The format `--format` names, else the one the file's extension names."""
    if chosen is not None:
        if chosen.lower() not in FORMATS:
            raise ParamError("format", chosen, "must be cast, svg or gif")
        return chosen.lower()
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension not in FORMATS:
        raise FragtuiError(f"-o {path}: cannot tell the format from the extension; "
                           "name a .cast, .svg or .gif file, or give --format cast|svg|gif")
    return extension


@dataclass(frozen=True)
class Look:
    """How the app is shown: colours by state or request, clean (for slides), a caption on top."""

    color_mode: str = "state"
    clean: bool = False
    caption: str | None = None

    def app(self, params: Params, scenario: str, size: tuple[int, int]) -> tuple[FragApp, tuple[int, int]]:
        """The app, and the size to run it at: a row less when a caption takes the top one."""
        from fragtui.tui.app import FragApp

        app = FragApp(params, scenario=scenario, by_request=self.color_mode == "request", clean=self.clean)
        app.still = True
        width, height = size
        return app, (width, height - 1 if self.caption is not None else height)

    def frame(self, app: FragApp, caption: str | None = None) -> Frame:
        """The app's picture, under `caption` (None: the look's own) where the look has a
        caption line (a script's may be empty for a while: "")."""
        from fragtui.media import add_caption, frame_from_app

        frame = frame_from_app(app)
        return frame if self.caption is None else add_caption(frame, self.caption if caption is None else caption)


def screenshot(
    params: Params,
    path: str,
    *,
    scenario: str = "seed",
    at: str | int = 0,
    size: tuple[int, int] = (160, 50),
    look: Look = Look(),
    press: tuple[str, ...] = (),
    script: tuple[str, str] | None = None,
) -> str:
    """Render the app at step `at` (a step or a jump: `fragtui.sim.engines.jumps.locate`), after
    pressing `press`, to an SVG file; or where `script` (its name and text) leaves it, under
    its last caption. Returns the file's path."""
    from fragtui.media import svg_frame

    check_writable(path)
    moves: list[Shot] = [Shot(0, None, goto=str(at), keys=press)]
    if script is not None:
        moves, look = _scripted(script, look, "svg", frame_limit("cast", size))  # (moves, not frames kept)
    app, app_size = look.app(params, scenario, size)
    if script is not None:
        _check_places(app, script, moves)
    else:
        locate(app.stage.engine, str(at), 0, "at")  # (refused before the app starts)
    shots: list[Frame] = []

    async def autopilot(pilot: Pilot[object]) -> None:
        await pilot.pause()
        for move in moves:
            if app.stopped_by:
                return
            await _act(pilot, app, move)
        shots.append(await _settled(pilot, lambda: look.frame(app, (moves[-1].caption or "") if script else None)))

    _run(app, app_size, autopilot)
    if not shots:
        raise FragtuiError(f"screenshot of {scenario} failed: the app stopped before it painted")
    write_text(path, svg_frame(shots[0], title=f"fragtui · {scenario} · {app.stage.unit} {app.stage.step}"))
    return path


def _scripted(script: tuple[str, str], look: Look, kind: str, limit: int, fps: float = 1.0) -> tuple[list[Shot], Look]:
    """The shots `script` (its name and text: fragtui.script) asks for, and the look to take
    them with: a caption line kept for the whole picture where any shot has a caption."""
    from fragtui.script import parse_script

    shots = parse_script(script[1], script[0], fps=fps, caption=look.caption, limit=limit,
                         check_keys=parse_press, check_caption=lambda text: check_caption(text, kind))
    if any(shot.caption is not None for shot in shots) and look.caption is None:
        look = replace(look, caption="")  # a line for the captions, blank where there is none
    return shots, look


def _check_places(app: FragApp, script: tuple[str, str], shots: list[Shot]) -> None:
    """Each goto of a script names a step of this run (read from 0 here: its form)."""
    for shot in shots:
        if shot.goto is not None:
            try:
                locate(app.stage.engine, shot.goto, 0, "goto")
            except FragtuiError as error:
                raise FragtuiError(f"{script[0]} line {shot.line}: {error}") from None


async def _act(pilot: Pilot[object], app: FragApp, shot: Shot) -> None:
    """Do what comes before a shot: go to its step, or on by its steps, then press its keys."""
    if shot.goto is not None:  # (the run may be new since: a key, a what-if, V)
        app.goto(locate(app.stage.engine, shot.goto, app.stage.step, "goto"))
    elif shot.by:
        app.goto(app.stage.step + shot.by)
    for key in shot.keys:
        await pilot.press(key)


async def _settled(pilot: Pilot[object], frame: Callable[[], Frame], most: int = 8) -> Frame:
    """The app's picture once it stops changing: a layout can take more than one pass (a
    scrollbar that appears narrows the sidebar, whose text then wraps again)."""
    await pilot.pause()
    shot = frame()
    for _ in range(most):
        await pilot.pause()
        again = frame()
        if again == shot:
            break
        shot = again
    return shot


@dataclass(frozen=True)
class Recorded:
    frames: int  # frames captured, one per step shown
    written: int  # frames in the file: repeats merged (SVG, GIF), or events (asciicast)
    first: int
    last: int
    unit: str  # "step" or "tick"


def record(
    params: Params,
    path: str,
    *,
    scenario: str = "seed",
    fmt: str | None = None,
    start: str | int = 0,
    stop: str | int | None = None,
    every: int = 1,
    hold: float | None = None,
    fps: float = 4,
    size: tuple[int, int] = (160, 50),
    look: Look = Look(),
    script: tuple[str, str] | None = None,
) -> Recorded:
    """Record the app from step `start` to `stop` (a step or a jump; `stop` is read from
    `start`'s step; default: the end), a frame every `every` steps and at `stop`, each shown
    1/fps seconds, the first and last `hold` seconds (default 1/fps); or as `script` (its
    name and text: fragtui.script) says, frame by frame."""
    check_writable(path)
    kind = record_format(path, fmt)
    if kind == "gif":
        from fragtui.media.gif import require_pillow

        require_pillow()
    limit = frame_limit(kind, size)
    if script is not None:
        shots, look = _scripted(script, look, kind, limit, fps)
    app, app_size = look.app(params, scenario, size)
    if script is not None:
        _check_places(app, script, shots)
    app.recording, app.playback.speed = True, fps * every  # the pace on screen: a time-lapse names its steps a second
    engine = app.stage.engine
    if script is None:
        first = locate(engine, str(start), 0, "from")
        last = engine.total_steps if stop is None else locate(engine, str(stop), first, "to")
        if last < first:
            raise ParamError("to", str(stop), f"lands on {engine.unit} {last:,}, before --from's {engine.unit} {first:,}")
        count = math.ceil((last - first) / every) + 1  # every `every` steps, and the last
        if count > limit:
            needed = math.ceil((last - first) / (limit - 1))
            raise FragtuiError(
                f"record: {count:,} frames ({engine.unit}s {first:,} to {last:,}, every {every:,}) is more than "
                f"{limit:,}, the most a .{kind} recording of {size[0]}x{size[1]} takes ({WHY_BOUND[kind]}); "
                f"use --every {needed:,} or more, or a shorter --from/--to")
        steps = [*range(first, last, every), last]
        durations = [1 / fps] * len(steps)
        if hold is not None:
            durations[0] = durations[-1] = hold
        shots = [Shot(seconds, None, goto=str(step)) for step, seconds in zip(steps, durations)]
    shown: list[int] = []  # the step of each frame

    def capture(sink: Callable[[Frame, float], None]) -> None:
        async def autopilot(pilot: Pilot[object]) -> None:
            await pilot.pause()
            for shot in shots:
                if app.stopped_by:  # a stop signal: the app is exiting; no more frames
                    return
                await _act(pilot, app, shot)
                await pilot.pause(0)  # lets the app repaint; nothing else needs waiting for
                sink(look.frame(app, (shot.caption or "") if script is not None else None), shot.seconds)
                shown.append(app.stage.step)

        _run(app, app_size, autopilot)
        if len(shown) < len(shots):
            raise FragtuiError(f"recording of {scenario} failed: the app stopped after {len(shown)} of "
                               f"{len(shots)} frames")

    title = f"fragtui · {scenario}" + (f" · {engine.unit}s {first}–{last}" if script is None else "")
    if kind == "cast":
        with atomic_writer(path) as out:
            cast = _Cast(out, size, title)
            capture(cast.add)
            cast.close()
        return Recorded(len(shots), cast.events, shown[0], shown[-1], app.stage.unit)
    from fragtui.media.reel import Reel

    reel = Reel()
    capture(reel.add)
    if kind == "svg":
        from fragtui.media import svg_animation

        write_text(path, svg_animation(reel.frames, reel.durations, title=title))
        written = len(reel)
    else:
        from fragtui.media import write_gif

        written = write_gif(reel.frames, reel.durations, path)
    return Recorded(len(shots), written, shown[0], shown[-1], app.stage.unit)


class _Cast:
    """An asciicast v2 file, written an event at a time."""

    def __init__(self, out: IO[str], size: tuple[int, int], title: str) -> None:
        self.out = out
        self.clock = 0.0
        self.events = 0
        self.previous: Frame | None = None
        header = {"version": 2, "width": size[0], "height": size[1], "title": title,
                  "env": {"TERM": "xterm-256color", "SHELL": "/bin/sh"}}
        out.write(json.dumps(header) + "\n")

    def add(self, frame: Frame, seconds: float) -> None:
        from fragtui.media.ansi import ansi_update

        self._event(ansi_update(frame, self.previous))
        self.previous = frame
        self.clock += seconds

    def close(self) -> None:
        from fragtui.media.ansi import SHOW_CURSOR

        self._event(SHOW_CURSOR)  # when the last frame's time is up

    def _event(self, data: str) -> None:
        self.out.write(json.dumps([round(self.clock, 6), "o", data], ensure_ascii=False) + "\n")
        self.events += 1


def _run(app: FragApp, size: tuple[int, int], autopilot: Callable[[Pilot[object]], Awaitable[None]]) -> None:
    """Run `app` headless under `autopilot`, then exit it; what the autopilot raised is raised
    here. If the app itself failed, Textual's report of it (a traceback on stderr) is kept back
    and the failure is one FragtuiError, so the command says so in one line and exits 2."""
    failed: list[BaseException] = []

    async def guarded(pilot: Pilot[object]) -> None:
        try:
            await autopilot(pilot)
        except Exception as error:  # re-raised below, outside Textual's loop
            failed.append(error)
        finally:
            app.exit()

    report = io.StringIO()
    with contextlib.redirect_stderr(report), handed_to(app):
        app.run(headless=True, size=size, auto_pilot=guarded)
    crash = getattr(app, "_exception", None)  # what ended the app, if anything did (Textual keeps it)
    if app.stopped_by:
        raise Stopped(app.stopped_by)
    if app.return_code or crash is not None:
        cause = f"{type(crash).__name__}: {crash}" if crash is not None else report.getvalue().strip()[-300:]
        raise FragtuiError(f"the app failed ({cause.splitlines()[-1] if cause else 'no reason given'})")
    if report.getvalue():
        sys.stderr.write(report.getvalue())
    if failed:
        if isinstance(failed[0], FragtuiError):
            raise failed[0]
        raise FragtuiError(f"the app failed ({type(failed[0]).__name__}: {failed[0]})") from failed[0]
