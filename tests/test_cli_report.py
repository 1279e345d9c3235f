"""`fragtui report`: the seed lines, the table, JSON, and one clean line for bad input."""

import json
import subprocess
import sys

import pytest

from fragtui.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_default_report_starts_with_the_seed_lines(capsys):
    status, out, _ = run(capsys, "report")
    assert status == 0
    assert out.splitlines()[:2] == [
        "contiguous: admitted=8 rejected=56 wasted=3840",
        "paged: admitted=64 rejected=0 wasted=0",
    ]
    table = {line[:26].strip(): line[26:].split() for line in out.splitlines()[3:] if line[:26].strip()}
    assert table["admitted"] == ["8", "64"]
    assert table["wasted"] == ["3840", "0"]
    assert table["block-table entries"] == ["8", "128"]
    assert table["waste share %"] == ["93.8", "0.0"]


def test_report_with_33_tokens(capsys):
    _, out, _ = run(capsys, "report", "--used-len", "33")
    assert out.splitlines()[:2] == [
        "contiguous: admitted=8 rejected=56 wasted=3832",
        "paged: admitted=64 rejected=0 wasted=960",
    ]


def test_report_json_has_every_metric_for_both(capsys):
    status, out, _ = run(capsys, "report", "--json", "--block-size", "32")
    data = json.loads(out)
    assert status == 0
    assert data["params"]["block_size"] == 32
    for name, admitted in (("contiguous", 8), ("paged", 64)):
        entry = data[name]
        assert entry["admitted"] == admitted
        for key in ("rejected", "rejected_pool_full", "rejected_fragmented", "live", "used", "reserved",
                    "free", "unusable", "largest_free_run", "holes", "stranded", "ext_frag",
                    "utilization", "waste_share", "block_table_entries", "wasted", "peaks"):
            assert key in entry
    assert data["paged"]["block_table_entries"] == 64
    assert data["paged"]["wasted"] == 0


@pytest.mark.parametrize(
    "argv, names",
    [
        (["--block-size", "0"], "--block-size 0"),
        (["--total-slots", "-1"], "--total-slots -1"),
        (["--used-len", "600", "--max-len", "512"], "--used-len 600"),
        (["--block-size", "x"], "--block-size 'x'"),
        (["--placement", "middle"], "--placement 'middle'"),
        (["--order", "random"], "--order 'random'"),
        (["--reservation", "huge"], "--reservation 'huge'"),
        (["--arrivals", "1.5"], "--arrivals '1.5'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, names):
    result = subprocess.run(
        [sys.executable, "-m", "fragtui", "report", *argv], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("fragtui: " + names + ":")
