"""Files the app hands its user: a screenshot (ctrl+s) and a recording of the run so far (S).

In a terminal they are written to the working directory, as ctrl+s always did. When the app is
served to a browser (`fragtui serve`) the server's disk is not the user's, so they are
delivered to the browser as downloads instead (Textual's deliver_text / deliver_binary) and
nothing is left on the server.

A recording is made by `fragtui record` itself, in a child process: the same frames and file as
the command gives, from the options the screen's run is made of (the `!` line's: the scenario
and every what-if since), step 0 to the step on screen, as an animated SVG. The app answers
keys meanwhile, one recording is made at a time, and the child ends with the app.
"""

from __future__ import annotations

import asyncio
import io
import math
import os
import sys
import tempfile
import threading
from typing import TYPE_CHECKING, Callable

from fragtui.sim.config.params import Params
from fragtui.view.command import option_words

if TYPE_CHECKING:
    from textual.worker import Worker

    from fragtui.tui.app import FragApp

SVG = "image/svg+xml"
RECORD_FRAMES = 240  # the most frames a recording has (a minute at 4 a second); past it, a time-lapse
SIZES = ((80, 500), (24, 200))  # the sizes `fragtui record --size` takes: the app's minimum to 500x200
DELIVERY = "fragtui-file"  # the name Textual's delivery events carry for these files


class Outputs:
    """A FragApp's files for its user: made here, written or delivered as the app is run."""

    def __init__(self, app: FragApp) -> None:
        self.app = app
        self.making: Worker[None] | None = None  # the recording being made, if one is
        self._guarded = False

    def _deliver(self, deliver: Callable[[], object]) -> None:
        """Deliver a file to the browser, its chunks never cut into the screen's output.

        Textual's web driver (8.2.8) writes the screen from the app's thread and a file's chunks
        from its input thread, each packet with one unchecked os.write to the same pipe: a chunk
        of 64 KiB interleaved with a screen update, or written in part, breaks the framing
        textual-serve reads, and that session's output stops (seen on churn at step 500). So
        every packet is written whole, one at a time, from the first delivery on."""
        driver = self.app._driver
        if not self._guarded and driver is not None:
            write = getattr(driver, "_write", None)
            if write is not None:
                driver._write = whole_writes(write)  # type: ignore[attr-defined]
            self._guarded = True
        deliver()

    def screenshot(self) -> None:
        """The screen as an SVG file named by scenario and step."""
        app = self.app
        name = f"fragtui-{app.scenario}-{app.stage.unit}-{app.stage.step}.svg"
        if app.is_web:
            svg = app.export_screenshot()
            self._deliver(lambda: app.deliver_text(io.StringIO(svg), save_filename=name, open_method="download",
                                                   mime_type=SVG, name=DELIVERY))
            app.say(f"{name}: sent to your browser as a download")
            return
        path = app.save_screenshot(filename=name)
        app.say(f"saved {path}")

    def record(self) -> None:
        """Start a recording of step 0 to the step on screen (one at a time)."""
        app = self.app
        if self.making is not None and self.making.is_running:
            app.say("a recording is being made already; it comes when it is done", severity="warning")
            return
        if app.stage.step == 0:
            app.say(f"at {app.stage.unit} 0 there is nothing to record yet: step on, then S records from "
                    f"{app.stage.unit} 0 to there", severity="warning")
            return
        self.making = app.run_worker(self._record(), group="record", exit_on_error=False)

    def record_argv(self, target: str) -> list[str]:
        """The `fragtui record` command line that writes this run's recording to `target`."""
        app = self.app
        step = app.stage.step
        every = max(1, math.ceil(step / (RECORD_FRAMES - 1)))
        (low_w, high_w), (low_h, high_h) = SIZES
        width, height = min(max(app.size.width, low_w), high_w), min(max(app.size.height, low_h), high_h)
        named = app.named or Params().validated()
        return [sys.executable, "-m", "fragtui", "record", *option_words(app.scenario, named, app.stage.params),
                "--to", str(step), "--every", str(every), "--size", f"{width}x{height}",
                "--color-mode", "request" if app.by_request else "state", "-o", target]

    async def _record(self) -> None:
        app = self.app
        unit, step, hand = app.stage.unit, app.stage.step, app.stage.hand_events
        name = f"fragtui-{app.scenario}-{unit}s-0-{step}.svg"
        left_out = f" (the {hand} frees and arrivals made by hand are not in it)" if hand else ""
        app.say(f"recording {unit}s 0 to {step}{left_out}…", timeout=30)
        with tempfile.TemporaryDirectory(prefix="fragtui-") as folder:
            target = os.path.join(folder, name) if app.is_web else name  # (a terminal's: the working directory)
            env = {key: value for key, value in os.environ.items() if not key.startswith("TEXTUAL")}
            child = await asyncio.create_subprocess_exec(*self.record_argv(target), stdin=asyncio.subprocess.DEVNULL,
                                                         stdout=asyncio.subprocess.PIPE,
                                                         stderr=asyncio.subprocess.PIPE, env=env)
            try:
                out, err = await child.communicate()
            except asyncio.CancelledError:  # the app is ending: so does the recording
                child.kill()
                await child.wait()
                raise
            if child.returncode != 0:
                why = err.decode(errors="replace").strip().splitlines()[-1:] or [f"status {child.returncode}"]
                app.say(f"no recording: {why[0].removeprefix('fragtui: ')}", severity="error")
                return
            said = out.decode(errors="replace").strip().split(": ", 1)[-1]  # "65 frames, steps 0 to 64"
            if app.is_web:  # (the file is open once this returns, so the folder may go)
                self._deliver(lambda: app.deliver_binary(target, save_filename=name, open_method="download",
                                                         mime_type=SVG, name=DELIVERY))
                app.say(f"{name}: {said}{left_out}, sent to your browser as a download")
            else:
                app.say(f"saved {name}: {said}{left_out}")


def whole_writes(write: Callable[[memoryview], int]) -> Callable[[bytes], None]:
    """`write` (os.write to a pipe, say), made to write each packet whole, one packet at a time
    whatever the threads: a part written is followed by the rest, under one lock."""
    lock = threading.Lock()

    def whole(data: bytes) -> None:
        with lock:
            view = memoryview(data)
            while view:
                view = view[write(view):]

    return whole
