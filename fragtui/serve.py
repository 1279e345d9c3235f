"""`fragtui serve`: the app in students' browsers, a session per tab, within bounds.

Textualize's textual-serve (the `web` extra) runs one app process per browser tab and speaks to
it over a websocket; the page draws it with xterm.js. The same app, keys and pictures reach a
browser with nothing installed. Around it, this module keeps a class's machine safe:

- At most `sessions` tabs at once. Past that, the page says the class is full (a websocket that
  comes anyway is told so in its terminal and closed); the sessions running are not touched.
- A session with no input (a key, the mouse, a resize) for `idle` seconds ends.
- A session ends for good. When its tab closes, its connection drops (the websocket's heartbeat
  notices within HEARTBEAT × 2 seconds) or it idles, the app is asked to quit, and its process
  group (the app, and a recording it was making) is killed if it has not ended in QUIT_WAIT
  seconds. Each app runs in a process group of its own, so nothing else is touched. An app that
  ends by itself (`q`) closes its tab's connection.
- The page and its websocket's address are made from the address the browser used, so a server
  listening on 0.0.0.0 is reached by the machine's name.

Files the app makes (ctrl+s, S) reach the browser as downloads: the app delivers them
(fragtui.tui.outputs) and textual-serve's download route hands them over.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shlex
import signal
import socket
import sys
import time
from asyncio.subprocess import PIPE, Process
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from fragtui.sim.errors import FragtuiError, ParamError, safe
from fragtui.stopping import STOP_SIGNALS, Stopped

QUIT_WAIT = 3.0  # seconds an app has to quit before its process group is killed
HEARTBEAT = 15.0  # seconds between the websocket's pings: a connection that drops is noticed in two
WILDCARDS = ("0.0.0.0", "::", "")  # hosts that mean every address this machine has


class Session(AppService):
    """One tab's app: started in a process group of its own, its user's last input noted."""

    def __init__(self, number: int, argv: list[str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.number = number
        self.argv = argv
        self.last_input = time.monotonic()
        self.why = ""  # why it ended, when the server ended it
        self.ended = False  # its app's output has ended

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=PIPE, stdout=PIPE, stderr=PIPE,
            env=self._build_environment(width=width, height=height), start_new_session=True)
        assert process.stdin is not None
        self._process, self._stdin = process, process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def send_bytes(self, data: bytes) -> bool:  # keys, clicks and the mouse
        self.last_input = time.monotonic()
        return await super().send_bytes(data)

    async def set_terminal_size(self, width: int, height: int) -> None:
        self.last_input = time.monotonic()
        await super().set_terminal_size(width, height)

    async def on_meta(self, data: bytes) -> None:
        if json.loads(data).get("type") == "exit":  # the app quit (`q`): the tab is closed next
            self.ended = True
        await super().on_meta(data)

    async def run(self) -> None:
        await super().run()  # (until the app's output ends: it quit, or was ended)
        self.ended = True
        try:
            await self.remote_close()  # the tab says "Session ended"
        except ConnectionError:
            pass

    async def end(self) -> None:
        """Ask the app to quit; kill its process group if it has not ended in QUIT_WAIT seconds."""
        process = self._process
        if process is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(process.wait(), QUIT_WAIT)
            except asyncio.TimeoutError:
                pass
        try:  # what is left: an app that would not quit, a child it left behind
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        await process.wait()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, QUIT_WAIT)
            except asyncio.TimeoutError:  # (wait_for has cancelled the reader)
                pass
            except Exception as error:  # the reader failed on output it could not read; the app is gone anyway
                self.why = self.why or f"its output could not be read: {type(error).__name__}: {error}"
            self._task = None


class Classroom(Server):
    """textual-serve's server with a cap on sessions, an idle limit and sure endings."""

    def __init__(self, argv: list[str], *, host: str, port: int, sessions: int, idle: float) -> None:
        super().__init__(shlex.join(argv), host=host, port=port, title="fragtui")
        self.argv = argv
        self.most = sessions
        self.idle = idle
        self.sessions: dict[Session, web.WebSocketResponse] = {}
        self.started = 0  # sessions so far: each is numbered in the log
        self.closing = False
        self.stopped_by = 0

    @property
    def full(self) -> bool:
        return len(self.sessions) >= self.most or self.closing

    def say(self, message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {safe(message)}", flush=True)

    async def on_startup(self, app: web.Application) -> None:
        """(textual-serve prints its logo here; `run` says where to go instead)"""

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page that draws the app, or one that says the class is full."""
        if self.full:
            return web.Response(status=503, text=full_page(self.most), content_type="text/html",
                                headers={"Retry-After": "60"})
        scheme = "wss" if request.scheme == "https" else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A tab's session: its app started, fed the tab's keys, and ended whatever happens."""
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT)
        await websocket.prepare(request)
        if self.full:
            self.say(f"a tab was turned away: {self.most} sessions are running, the most --sessions allows")
            await websocket.send_bytes(full_line(self.most).encode())  # xterm.js writes it in the tab
            await websocket.close()
            return websocket
        self.started += 1
        session = Session(self.started, self.argv, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                          close=websocket.close, download_manager=self.download_manager)
        self.sessions[session] = websocket
        running = len(self.sessions)
        why = ""
        try:
            await session.start(to_int(request.query.get("width", "80"), 80),
                                to_int(request.query.get("height", "24"), 24))
            self.say(f"session {session.number} started (process {session.pid}): {running} of {self.most} running")
            await self._process_messages(websocket, session)
            why = "its app quit" if session.ended else "its tab closed or its connection dropped"
        except asyncio.CancelledError:
            why = "the server stopped"
            raise
        except Exception as error:  # (a broken message from a tab ends that tab only)
            why = f"{type(error).__name__}: {error}"
        finally:
            try:
                await session.end()
            finally:  # (whatever ending it raised, its place is freed and its end said)
                del self.sessions[session]
                await websocket.close()
                self.say(f"session {session.number} ended ({session.why or why}): {len(self.sessions)} of "
                         f"{self.most} running")
        return websocket

    async def watch_idle(self) -> None:
        """End each session whose user has given no input for `idle` seconds."""
        while True:
            await asyncio.sleep(min(self.idle / 4, 5.0))
            now = time.monotonic()
            idle = [session for session in self.sessions if now - session.last_input > self.idle and not session.why]
            await self.end(idle, f"idle for {minutes(self.idle)}")

    async def end(self, sessions: list[Session], why: str) -> None:
        """Close these sessions' websockets, which makes their handlers end their apps."""
        for session in sessions:
            session.why = why
        await asyncio.gather(*(self.sessions[session].close() for session in sessions if session in self.sessions))

    async def run(self) -> int:
        """Listen, say where, and serve until a stop signal; then end every session."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def stopped(signum: int) -> None:
            self.stopped_by = signum
            stop.set()

        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stopped, sig)
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False,
                               shutdown_timeout=QUIT_WAIT)  # (aiohttp's own: 60 s for a request still open)
        await runner.setup()
        watcher = None
        try:
            try:
                site = web.TCPSite(runner, self.host or None, self.port)
                await site.start()
            except OSError as error:
                raise bind_error(self.host, self.port, error) from None
            port = runner.addresses[0][1]
            here = socket.gethostname() if self.host in WILDCARDS else self.host
            here = f"[{here}]" if ":" in here else here  # (an IPv6 address)
            where = f"http://{here}:{port}/"
            print(f"fragtui serve: open {where} in a browser" + (f" (on this machine: http://localhost:{port}/)"
                                                                 if self.host in WILDCARDS else ""), flush=True)
            print(f"every tab is a session of its own: at most {self.most} at once, each ended after "
                  f"{minutes(self.idle)} without input; press Ctrl+C to stop the server and every session", flush=True)
            watcher = asyncio.create_task(self.watch_idle())
            await stop.wait()
            self.closing = True
            await self.end(list(self.sessions), "the server stopped")
            for _ in range(int(QUIT_WAIT * 20) + 20):  # the handlers end their sessions
                if not self.sessions:
                    break
                await asyncio.sleep(0.05)
        finally:
            if watcher is not None:
                watcher.cancel()
            await runner.cleanup()
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
        raise Stopped(self.stopped_by)


def serve(argv: list[str], *, host: str, port: int, sessions: int, idle: float) -> int:
    """Serve `fragtui ARGV` (the app's options) to browsers until stopped; `idle` in seconds."""
    command = [sys.executable, "-m", "fragtui", *argv]
    return asyncio.run(Classroom(command, host=host, port=port, sessions=sessions, idle=idle).run())


def bind_error(host: str, port: int, error: OSError) -> FragtuiError:
    """Why the server cannot listen there, as one line naming the option at fault."""
    if isinstance(error, socket.gaierror):
        return ParamError("host", host, f"not a name or address this machine can resolve ({error.strerror})")
    if error.errno == errno.EADDRINUSE:
        return ParamError("port", port, f"already in use on {host}; give another with --port, or --port 0 for any "
                                        "free one")
    if error.errno == errno.EACCES:
        return ParamError("port", port, "needs privileges this user lacks (ports below 1,024 are the system's); "
                                        "use one from 1,024 to 65,535")
    if error.errno == errno.EADDRNOTAVAIL:
        return ParamError("host", host, "not an address of this machine; use localhost, 0.0.0.0 (every network it "
                                        "is on) or one of its own addresses")
    return ParamError("host", host, f"cannot listen there on port {port}: {error.strerror or error}")


def minutes(seconds: float) -> str:
    """15 minutes, 1 minute, 3 seconds."""
    if seconds < 60:
        return f"{seconds:g} second{'' if seconds == 1 else 's'}"
    return f"{seconds / 60:g} minute{'' if seconds == 60 else 's'}"


def full_line(most: int) -> str:
    return (f"\r\nfragtui: the class is full: {most} sessions are running, the most this server takes. "
            "Reload when a tab has closed.\r\n")


def full_page(most: int) -> str:
    """The page a tab past the cap gets, instead of the app."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>fragtui: the class is full</title>
<style>body {{ background: #0c181f; color: #eee; font: 18px/1.5 monospace; margin: 15vh auto; max-width: 40em; }}
button {{ font: inherit; padding: 0.5em 2em; }}</style></head>
<body><h1>The class is full</h1>
<p>This fragtui server runs at most {most} sessions at once, and {most} are running now.
Try again when a tab has been closed: a session also ends on its own when it has been idle.</p>
<button onclick="location.reload()">Try again</button></body></html>
"""
