"""SIGTERM and SIGHUP end the app the way `q` does: through App.exit, so Textual's driver
restores the terminal (main screen, mouse and paste reporting off, cursor shown) on the way
out. Left to Python's defaults they kill the process mid-screen and leave the terminal broken."""

from __future__ import annotations

import asyncio
import signal

from textual.app import App

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def exit_on_signals(app: App) -> None:
    """Install the handlers on the running loop (they go with it when the app's loop closes)."""
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        try:
            loop.add_signal_handler(sig, app.exit)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals here (Windows, a thread)
            return
