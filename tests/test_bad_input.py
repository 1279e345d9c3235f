"""A catalogue of bad input. On the command line: exit status 2 and one line on stderr naming
the value, with no traceback. In the app: an error in place, and nothing changed."""

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tui_helpers import sim_of
from fragtui.cli import main
from fragtui.sim.config.params import Params
from fragtui.sim.workload.build import build_workload
from fragtui.sim.workload.traces import load_trace
from fragtui.tui.app import FragApp

FIXTURES = Path(__file__).parent / "fixtures"

CLI_CASES = [
    # sizes and counts
    (["report", "--block-size", "0"], "--block-size 0: must be a whole number from 1"),
    (["report", "--block-size", "x"], "--block-size 'x': must be a whole number"),
    (["report", "--block-size", "8192"], "--block-size 8192: must be ≤ total_slots (4096)"),
    (["report", "--total-slots", "-1"], "--total-slots -1: must be a whole number from 1"),
    (["report", "--total-slots", "99999999999"], "--total-slots 99999999999: must be a whole number from 1 to 16,777,216"),
    (["report", "--max-len", "0"], "--max-len 0: must be a whole number from 1"),
    (["report", "--used-len", "600", "--max-len", "512"], "--used-len 600: must be ≤ max_len (512)"),
    (["report", "--arrivals", "-3"], "--arrivals -3: must be a whole number from 0"),
    (["report", "--arrivals", "1e3"], "--arrivals '1e3': must be a whole number"),
    (["report", "--seed", "-1"], "--seed -1: must be a whole number from 0"),
    # policies and modes
    (["report", "--placement", "middle"], "--placement 'middle': must be one of first, best, worst, next"),
    (["report", "--order", "random"], "--order 'random': must be one of fifo, lifo, lowest"),
    (["report", "--reservation", "huge"], "--reservation 'huge': must be one of max, pow2, oracle"),
    (["report", "--mode", "batch"], "--mode 'batch': must be one of event, serving"),
    (["report", "--scenario", "nope"], "--scenario 'nope': must be one of seed"),
    # distributions, frees, op lists
    (["report", "--lengths", "uniform:5"], "--lengths 'uniform:5': must be constant, uniform:A:B"),
    (["report", "--lengths", "lognormal:1:99"], "--lengths 'lognormal:1:99': lognormal:MU:SIGMA needs"),
    (["report", "--frees", "churn:2"], "--frees 'churn:2': must be none, every-other or churn:P"),
    (["report", "--ops", "+32,*4"], "--ops '+32,*4': op 2 '*4': expected +N, +N/M, +N:aK or -I"),
    (["report", "--ops", "+32,-9"], "--ops '+32,-9': op 2 '-9': only 1 arrivals so far"),
    (["report", "--ops", "+999/10"], "--ops '+999/10': op 1 '+999/10': 999 tokens exceed its max_len 10"),
    (["report", "--ops", "+1", "--frees", "every-other"], "--frees 'every-other': cannot be combined with --ops"),
    (["report", "--ops", "+1", "--trace", "x.csv"], "--trace 'x.csv': cannot be combined with --ops"),
    # sides (issue 20)
    (["report", "--sides", "quick"], "--sides 'quick': 'quick' is not a side; a side is one of first, best"),
    (["report", "--sides", "paged:reservation=max"], "side 'paged' takes no option 'reservation'; it takes block_size"),
    (["report", "--sides", ""], "--sides '': must not be empty"),
    (["report", "--sides", "paged,,first"], "--sides 'paged,,first': NAME or NAME:OPTION=VALUE"),
    (["report", "--sides", ",".join(["paged"] * 7)], "takes one to 6 sides, found 7"),
    (["report", "--sides", "paged:block_size=0"], "side 'paged:block_size=0': block_size 0: must be a whole number"),
    (["report", "--sides", "paged:block_size=8192"], "--sides 'paged:block_size=8192': must be ≤ total_slots (4096)"
                                                      " (side 'paged' has block_size 8192)"),
    (["report", "--sides", "paged:order"], "'order' in side 'paged:order': an option is OPTION=VALUE"),
    (["report", "--sides", "first,best", "--prefix-caching"], "--prefix-caching True: no side takes it"),
    # KV sizing
    (["report", "--kv-memory", "24GiB"], "--kv-memory '24GiB': needs --model"),
    (["report", "--kv-memory", "lots", "--model", "opt-13b"], "--kv-memory 'lots': must be a size"),
    (["report", "--kv-memory", "1GiB", "--model", "llama-3-8b", "--total-slots", "5"],
     "--total-slots 5: cannot be combined with --kv-memory 1GiB"),
    (["report", "--model", "gpt-9"], "--model 'gpt-9': must be one of llama-3-8b"),
    # trace files
    (["report", "--trace", str(FIXTURES / "empty.txt")], "empty.txt: is empty"),
    (["report", "--trace", str(FIXTURES / "binary.bin")], "binary.bin: is a binary file"),
    (["report", "--trace", str(FIXTURES / "bad_value.csv")], "bad_value.csv:3: used 'abc' is not a whole number"),
    (["report", "--trace", str(FIXTURES / "huge.txt")], "huge.txt:2: tokens 99999999999 is more than 16,777,216"),
    (["report", "--trace", str(FIXTURES / "wrong_columns.csv")], "wrong_columns.csv:1: no used, tokens or"),
    (["report", "--trace", str(FIXTURES / "short_row.csv")], "short_row.csv:2: expected 3 fields, found 2"),
    (["report", "--trace", str(FIXTURES / "no-such-file.csv")], "no-such-file.csv: cannot read"),
    # serving mode
    (["report", "--mode", "serving", "--ops", "+1"], "--ops '+1': is for event mode"),
    (["report", "--mode", "serving", "--rate", "-2"], "--rate -2.0: must be a number from"),
    (["report", "--mode", "serving", "--prompt-len", "many"], "--prompt-len 'many': must be constant, N"),
    # other commands and options
    (["sweep", "--block-sizes", "16,zero"], "--block-sizes '16,zero': must be whole numbers"),
    (["screenshot", "--size", "huge", "-o", "x.svg"], "--size 'huge': must be WIDTHxHEIGHT"),
    (["record", "--fps", "fast", "-o", "x.cast"], "--fps 'fast': must be a number"),
    (["--speed", "0"], "--speed '0': must be a number from 1 to 1024"),
    # issue 14: recordings, jumps, sweeps of any parameter
    (["record", "--format", "webm", "-o", "x.cast"], "--format 'webm': must be cast, svg or gif"),
    (["record", "-o", "x.mp4"], "-o x.mp4: cannot tell the format from the extension; name a .cast, .svg or .gif file"),
    (["record", "--every", "0", "-o", "x.cast"], "--every '0': must be a whole number from 1 to 1,000,000,000"),
    (["record", "--hold", "-1", "-o", "x.svg"], "--hold '-1': must be a number from 0 to 600"),
    (["record", "--from", "next-frag", "-o", "x.svg"], "--from 'next-frag': 'next-frag' is not a step: each part must be"),
    (["record", "--from", "10", "--to", "3", "-o", "x.svg"], "--to '3': lands on step 3, before --from's step 10"),
    (["record", "--steps", "3", "--to", "4", "-o", "x.svg"], "--steps '3': is another spelling of --to; give one of them"),
    (["record", "--caption", "a\x1b[2J", "-o", "x.svg"], "--caption 'a\\x1b[2J': must be one line of printable text"),
    (["record", "--caption", "hi", "--size", "80x24", "-o", "x.svg"], "--size '80x24': must be WIDTHxHEIGHT from 80x25"),
    (["screenshot", "--at", "first-fragmented", "-o", "x.svg"],
     "--at 'first-fragmented': first-fragmented: no fragmented rejection in the run (64 steps)"),
    (["screenshot", "--scenario", "external-frag", "--at", "last-rejection,next-rejection", "-o", "x.svg"],
     "next-rejection: no rejection after step 16 of the run (16 steps)"),
    (["sweep", "--vary", "max_len=512,abc"], "--vary 'max_len=512,abc': max_len 'abc': must be a whole number from 1 to 16,777,216"),
    (["sweep", "--vary", "max_len"], "--vary 'max_len': must be PARAM=V1,V2,… (e.g. max_len=512,1024)"),
    (["sweep", "--vary", "bogus=1"], "--vary 'bogus=1': 'bogus' is not a parameter; PARAM is one of total_slots, max_len"),
    (["sweep", "--vary", "mode=event,serving"], "--vary 'mode=event,serving': mode cannot be varied"),
    (["sweep", "--vary", "max_len=512,"], "--vary 'max_len=512,': max_len has an empty value"),
    (["sweep", "--vary", "placement=first,middle"],
     "--vary: the combination placement=middle is refused: placement 'middle': must be one of first, best, worst, next"),
    (["sweep", "--vary", "max_len=16"], "--vary: the combination max_len=16 is refused: used_len 32: must be ≤ max_len (16)"),
    (["sweep", "--vary", "seed=" + ",".join(map(str, range(300)))], "--vary: 300 combinations; at most 256"),
    (["sweep", "--vary", "max_len=512", "--vary", "max-len=1024"], "--vary 'max-len=1024': varies max_len a second time"),
    (["sweep", "--vary", "block_size=8", "--block-sizes", "16"], "--block-sizes is --vary block_size=… again"),
    (["sweep", "--csv"], "--csv is for sweep --vary"),
    (["sweep", "--vary", "max_len=512", "--json", "--csv"], "argument --csv: not allowed with argument --json"),
    (["report", "--bogus"], "unrecognized arguments: --bogus"),
    (["report", "--total-slots"], "argument --total-slots: expected one argument"),
    # issue 15: numbers that look like digits, and numbers too long to convert
    (["report", "--total-slots=²"], "--total-slots '²': must be a whole number from 1 to 16,777,216 (ASCII digits 0-9 only)"),
    (["report", "--block-size=①"], "--block-size '①': must be a whole number from 1 to 16,777,216 (ASCII digits 0-9 only)"),
    (["report", "--ops", "+²"], "--ops '+²': op 1 '+²': expected a whole number from 1 to 16,777,216 (ASCII digits 0-9 only)"),
    (["report", "--model", "²:1:1:fp16"], "--model '²:1:1:fp16': LAYERS '²': must be a whole number from 1 to 4,096 (ASCII"),
    (["sweep", "--block-sizes", "²"], "--block-sizes '²': must be whole numbers from 1 to total_slots (4096), comma-separated (ASCII"),
    (["screenshot", "--size", "²x8", "-o", "x.svg"], "--size '²x8': must be WIDTHxHEIGHT from 80x24 to 500x200 (ASCII"),
    (["report", "--mode", "serving", "--prompt-len", "²"], "--prompt-len '²': must be constant, N, uniform:A:B"),
    (["report", "--total-slots=--5"], "--total-slots '--5': must be a whole number from 1 to 16,777,216"),
    (["report", "--kv-memory", "9" * 130, "--model", "opt-13b"], f"--kv-memory '{'9' * 60}…' (130 characters): must be at most 1 EiB"),
    (["report", "--seed", "9" * 10_000], "(10,000 characters): must be a whole number from 0 to"),
    (["report", "--arrivals", "١٢"], "--arrivals '١٢': must be a whole number from 0 to 1,000,000 (ASCII digits 0-9 only)"),
    # issue 15: control characters are echoed escaped
    (["report", "--bogus\x1b]0;owned\x07\x1b[2J"], "unrecognized arguments: --bogus\\x1b]0;owned\\x07\\x1b[2J"),
    (["report", "--trace", "\x1b]0;owned\x07.csv"], "\\x1b]0;owned\\x07.csv: cannot read: No such file or directory"),
    (["report", "--placement", "\x1b[2J"], "--placement '\\x1b[2J': must be one of first"),
    (["screenshot", "-o", "\x1b]0;t\x07/x.svg"], "-o \\x1b]0;t\\x07/x.svg: no such directory"),
    # issue 15: files that are not files; blank paths
    (["report", "--trace", "/dev/zero"], "/dev/zero: is a device, not a trace file"),
    (["report", "--trace", "/proc/self/status"], "/proc/self/status: is a /proc or /sys file, not a trace"),
    (["report", "--trace", str(FIXTURES)], "fixtures: is a directory, not a trace file"),
    (["report", "--trace", " "], "--trace ' ': must not be empty"),
    # issue 15: timestamps and counts in traces
    (["report", "--trace", str(FIXTURES / "mixed_zones.csv")], "mixed_zones.csv:3: TIMESTAMP '2023-11-16T18:15:47+00:00' has a "
                                                              "time zone and line 2's has none; give every timestamp a zone, or none"),
    (["report", "--trace", str(FIXTURES / "superscript.csv")], "superscript.csv:3: GeneratedTokens '²' is not a whole number (ASCII"),
    (["report", "--trace", str(FIXTURES / "long_span.csv")], "long_span.csv:3: TIMESTAMP '2031-01-01 00:00:00' is more than 366 days"),
    (["report", "--trace", str(FIXTURES / "markup_header.csv")], "markup_header.csv:1: no used, tokens or ContextTokens+GeneratedTokens "
                                                                "column (found: [/], x)"),
    (["report", "--trace", str(FIXTURES / "control_header.csv")], "control_header.csv:1: no used, tokens or ContextTokens+GeneratedTokens "
                                                                 "column (found: \\x1b]0;owned\\x07\\x1b[2J, x)"),
    # issue 15: serving-mode input errors, and a run too long to finish
    (["report", "--mode", "serving", "--prompt-len", "500", "--output-len", "500"],
     "--output-len '500': with --prompt-len 500 every request needs at least 1,000 tokens, more than max_len (512)"),
    (["report", "--mode", "serving", "--prompt-len", "90", "--output-len", "20", "--max-len", "100"],
     "--output-len '20': with --prompt-len 90 every request needs at least 110 tokens, more than max_len (100)"),
    (["report", "--mode", "serving", "--used-len", "512"],
     "--used-len 512: serving mode's prompt and output of used_len tokens each make 1,024 tokens, more than max_len (512)"),
    (["report", "--mode", "serving", "--output-len", "99999999999"], "--output-len 99999999999: must be a whole number from 1 to 16,777,216"),
    (["report", "--mode", "serving", "--output-len", "lognormal:9:1", "--max-len", "200"],
     "--prompt-len constant and --output-len lognormal:9:1: only 0 of 1,001 sampled requests fit max_len 200"),
    (HANG := ["report", "--mode", "serving", "--max-len", "16777216", "--total-slots", "16777216",
              "--output-len", "lognormal:20:5", "--arrivals", "200"],
     "serving run too long: 200 requests need at least 220,944,362 busy ticks and 49,044,697 block growths, more than 100,000,000"),
    # issue 11: an error names the option typed, or says the default was used
    (["report", "--max-len", "16"], "fragtui: the default --used-len 32: must be ≤ max_len (16)"),
    (["report", "--scenario", "tail-waste", "--max-len", "16"], "fragtui: the tail-waste scenario's --used-len 33: must be ≤ max_len (16)"),
    (["report", "--scenario", "paper", "--block-size", "99999"], "--block-size 99999: must be ≤ total_slots (15728)"),
    (["report", "--lengths", "uniform:600:700"], "--lengths 'uniform:600:700': gives no request that fits max_len (512): the shortest is 600"),
    # issue 11: sizes below the app's minimum, speeds beyond the app's
    (["screenshot", "--size", "40x12", "-o", "x.svg"], "--size '40x12': must be WIDTHxHEIGHT from 80x24 to 500x200"),
    (["record", "--size", "79x24", "-o", "x.cast"], "--size '79x24': must be WIDTHxHEIGHT from 80x24"),
    (["--speed", "2000"], "--speed '2000': must be a number from 1 to 1024"),
    # issue 13: sharing
    (["report", "--ops", "+32:A16"], "--ops '+32:A16': op 1 '+32:A16': a prefix is a letter a-z and its length, e.g. +64:a48"),
    (["report", "--ops", "+32:a"], "--ops '+32:a': op 1 '+32:a': a prefix is a letter a-z and its length"),
    (["report", "--ops", "+32:a48"], "--ops '+32:a48': op 1 '+32:a48': prefix a's 48 tokens exceed the request's 32"),
    (["report", "--ops", "+32/64:a0"], "--ops '+32/64:a0': op 1 '+32/64:a0': expected a whole number from 1"),
    (["report", "--prefixes", "27:8"], "--prefixes '27:8': must be G:K, G prompts (1 to 26) of K tokens each"),
    (["report", "--prefixes", "3"], "--prefixes '3': must be G:K"),
    (["report", "--prefixes", "2:²"], "--prefixes '2:²': must be G:K, G prompts (1 to 26) of K tokens each (1 to 16,777,216) (ASCII"),
    (["report", "--ops", "+32", "--prefixes", "1:8"], "--prefixes '1:8': cannot be combined with --ops"),
    (["report", "--prefix-caching", "on"], "unrecognized arguments: on"),
    (["report", "--mode", "serving", "--prefix-caching", "--samples", "2"],
     "--samples 2: cannot be combined with --prefix-caching"),
    (["report", "--samples", "4"], "--samples 4: is for serving mode (--mode serving)"),
    (["report", "--mode", "serving", "--samples", "0"], "--samples 0: must be a whole number from 1 to 64"),
    (["report", "--mode", "serving", "--beam-width", "65"], "--beam-width 65: must be a whole number from 1 to 64"),
    (["report", "--mode", "serving", "--samples", "2", "--beam-width", "2"], "--beam-width 2: cannot be combined with --samples"),
    (["report", "--scenario", "beam-search", "--mode", "event"], "the beam-search scenario's --beam-width 4: is for serving mode"),
    (["report", "--mode", "serving", "--beam-width", "16", "--prompt-len", "sharegpt", "--output-len", "2000",
      "--max-len", "16384", "--total-slots", "1000000", "--arrivals", "1000"],
     "serving run too long: 1,000 requests need at least 2,934 busy ticks, 4,357,664,000 steps of their shared sequences"),
]


@pytest.mark.parametrize("argv, message", CLI_CASES, ids=[" ".join(c[0])[:50] for c in CLI_CASES])
def test_cli_rejects_with_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("fragtui: ") and "Traceback" not in err
    assert message in err, err


@pytest.mark.parametrize("argv", [HANG, ["report", "--trace", "FIFO"], ["report", "--trace", "/dev/zero"]])
def test_what_used_to_hang_is_refused_at_once_in_a_real_process(argv, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # with no writer: an open without O_NONBLOCK would wait forever
    argv = [str(fifo) if a == "FIFO" else a for a in argv]
    result = subprocess.run([sys.executable, "-m", "fragtui", *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == "" and result.stderr.count("\n") == 1


LINE = "TIMESTAMP,ContextTokens,GeneratedTokens\n"


@pytest.mark.parametrize("name, content, message", [
    ("long_line.txt", "1" * 200_000 + "\n", "long_line.txt:1: the line is longer than 65,536 characters"),
    ("long_number.txt", "32\n" + "9" * 1000 + "\n", "long_number.txt:2: tokens '999999999999999999999999999999999999999999999999999999999999…' "
                                                    "(1,000 characters) is more than 16,777,216 tokens"),
    ("long_field.csv", "used,note\n3," + "x" * 2000 + "\n", "long_field.csv:2: a field is longer than 1,024 characters"),
    ("no_such_day.csv", LINE + "2023-02-30 00:00:00,1,1\n", "no_such_day.csv:2: TIMESTAMP '2023-02-30 00:00:00' is not a date and time (no such day)"),
    ("not_utf8.txt", "32\n\xff\xfe\n", "not_utf8.txt:2: is not UTF-8 text"),
])
def test_hostile_trace_files(name, content, message, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1"))
    assert main(["report", "--trace", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"fragtui: {path.parent}/{message}\n"


def test_timestamps_that_go_back_are_taken_in_time_order_from_the_earliest(tmp_path):
    path = tmp_path / "back.csv"
    path.write_text(LINE + "2023-11-16 18:15:46,3,4\n2023-11-16 18:15:40,5,6\n2023-11-16 18:15:50.5,7,8\n")
    requests = build_workload(Params(mode="serving", trace=str(path), time_scale=2).validated()).requests
    assert [(r.id, r.arrival_tick, r.prompt) for r in requests] == [(0, 12, 3), (1, 0, 5), (2, 21, 7)]


def test_zoned_timestamps_are_compared_in_utc(tmp_path):
    path = tmp_path / "zoned.csv"
    path.write_text(LINE + "2023-11-16T18:00:00+01:00,3,4\n2023-11-16 17:00:01Z,5,6\n2023-11-16T16:30:02-00:30,7,8\n")
    assert [r.seconds for r in load_trace(str(path)).rows] == [0.0, 1.0, 2.0]


def test_a_default_is_checked_only_where_it_is_used(capsys):
    # The op list gives every length: the default used_len 32 is not checked against max_len 8,
    # and the default block_size 16 shrinks to the 8-slot pool.
    assert main(["report", "--ops", "+1,+2,-0", "--total-slots", "8", "--max-len", "8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["params"]["used_len"] == 32 and data["params"]["block_size"] == 8
    assert [(s["contiguous"]["outcome"], s["paged"]["outcome"]) for s in data["steps"]] == [
        ("admitted", "admitted"), ("rejected", "rejected"), ("freed", "freed")]
    assert main(["report", "--lengths", "uniform:1:8", "--max-len", "8"]) == 0
    capsys.readouterr()


def test_version_comes_from_the_package_metadata(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"fragtui {version('fragtui')}\n"


@pytest.mark.parametrize("argv", [["report", "--json", "--arrivals", "5000", "--frees", "churn:0.5"], ["sweep"],
                                  ["report", "--scenario", "paper"]])
def test_a_closed_pipe_ends_the_command_quietly(argv):
    child = subprocess.Popen([sys.executable, "-m", "fragtui", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    child.stdout.readline()
    child.stdout.close()  # as `| head -1` does
    _, err = child.communicate(timeout=60)
    assert (child.returncode, err) == (0, b"")


@pytest.mark.parametrize("argv", [c[0] for c in CLI_CASES[::7]])
def test_as_a_real_process_too(argv):
    result = subprocess.run([sys.executable, "-m", "fragtui", *argv], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


EDITOR_CASES = [
    ("total_slots", "0", "total_slots 0: must be a whole number from 1"),
    ("total_slots", "many", "total_slots 'many': must be a whole number"),
    ("block_size", "99999", "block_size 99999: must be ≤ total_slots (4096)"),
    ("used_len", "9999", "used_len 9999: must be ≤ max_len (512)"),
    ("placement", "left", "placement 'left': must be one of first, best, worst, next"),
    ("lengths", "pareto:1", "lengths 'pareto:1': must be constant, uniform:A:B"),
    ("ops", "+1,-7", "ops '+1,-7': op 2 '-7': only 1 arrivals so far"),
    ("trace", str(FIXTURES / "bad_value.csv"), "bad_value.csv:3: used 'abc' is not a whole number"),
    ("kv_memory", "12GiB", "kv_memory '12GiB': needs --model"),
    ("rate", "-1", "rate -1.0: must be a number from"),
    # issue 15: these ended the app
    ("seed", "9" * 10_000, "seed '" + "9" * 60 + "…' (10,000 characters): must be a whole number from 0"),
    ("model", "²:1:1:fp16", "model '²:1:1:fp16': LAYERS '²': must be a whole number from 1 to 4,096 (ASCII digits 0-9 only)"),
    # issue 13
    ("prefix_caching", "maybe", "prefix_caching 'maybe': must be on or off"),
    ("prefixes", "a:1", "prefixes 'a:1': must be G:K"),
    ("samples", "3", "samples 3: is for serving mode"),
    ("sides", "contiguous,quick", "sides 'contiguous,quick': 'quick' is not a side"),
]


async def test_the_parameter_editor_refuses_in_place_and_keeps_everything():
    """Every bad editor value, one after another in one session: each is named inside the
    dialog, which stays open; escape, and nothing has changed."""
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        app.goto(10)
        await pilot.pause()
        before = (app.stage.params, sim_of(app).step, sim_of(app).snapshot())
        for field, value, message in EDITOR_CASES:
            await pilot.press("e")
            await pilot.pause()
            editor = app.screen
            editor.query_one(f"#edit-{field}").value = value
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is editor, field
            error = str(editor.query_one("#editor-error").content)
            assert message in error and "\n" not in error, (field, error)
            await pilot.press("escape")
            await pilot.pause()
            assert (app.stage.params, sim_of(app).step, sim_of(app).snapshot()) == before, field


async def test_keys_that_would_make_a_bad_value_notify_and_keep_everything():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(5):
            await pilot.press("space")
        before = (app.stage.params, sim_of(app).snapshot())
        for key in ["k"] * 6:  # block_size 16 → 8 → 4 → 2 → 1, then refused
            await pilot.press(key)
        await pilot.pause()
        assert app.stage.params.block_size == 1
        assert any("block_size 0" in n.message for n in app._notifications)
        await pilot.press(*"KKKK")
        assert (app.stage.params, sim_of(app).snapshot()) == before


def test_the_speed_range_is_the_apps():
    from fragtui.cli.parser import MAX_SPEED
    from fragtui.tui.playback import SPEEDS

    assert (1, MAX_SPEED) == (SPEEDS[0], SPEEDS[-1])


@pytest.mark.parametrize("argv, line", [
    (["report", "--scenario", "churn", "--used-len", "1000"],
     "--used-len 1000: has no effect here: lengths come from --lengths uniform:16:256"),
    (["report", "--seed", "5"],
     "--seed 5: has no effect here: nothing in this run is drawn at random (constant lengths, no churn, no prefixes)"),
    (["report", "--sides", "first,best", "--block-size", "8"],
     "--block-size 8: has no effect here: no side takes it (--sides first,best)"),
    (["report", "--rate", "3"], "--rate 3.0: has no effect here: it is read in serving mode only (--mode serving)"),
    (["report", "--ops", "+10,+20,-0", "--arrivals", "9"], "--arrivals 9: has no effect here: the op list gives every request"),
    (["report", "--mode", "serving", "--lengths", "azure-conv", "--prompt-len", "100"],
     "--prompt-len '100': has no effect here: --lengths azure-conv gives prompts and outputs"),
    (["sweep", "--vary", "used_len=8,16", "--scenario", "churn"],
     "--vary 'used_len=8,16': varies used_len, which has no effect here: lengths come from --lengths uniform:16:256"),
    (["sweep", "--block-sizes", ""], "--block-sizes '': must be whole numbers from 1 to total_slots (4096), comma-separated"),
    (["sweep", "--block-sizes", "16,4,16"], "--block-sizes '16,4,16': names 16 twice; give each block size once"),
    (["sweep", "--vary", "max_len=256,512,256"], "--vary 'max_len=256,512,256': max_len names 256 twice; give each value once"),
    (["record", "--from", "99999999999", "-o", "x.cast"],
     "--from '99999999999': '99999999999' is past any step: a step is at most 1,000,000,000, and a move by +N or -N at most that"),
    (["sweep", "--vary", "seed=" + ",".join(map(str, range(256))), "--arrivals", "200000", "--lengths", "uniform:1:100"],
     "--vary: 256 runs come to about 102,400,000 events through their sides; at most 20,000,000 (about a minute of "
     "work): vary fewer values, or use fewer --arrivals"),
    (["screenshot", "--press", ",".join(["j"] * 201), "-o", "x.svg"], None),
])
def test_an_option_that_would_change_nothing_or_cost_too_much_is_one_line(argv, line, capsys, tmp_path, monkeypatch):
    """Round three's loose input: each was accepted and ignored, or ran for minutes."""
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    if line is None:
        assert err.endswith("names 201 keys; at most 200 (each is pressed and painted, about 50 ms a key)\n")
    else:
        assert err == f"fragtui: {line}\n"
    assert not list(tmp_path.iterdir())


def test_a_typed_value_the_run_has_anyway_is_not_refused(capsys):
    assert main(["report", "--seed", "0", "--scenario", "churn", "--used-len", "32"]) == 0
