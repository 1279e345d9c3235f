"""A signal stops a command at once. SIGINT, SIGTERM and SIGHUP raise `Stopped` wherever the
command is, so a file being written is discarded (`files.py`) and the old one kept; the command
says so in one line and exits 128 + the signal's number.

While an app runs (the TUI, or a capture's headless app) an exception raised into Textual's
event loop would strand it (Ctrl-C once froze `record` for 30 s), so the signal is handed to
the app instead: it notes which signal it was and exits through App.exit, which restores the
terminal. The TUI then ends as `q` ends it; a capture's command raises `Stopped` once the app
is gone (`capture._run`). (Ctrl-C at the keyboard is a key, not a signal, while the terminal is
in raw mode.)"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from types import FrameType
from typing import Iterator, Protocol

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(BaseException):
    """Like KeyboardInterrupt, not an Exception: no `except Exception` on the way may take it
    for a failure of its own."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    @property
    def status(self) -> int:
        return 128 + self.signum


class Stoppable(Protocol):
    stopped_by: int  # the stop signal that ended it, 0 while none has

    def exit(self) -> None: ...


_running: list[Stoppable] = []  # the app a signal goes to, while one runs


def _stop(signum: int, frame: FrameType | None) -> None:
    if not _running:
        raise Stopped(signum)
    import asyncio  # (loaded already: the app runs on it)

    app = _running[-1]
    app.stopped_by = signum  # (an app not yet started sees it when it starts)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    loop.call_soon_threadsafe(app.exit)  # the loop's own turn, not the middle of whatever it was doing


@contextmanager
def stopping() -> Iterator[None]:
    """Stop signals raise Stopped inside the block (in the main thread; elsewhere nothing
    changes); the handlers before it come back after."""
    try:
        previous = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
    except ValueError:  # not the main thread
        previous = {}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@contextmanager
def handed_to(app: Stoppable) -> Iterator[None]:
    """Inside the block a stop signal goes to `app` (see the module's notes)."""
    _running.append(app)
    try:
        yield
    finally:
        _running.remove(app)
