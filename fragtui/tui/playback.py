"""Autoplay: a timer that steps the run `speed` steps a second, several steps a frame past
FRAMES_PER_SECOND, and stops at the end."""

from __future__ import annotations

from typing import Callable, Protocol

from textual.timer import Timer

SPEEDS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)  # steps per second, as [ and ] step them
FRAMES_PER_SECOND = 32  # past this speed, autoplay takes several steps per frame


class Played(Protocol):
    """What autoplay needs of the app it plays."""

    @property
    def is_running(self) -> bool: ...
    @property
    def at_end(self) -> bool: ...
    def set_interval(self, interval: float, callback: Callable[[], object]) -> Timer: ...
    def step_by(self, steps: int) -> None: ...
    def refresh_texts(self) -> None: ...


class Playback:
    def __init__(self, app: Played, speed: float) -> None:
        self.app = app
        self.speed = speed
        self._timer: Timer | None = None
        self._steps_per_frame = 1

    @property
    def playing(self) -> bool:
        return self._timer is not None

    def start(self) -> None:
        frames = min(self.speed, FRAMES_PER_SECOND)
        self._steps_per_frame = max(1, round(self.speed / frames))
        self._timer = self.app.set_interval(1 / frames, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def slower(self) -> None:
        self._set_speed(max([s for s in SPEEDS if s < self.speed], default=SPEEDS[0]))

    def faster(self) -> None:
        self._set_speed(min([s for s in SPEEDS if s > self.speed], default=SPEEDS[-1]))

    def _set_speed(self, speed: float) -> None:
        self.speed = speed
        if self._timer is not None:
            self.stop()
            self.start()
        self.app.refresh_texts()

    def _tick(self) -> None:
        app = self.app
        if not app.is_running:  # a tick that comes while the app shuts down finds no widgets
            return
        if not app.at_end:
            app.step_by(self._steps_per_frame)
        if app.at_end:
            self.stop()
            app.refresh_texts()
