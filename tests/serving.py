"""`fragtui serve` as a real process to test against, and a tab's screen read from its bytes.

`Served` starts the server on a free port (`--port 0`) in a folder of its own and reads the URL
it prints; its log lines are kept as they come, and `stop` sends SIGINT, as Ctrl+C does.
`Tab` is a browser tab's side of the websocket (aiohttp, no browser): it sends keys as
xterm.js does (`["stdin", text]`) and reads what the app draws. `shown` reduces the bytes to
their text, escapes removed: Textual writes each changed line's text whole, so a header such
as `step 3/64` is found in it as it is on screen."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp

ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b.")


def shown(data: str) -> str:
    """What bytes sent to a terminal write, as text: every escape sequence removed."""
    return ESCAPES.sub("", data)


class Served:
    def __init__(self, folder: Path, *options: str) -> None:
        self.folder = folder
        self.process = subprocess.Popen([sys.executable, "-m", "fragtui", "serve", "--port", "0", *options],
                                        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        first = self.process.stdout.readline()  # "fragtui serve: open http://localhost:PORT/ in a browser"
        found = re.search(r"open (http://\S+/) in a browser", first)
        assert found, first + self.process.stderr.read() if self.process.stderr else first
        self.url = found.group(1)
        self.lines = [first.rstrip("\n")]
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "ws"

    def log_has(self, text: str, timeout: float = 15) -> str:
        """The first log line holding `text`, waiting for it as long as `timeout`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in list(self.lines):
                if text in line:
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no log line with {text!r} in {self.lines}")

    @property
    def started(self) -> int:
        """Sessions started so far, as logged (a session is numbered as its tab connects)."""
        return sum(" started (process " in line for line in list(self.lines))

    def settle(self, timeout: float = 15) -> None:
        """Wait until every session started has ended (a test after it finds every place free)."""
        end = time.monotonic() + timeout
        while self.started != sum(" ended (" in line for line in list(self.lines)):
            assert time.monotonic() < end, self.lines[-5:]
            time.sleep(0.05)

    def pid_of(self, number: int) -> int:
        """The process of session `number`, as the log says when it starts."""
        line = self.log_has(f"session {number} started")
        found = re.search(r"\(process (\d+)\)", line)
        assert found, line
        return int(found.group(1))

    def stop(self) -> tuple[int, str]:
        """SIGINT, as Ctrl+C: its status and what it said on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        assert self.process.stderr is not None
        return self.process.returncode, self.process.stderr.read()


def alive(pid: int) -> bool:
    """Whether process `pid` is running (a zombie, exited but not yet reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


async def gone(pid: int, timeout: float = 10) -> bool:
    """Whether process `pid` ends within `timeout` seconds (the event loop runs meanwhile)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


class Tab:
    """A browser tab's websocket, without the browser."""

    def __init__(self, http: aiohttp.ClientSession, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.http, self.websocket = http, websocket
        self.output = ""  # what the app drew, escapes and all
        self.texts: list[list[object]] = []  # the server's JSON messages (deliveries)
        self.closed = False

    @classmethod
    async def open(cls, http: aiohttp.ClientSession, served: Served, size: tuple[int, int] = (120, 40)) -> Tab:
        websocket = await http.ws_connect(f"{served.ws_url}?width={size[0]}&height={size[1]}")
        return cls(http, websocket)

    async def press(self, *keys: str) -> None:
        for key in keys:
            await self.websocket.send_json(["stdin", key])

    async def _receive(self, timeout: float) -> None:
        message = await self.websocket.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.BINARY:
            self.output += message.data.decode("utf-8", "replace")
        elif message.type == aiohttp.WSMsgType.TEXT:
            self.texts.append(message.json())
        else:
            self.closed = True

    def forget(self) -> None:
        """From now on only what the app draws next counts for `sees`."""
        self.output = ""

    async def sees(self, text: str, timeout: float = 15) -> float:
        """Wait until the app has drawn `text` (since the last `forget`); the seconds it took."""
        start = time.monotonic()
        while text not in shown(self.output):
            left = timeout - (time.monotonic() - start)
            if left <= 0 or self.closed:
                raise AssertionError(f"the tab never showed {text!r}; it showed {shown(self.output)[-400:]!r}")
            await self._receive(left)
        return time.monotonic() - start

    async def delivery(self, timeout: float = 15) -> tuple[str, bytes]:
        """The next file the app delivers, fetched as the page fetches it: its name and bytes."""
        start = time.monotonic()
        while not any(message[0] == "deliver_file_start" for message in self.texts):
            left = timeout - (time.monotonic() - start)
            if left <= 0 or self.closed:
                raise AssertionError(f"no delivery came; the tab showed {shown(self.output)[-400:]!r}")
            await self._receive(left)
        message = next(m for m in self.texts if m[0] == "deliver_file_start")
        self.texts.remove(message)
        url = self.websocket._response.url.with_path(f"/download/{message[1]}").with_query({}).with_scheme("http")
        async with self.http.get(url) as response:
            assert response.status == 200
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment; filename=")
            return disposition.split("filename=", 1)[1], await response.read()

    async def until_closed(self, timeout: float = 15) -> float:
        start = time.monotonic()
        while not self.closed:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise AssertionError("the tab's connection stayed open")
            await self._receive(left)
        return time.monotonic() - start


def chromium() -> str | None:
    """The browser the browser tests drive: $FRAGTUI_CHROMIUM, else Debian's /usr/bin/chromium."""
    path = os.environ.get("FRAGTUI_CHROMIUM", "/usr/bin/chromium")
    return path if os.access(path, os.X_OK) else None
