"""Work a key sets off that may take a while (a replay, a jump, a new run): it never seems
ignored, and it never waits for the cycle collector.

Where work on this run has been quick it runs at once; else the header says `working: what…`
first and the work runs after the frame that shows it. The collector is paused while it runs:
a replay or a long jump makes up to millions of objects that hold no cycles, and the
collector's passes over them would hold back the frame that shows the result by up to a third
of a second. It runs again COLLECT_AFTER seconds later, once that frame is drawn (Textual pauses
it likewise while scrolling), and what the work replaced is freed then (bulk.park); or when
the app closes first.
"""

from __future__ import annotations

import gc
import time
from typing import Callable, Protocol

from fragtui.sim.bulk import release

BUSY_AFTER = 0.2  # seconds: work on a run that took longer says "working…" first, next time
COLLECT_AFTER = 0.5  # seconds after work before the collector runs again and replaced runs are freed


class Worked(Protocol):
    """What heavy work needs of the app it runs in."""

    def refresh_texts(self) -> None: ...
    def set_timer(self, delay: float, callback: Callable[[], object]) -> object: ...
    def call_after_refresh(self, callback: Callable[[], object]) -> bool: ...


class HeavyWork:
    def __init__(self, app: Worked, slow: bool) -> None:
        self.app = app
        self.slow = slow  # work on this run took longer than BUSY_AFTER: the next says it works first
        self.doing = ""  # what slow work is doing, said in the header meanwhile
        self._paused_collector = False  # work paused the collector, which runs again after it

    def run(self, what: str, work: Callable[[], object]) -> None:
        """Run `work`, named `what` in the header if it runs after a frame of its own."""
        if not self.slow:
            self._now(work)
            return
        self.doing = what
        self.app.refresh_texts()
        # Twice: the screen can go idle before the header has told it that it changed, and one
        # wait would then run the work before the frame that says so (seen in tmux).
        self.app.call_after_refresh(lambda: self.app.call_after_refresh(lambda: self._now(work)))

    def _now(self, work: Callable[[], object]) -> None:
        start = time.perf_counter()
        collecting = gc.isenabled()
        gc.disable()
        try:
            work()
        finally:
            self._paused_collector |= collecting
            self.app.set_timer(COLLECT_AFTER, self.settle)
            self.slow = time.perf_counter() - start > BUSY_AFTER
            if self.doing:
                self.doing = ""
                self.app.refresh_texts()

    def settle(self) -> None:
        """The collector runs again if work paused it, and what work replaced is freed."""
        if self._paused_collector:
            self._paused_collector = False
            gc.enable()
        release()
