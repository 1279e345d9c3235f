"""SIGTERM and SIGHUP end the app the way `q` does: the terminal is restored and the status is 0.
Run for real, in a pseudo-terminal."""

import os
import select
import signal
import struct
import sys
import time

import pytest

pty = pytest.importorskip("pty")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

RESTORED = (
    b"\x1b[?1049l",  # back from the alternate screen
    b"\x1b[?1000l",  # mouse reporting off
    b"\x1b[?2004l",  # bracketed paste off
    b"\x1b[?25h",  # cursor shown
)


def read_until(fd: int, want: bytes | None, seconds: float) -> bytes:
    """What the app writes, until `want` appears (None: until it closes) or time runs out."""
    out, end = b"", time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0 and (want is None or want not in out):
        if select.select([fd], [], [], left)[0]:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    return out


def run_and_stop(stop) -> tuple[bytes, int]:
    env = {**os.environ, "TERM": "xterm-256color"}
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "fragtui"], env)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        painted = read_until(fd, b"step", 20)
        assert b"step" in painted, painted[-200:]
        stop(pid, fd)
        after = read_until(fd, None, 10)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return after, status


@pytest.mark.parametrize("how", ["q", "SIGTERM", "SIGHUP"])
def test_a_signal_ends_the_app_as_q_does(how):
    def stop(pid, fd):
        if how == "q":
            os.write(fd, b"q")
        else:
            os.kill(pid, getattr(signal, how))

    after, status = run_and_stop(stop)
    for sequence in RESTORED:
        assert sequence in after, (sequence, after[-300:])
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
