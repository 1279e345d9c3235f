"""How a command meets its process: signals stop it at once with the old file kept, a stdout
that is full, closed or narrow gets one line (or ASCII stand-ins), and the app refuses to start
without a terminal."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fragtui.cli import main
from fragtui.stdout import STAND_INS


def run_main(argv, stdout, stdin=None):
    """main(argv) with sys.stdout (and stdin) as given; returns (status, stderr)."""
    err = io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = stdout, err
    if stdin is not None:
        sys.stdin = stdin
    try:
        status = main(argv)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return status, err.getvalue()


@pytest.mark.parametrize("argv", [["report"], ["report", "--json"], ["sweep", "--json"],
                                  ["sweep", "--vary", "max_len=256,512", "--csv"], ["scenarios"]])
def test_a_full_stdout_is_one_line_and_status_2(argv):
    with open("/dev/full", "w") as full:
        status, err = run_main(argv, full)
    assert (status, err) == (2, "fragtui: cannot write to stdout: No space left on device\n")


@pytest.mark.parametrize("argv", [["report"], ["screenshot", "-o", "never.svg"]])
def test_a_closed_stdout_is_refused_before_any_work(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, err = run_main(argv, None)
    assert status == 2 and err.startswith("fragtui: stdout is closed;") and err.count("\n") == 1
    assert not list(tmp_path.iterdir())  # nothing was made


def test_a_reader_that_goes_away_is_let_go_quietly():
    head = subprocess.run(f"{sys.executable} -m fragtui report --scenario churn --json | head -c 10",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert head.stdout == '{\n "scenar' and head.stderr == ""


@pytest.mark.parametrize("argv, want", [
    (["report"], "paged admitted 8.00x as many as contiguous (64 vs 8)."),
    (["sweep", "--vary", "placement=first,buddy"], "ext frag % = 1 - largest free run / free."),
    (["scenarios"], "seed -- one wave of 64 short requests"),
])
def test_an_ascii_stdout_gets_stand_ins_not_a_traceback(argv, want):
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    status, err = run_main(argv, ascii_out)
    ascii_out.flush()
    assert status == 0 and err == ""
    assert want in raw.getvalue().decode("ascii")


def test_a_character_with_no_stand_in_is_a_question_mark_said_once(tmp_path):
    trace = tmp_path / "名前.csv"
    trace.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    status, err = run_main(["report", "--trace", str(trace)], out)
    out.flush()
    assert status == 0 and "trace ??.csv" in raw.getvalue().decode("ascii")
    assert err == "fragtui: stdout's encoding (ascii) cannot show 2 of the characters in this answer; they are written as ?\n"
    assert all(s and s.isascii() for s in STAND_INS.values())


def test_the_app_without_a_terminal_is_one_line():
    status, err = run_main([], io.StringIO(), stdin=io.StringIO())
    assert status == 2
    assert err == ("fragtui: the app needs a terminal, and stdin and stdout are not terminals; "
                   "for files use fragtui report, screenshot or record\n")
    done = subprocess.run([sys.executable, "-m", "fragtui"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "\x1b" not in done.stderr + done.stdout and done.stderr.count("\n") == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_record_stops_at_once_on_a_signal_and_keeps_the_old_file(sig, tmp_path):
    old = tmp_path / "r.cast"
    old.write_text("OLD")
    child = subprocess.Popen([sys.executable, "-m", "fragtui", "record", "--scenario", "churn", "--arrivals", "5000",
                              "-o", str(old)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):  # frames are being written
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    child.send_signal(sig)
    out, err = child.communicate(timeout=30)  # (recording to the end would take minutes)
    assert child.returncode == 128 + sig
    assert err == f"fragtui: stopped by {signal.Signals(sig).name}; {old} left as it was\n" and out == ""
    assert old.read_text() == "OLD" and [p.name for p in tmp_path.iterdir()] == ["r.cast"]


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.5])
def test_a_signal_at_any_moment_of_record_leaves_the_old_file_and_no_temporary(delay, tmp_path):
    """Early (while Python starts, the stream is built, the app starts) or late: the process
    ends at once, by the signal itself before fragtui's handlers exist, else with 143."""
    old = tmp_path / "r.cast"
    old.write_text("OLD")
    child = subprocess.Popen([sys.executable, "-m", "fragtui", "record", "--scenario", "churn", "--arrivals", "5000",
                              "-o", str(old)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    time.sleep(delay)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=30)
    assert child.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM), err
    assert err in ("", f"fragtui: stopped by SIGTERM; {old} left as it was\n")
    assert old.read_text() == "OLD" and [p.name for p in tmp_path.iterdir()] == ["r.cast"]
