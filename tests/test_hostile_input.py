"""Hostile command lines built from the real option set: whatever a user types or feeds it,
fragtui ends with status 0 or 2, at most one line on stderr, no traceback and no raw control
character. In-process (the TUI's own run is replaced by a no-op: only what fails before the app
starts is exercised); what used to hang is run as real processes in test_bad_input.py."""

import argparse
import io
import os
import signal
import sys
import threading
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import fields
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fragtui.cli import main
from fragtui.cli.parser import build_parser
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.config.params import Params, parse_field
from fragtui.tui.app import FragApp

FIXTURES = Path(__file__).parent / "fixtures"
PARAM_FIELDS = [f.name for f in fields(Params)]


def option_set(parser: argparse.ArgumentParser) -> dict[str, list[tuple[str, bool]]]:
    """Each command ("" for the TUI) and its long options, with whether each takes a value."""
    found: dict[str, list[tuple[str, bool]]] = {"": []}
    for action in parser._actions:  # argparse has no public way to list them
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = option_set(sub)[""]
        elif action.option_strings and action.option_strings[-1] not in ("--help", "--version"):
            found[""].append((action.option_strings[-1], action.nargs != 0))
    return found


OPTIONS = option_set(build_parser())
HOSTILE = [
    "²", "①", "١٢", "--5", "-1", "0", "", " ", "9" * 5000, "1e309", "nan", "inf", "0x10", "1_0", "[/]", "[b]x",
    "\x1b]0;owned\x07", "\x1b[2J", "a\nb", "\x00", "a\x00b", "\x9b31m", "\u202e", "+²", "²:1:1:fp16", "²x8", "10x5",
    "churn:²", "uniform:²:3", "lognormal:nan:1", "/dev/zero", "/dev/full", "/proc/self/status", "FIFO", "DIR",
    "loop", str(FIXTURES / "binary.bin"), str(FIXTURES / "mixed_zones.csv"), str(FIXTURES / "control_header.csv"),
]
FINE = [
    "1", "8", "16", "64", "512", "constant", "serving", "event", "first", "lifo", "pow2", "none", "churn:0.5",
    "uniform:1:8", "lognormal:1:1", "sharegpt", "+1,+2,-0", "opt-13b", "12GiB", "100x30", "2",
    str(FIXTURES / "azure_small.csv"), "out.svg",
]
# Fine values half the time, so that a hostile one often arrives alone and goes deep.
VALUES = st.one_of(st.sampled_from(FINE), st.sampled_from(FINE), st.sampled_from(HOSTILE), st.text(max_size=12))
OUTPUTS = ["out.svg", "out.cast", "/dev/full", "DIR", "FIFO", "loop", "", "\x1b]0;owned\x07.svg", "no/such/x.svg"]


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    argv = [command] if command else []
    chosen = st.lists(st.sampled_from(OPTIONS[command]), max_size=3, unique=True) if OPTIONS[command] else st.just([])
    for option, takes_value in draw(chosen):
        if not takes_value:
            argv.append(option)
        elif draw(st.booleans()):
            argv += [option, draw(VALUES)]
        else:
            argv.append(f"{option}={draw(VALUES)}")
    if command in ("screenshot", "record") and draw(st.sampled_from([True] * 5 + [False])):
        argv += ["-o", draw(st.sampled_from(OUTPUTS))]  # required: without it, argparse stops first
    if draw(st.sampled_from([False] * 5 + [True])):
        argv.insert(draw(st.integers(min(1, len(argv)), len(argv))), draw(st.sampled_from(HOSTILE)))  # a stray argument
    return argv


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    os.mkfifo(folder / "FIFO")  # no writer: opening it without O_NONBLOCK would wait forever
    (folder / "DIR").mkdir()
    os.symlink("loop", folder / "loop")
    return folder


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), mock.patch.object(FragApp, "run", lambda self, **kw: None), \
            mock.patch("fragtui.serve.serve", lambda *a, **kw: 0):  # (serve's own tests listen: test_serve.py)
        try:
            status = main(argv)
        except SystemExit as exit:  # --help
            status = exit.code
    return status, out.getvalue(), err.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_any_command_line_ends_in_0_or_2_with_at_most_one_clean_line(argv, hostile_dir, monkeypatch):
    monkeypatch.chdir(hostile_dir)
    status, out, err = run(argv)
    assert status in (0, 2), (argv, status, err)
    assert "Traceback" not in err
    if status == 2:
        assert err.startswith("fragtui: ") and err.count("\n") == 1, (argv, err)
    else:
        assert err == "", (argv, err)
    for text in (out, err.rstrip("\n")):
        assert not any(c in text for c in "\x1b\x07\x00\x9b\u202e"), (argv, text[-200:])


def stdout_of(kind: str):
    """A standard output as a hostile process might have it."""
    if kind == "full":
        return open("/dev/full", "w")
    if kind == "ascii":
        return io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    return None if kind == "closed" else io.StringIO()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines(), kind=st.sampled_from(["fine", "full", "closed", "ascii"]),
       sig=st.sampled_from([None, signal.SIGTERM, signal.SIGHUP, signal.SIGINT]), after=st.floats(0, 0.2))
def test_any_command_line_with_a_bad_stdout_or_a_signal_ends_in_one_clean_line(argv, kind, sig, after, hostile_dir,
                                                                               monkeypatch):
    """A full, closed or ASCII stdout, and a stop signal at any moment: status 0, 2 or 128 +
    the signal, at most one line on stderr. (A signal that comes before or after main has
    its handlers lands in the test's own, so it cannot stop pytest.)"""
    monkeypatch.chdir(hostile_dir)
    stdout, err = stdout_of(kind), io.StringIO()
    previous = signal.signal(sig, lambda *_: None) if sig else None
    timer = threading.Timer(after, os.kill, (os.getpid(), sig)) if sig else None
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, err
    try:
        with mock.patch.object(FragApp, "run", lambda self, **kw: None), mock.patch("fragtui.serve.serve", lambda *a, **kw: 0):
            if timer:
                timer.start()
            try:
                status = main(argv)
            except SystemExit as exit:  # --help
                status = exit.code
    finally:
        sys.stdout, sys.stderr = saved
        if timer:
            timer.cancel()
            timer.join()
            signal.signal(sig, previous)
        if kind == "full":
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())  # (what main did to fd 1 there)
            stdout.close()
    assert status in (0, 2, 128 + sig if sig else 2) or (status is None and "--help" in argv), (argv, status, err.getvalue())
    text = err.getvalue()
    assert "Traceback" not in text and text.count("\n") <= 1, (argv, text)
    if status not in (0, None):
        assert text.startswith("fragtui: "), (argv, text)


def test_the_option_set_is_read_from_the_parser():
    assert ("--total-slots", True) in OPTIONS["report"] and ("--json", False) in OPTIONS["sweep"]
    assert ("--size", True) in OPTIONS["record"] and ("--speed", True) in OPTIONS[""]
    assert set(OPTIONS) == {"", "report", "sweep", "scenarios", "capacity", "screenshot", "record", "serve"}


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(PARAM_FIELDS), text=st.one_of(st.sampled_from(HOSTILE + FINE), st.text(max_size=30)))
def test_an_editor_field_is_a_value_or_one_clean_line(name, text):
    """The parameter editor reads every field through parse_field."""
    try:
        parse_field(name, text)
    except ParamError as error:
        line = error.describe("field")
        assert line.startswith(name) and line.isprintable(), line
    except FragtuiError as error:  # pragma: no cover - parse_field raises ParamError only
        pytest.fail(f"{name} {text!r}: {error}")


@pytest.mark.parametrize("argv, line", [
    (["report", "--trace", "a\x00b"], "fragtui: a\\x00b: cannot read: embedded null byte\n"),
    (["screenshot", "-o", "a\x00b"], "fragtui: -o a\\x00b: cannot write: embedded null byte\n"),
])
def test_a_nul_in_a_path_is_one_line(argv, line):
    """A process's arguments cannot hold a NUL, but the editor's fields can."""
    assert run(argv)[0::2] == (2, line)


@pytest.mark.parametrize("mode", ["event", "serving"])
def test_a_trace_named_with_control_characters_is_reported_escaped(tmp_path, mode):
    trace = tmp_path / "\x1b]0;owned\x07.txt"
    trace.write_text("32\n64\n")
    status, out, err = run(["report", "--mode", mode, "--trace", str(trace)])
    assert (status, err) == (0, "") and "trace \\x1b]0;owned\\x07.txt: 2 requests" in out and "\x1b" not in out
