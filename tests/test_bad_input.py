"""A catalogue of bad input. On the command line: exit status 2 and one line on stderr naming
the value, with no traceback. In the app: an error in place, and nothing changed."""

import subprocess
import sys
from pathlib import Path

import pytest

from fragtui.cli import main
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
    (["report", "--ops", "+32,*4"], "--ops '+32,*4': op 2 '*4': expected +N, +N/M or -I"),
    (["report", "--ops", "+32,-9"], "--ops '+32,-9': op 2 '-9': only 1 arrivals so far"),
    (["report", "--ops", "+999/10"], "--ops '+999/10': op 1 '+999/10': 999 tokens exceed its max_len 10"),
    (["report", "--ops", "+1", "--frees", "every-other"], "--frees 'every-other': cannot be combined with --ops"),
    (["report", "--ops", "+1", "--trace", "x.csv"], "--trace 'x.csv': cannot be combined with --ops"),
    # KV sizing
    (["report", "--kv-memory", "24GiB"], "--kv-memory '24GiB': needs --model"),
    (["report", "--kv-memory", "lots", "--model", "opt-13b"], "--kv-memory 'lots': must be a size"),
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
    (["report", "--bogus"], "unrecognized arguments: --bogus"),
    (["report", "--total-slots"], "argument --total-slots: expected one argument"),
]


@pytest.mark.parametrize("argv, message", CLI_CASES, ids=[" ".join(c[0])[:50] for c in CLI_CASES])
def test_cli_rejects_with_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("fragtui: ") and "Traceback" not in err
    assert message in err, err


def test_there_are_at_least_thirty_cli_cases():
    assert len(CLI_CASES) >= 30


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
]


@pytest.mark.parametrize("field, value, message", EDITOR_CASES)
async def test_the_parameter_editor_refuses_in_place_and_keeps_everything(field, value, message):
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(10):
            await pilot.press("space")
        before = (app.stage.params, app.sim.step, app.sim.snapshot())
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        editor.query_one(f"#edit-{field}").value = value
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is editor
        error = str(editor.query_one("#editor-error").content)
        assert message in error and "\n" not in error
        await pilot.press("escape")
        await pilot.pause()
        assert (app.stage.params, app.sim.step, app.sim.snapshot()) == before


async def test_keys_that_would_make_a_bad_value_notify_and_keep_everything():
    app = FragApp()
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(5):
            await pilot.press("space")
        before = (app.stage.params, app.sim.snapshot())
        for key in ["k"] * 6:  # block_size 16 → 8 → 4 → 2 → 1, then refused
            await pilot.press(key)
        await pilot.pause()
        assert app.stage.params.block_size == 1
        assert any("block_size 0" in n.message for n in app._notifications)
        await pilot.press(*"KKKK")
        assert (app.stage.params, app.sim.snapshot()) == before
