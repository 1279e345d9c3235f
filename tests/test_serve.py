"""`fragtui serve`: a session per browser tab, bounded (a cap, an idle limit, sure endings), the
app's files delivered as downloads, and bad input refused in one line. Against a real server
process; its tabs are websockets speaking as xterm.js does (tests/serving.py). The same in a real
browser is tests/test_browser.py."""

import asyncio
import importlib.util
import io
import os
import signal
import socket
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import aiohttp
import pytest

from fragtui.cli import main
from fragtui.cli.commands import _app_argv
from fragtui.cli.parser import build_parser
from serving import Served, Tab, alive, gone, shown


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("served"), "--sessions", "2")
    yield server
    server.stop()


async def fresh_tab(http: aiohttp.ClientSession, served: Served) -> tuple[Tab, int, int]:
    """A new tab showing step 0, its session's number and its app's pid."""
    number = served.started + 1
    tab = await Tab.open(http, served)
    await tab.sees("step 0/64")
    return tab, number, served.pid_of(number)


async def settled(served: Served) -> None:
    """Wait until every session the server started has ended (the next test finds room)."""
    await asyncio.to_thread(served.settle)


async def test_a_tab_gets_the_app_its_keys_and_its_files_as_downloads(served):
    async with aiohttp.ClientSession() as http:
        async with http.get(served.url) as page:
            html = await page.text()
        assert page.status == 200 and "js/textual.js" in html
        assert f'data-session-websocket-url="{served.ws_url}"' in html  # the address the browser used
        tab = await Tab.open(http, served)
        await tab.sees("seed  step 0/64")
        tab.forget()
        await tab.press(" ", " ", " ")
        await tab.sees("step 3/64")

        await tab.press("\x13")  # ctrl+s, as xterm.js sends it
        name, svg = await tab.delivery()
        assert name == "fragtui-seed-step-3.svg"
        assert svg.startswith(b"<svg") and b"3/64" in svg  # the screen, as the terminal's ctrl+s writes it

        await tab.press("S")  # the run so far: steps 0 to 3, as `fragtui record --to 3` makes it
        name, svg = await tab.delivery()
        assert name == "fragtui-seed-steps-0-3.svg"
        assert "<title>fragtui · seed · steps 0–3</title>" in svg.decode()
        assert svg.count(b"@keyframes") == 3  # four frames: one shown first, three that follow
        await tab.websocket.close()
    assert list(served.folder.iterdir()) == []  # delivered, not written on the server
    await settled(served)


async def test_past_the_cap_a_tab_is_told_the_class_is_full_and_the_others_go_on(served):
    async with aiohttp.ClientSession() as http:
        first, second = await Tab.open(http, served), await Tab.open(http, served)
        await first.sees("step 0/64")
        await second.sees("step 0/64")
        async with http.get(served.url) as page:
            assert page.status == 503
            text = await page.text()
        assert "The class is full" in text and "at most 2 sessions at once, and 2 are running now" in text
        third = await Tab.open(http, served)
        await third.until_closed()
        assert shown(third.output) == ("\r\nfragtui: the class is full: 2 sessions are running, the most this server "
                                       "takes. Reload when a tab has closed.\r\n")
        assert served.log_has("a tab was turned away: 2 sessions are running, the most --sessions allows")
        for tab in (first, second):
            tab.forget()
            await tab.press(" ")
            await tab.sees("step 1/64")
            await tab.websocket.close()
    await settled(served)


async def test_a_tab_that_vanishes_ends_its_session_and_nothing_else(served):
    async with aiohttp.ClientSession() as http:
        before = served.started
        lost, kept = await Tab.open(http, served), await Tab.open(http, served)
        await lost.sees("step 0/64")
        await kept.sees("step 0/64")
        lost_pid, kept_pid = served.pid_of(before + 1), served.pid_of(before + 2)
        lost.websocket._response.connection.transport.abort()  # a browser gone without a goodbye
        assert await gone(lost_pid)
        assert served.log_has(f"ended (its tab closed or its connection dropped): 1 of 2 running")
        assert alive(kept_pid)
        kept.forget()
        await kept.press(" ")
        await kept.sees("step 1/64")
        await kept.websocket.close()
    assert await gone(kept_pid)
    await settled(served)


async def test_an_app_that_does_not_quit_is_killed_when_its_tab_closes(served):
    async with aiohttp.ClientSession() as http:
        tab, number, pid = await fresh_tab(http, served)
        os.kill(pid, signal.SIGSTOP)  # it cannot hear "quit"
        await tab.websocket.close()
    assert await gone(pid)
    assert served.log_has(f"session {number} ended (its tab closed or its connection dropped)")
    await settled(served)


async def test_q_ends_the_session_and_closes_its_tab(served):
    async with aiohttp.ClientSession() as http:
        tab, _, pid = await fresh_tab(http, served)
        await tab.press("q")
        await tab.until_closed()
    assert await gone(pid)
    assert served.log_has("ended (its app quit)")
    await settled(served)


async def test_large_files_arrive_whole_and_a_tab_that_vanishes_mid_recording_leaves_no_process(tmp_path):
    """Screenshots of churn playing from step 500 (some 200 KB each, sent in 64 KiB chunks while
    the screen changes) arrive whole: Textual's web driver writes a file's chunks from another
    thread than the screen's, and the two once cut into each other (tui/outputs.py). Then the
    app's process group goes with its tab: the app, and the `fragtui record` it had started."""
    server = Served(tmp_path, "--scenario", "churn", "--steps", "500")
    try:
        async with aiohttp.ClientSession() as http:
            tab = await Tab.open(http, server, (142, 40))
            await tab.sees("step 500/")
            await tab.press("p")  # playing: the screen changes all the time
            for _ in range(3):
                await tab.press("\x13")
                name, svg = await tab.delivery()
                assert name.startswith("fragtui-churn-step-") and svg.rstrip().endswith(b"</svg>")
            await tab.press("p")
            pid = server.pid_of(1)
            await tab.press("S")
            recorder = await children_of(pid)
            tab.websocket._response.connection.transport.abort()
            assert await gone(pid) and await gone(recorder)
    finally:
        status, err = server.stop()
    assert (status, err) == (130, "fragtui: stopped by SIGINT\n")
    assert list(tmp_path.iterdir()) == []


async def children_of(pid: int) -> int:
    """The first child process of `pid`, once there is one."""
    for _ in range(200):
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                return int(stat.parent.name)
        await asyncio.sleep(0.02)
    raise AssertionError(f"process {pid} started no child")


async def test_a_session_idle_past_the_limit_ends_and_keys_keep_it(tmp_path):
    server = Served(tmp_path, "--idle", "0.05")  # 3 seconds
    try:
        assert "each ended after 3 seconds without input" in server.log_has("every tab is a session")
        async with aiohttp.ClientSession() as http:
            tab = await Tab.open(http, server)
            await tab.sees("step 0/64")
            for _ in range(4):  # four seconds of keys: longer than the limit, never idle for it
                await asyncio.sleep(1)
                await tab.press(" ")
            assert not tab.closed
            assert await tab.until_closed() < 3 + 5 / 4 + 1  # the limit, the watch's period, and a margin
        assert server.log_has("session 1 ended (idle for 3 seconds): 0 of 30 running")
    finally:
        server.stop()


async def test_ctrl_c_stops_the_server_and_every_session(tmp_path):
    server = Served(tmp_path)
    async with aiohttp.ClientSession() as http:
        tab = await Tab.open(http, server)
        await tab.sees("step 0/64")
        pid = server.pid_of(1)
        status, err = server.stop()
        await tab.until_closed()
    assert (status, err) == (130, "fragtui: stopped by SIGINT\n")
    assert await gone(pid)
    assert "session 1 ended (the server stopped): 0 of 30 running" in server.lines[-1]


def run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(argv)
    return status, err.getvalue()


@pytest.mark.parametrize("argv, line", [
    (["--port", "70000"], "--port '70000': must be a whole number from 0 to 65,535"),
    (["--port", "-1"], "--port '-1': must be a whole number from 0 to 65,535"),
    (["--sessions", "0"], "--sessions '0': must be a whole number from 1 to 500"),
    (["--idle", "0"], "--idle '0': must be a number from 0.05 to 1440"),
    (["--speed", "0"], "--speed '0': must be a number from 1 to 1024"),
    (["--block-size", "0"], "--block-size 0: must be a whole number from 1 to 16,777,216"),
    (["--host", "192.0.2.1"], "--host '192.0.2.1': not an address of this machine; use localhost, 0.0.0.0 (every "
                              "network it is on) or one of its own addresses"),
])
def test_bad_input_is_one_line_and_status_2(argv, line):
    assert run(["serve", *argv]) == (2, f"fragtui: {line}\n")


def test_a_host_that_cannot_be_resolved_is_one_line():
    status, err = run(["serve", "--host", "no.such.host.invalid"])
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("fragtui: --host 'no.such.host.invalid': not a name or address this machine can resolve (")


def test_a_port_in_use_is_one_line_and_status_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "fragtui", "serve", "--port", str(port)], capture_output=True,
                                text=True, timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", f"fragtui: --port {port}: already in use on localhost; give another with --port, or --port 0 for any "
               "free one\n")


def test_without_the_web_extra_serve_says_what_to_install(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "textual_serve" else
                        find_spec(name, *a))
    assert run(["serve"]) == (2, "fragtui: serve needs the web extra, which is not installed: pip install "
                                 "'fragtui[web]'\n")


def test_every_tab_runs_the_app_with_the_options_serve_was_given():
    args = build_parser().parse_args(["serve", "--scenario", "churn", "--ops=-0,+1", "--prefix-caching",
                                      "--no-prefix-caching", "--autoplay", "--speed", "32", "--port", "9000"])
    argv = _app_argv(args)
    assert argv == ["--scenario=churn", "--no-prefix-caching", "--ops=-0,+1", "--autoplay", "--speed=32", "--steps=0"]
    again = build_parser().parse_args(argv)
    assert (again.command, again.scenario, again.ops, again.prefix_caching, again.autoplay, again.speed) == (
        None, "churn", "-0,+1", False, True, "32")
