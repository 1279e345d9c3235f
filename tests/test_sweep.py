"""`fragtui sweep`: the block-size table as before, and `--vary` over any parameters' cross
product, checked by hand on the seed, as a table, JSON and CSV."""

import csv
import io
import json
import re
import shlex
from pathlib import Path

import pytest

from fragtui.cli import main
from fragtui.sim.config.params import Params
from fragtui.sim.measures.sweep import parse_axis, sweep, vary
from fragtui.sim.workload.build import build_workload

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> str:
    assert main(["sweep", *argv]) == 0
    return capsys.readouterr().out


def test_max_len_on_the_seed_by_hand(capsys):
    """Contiguous fits ⌊4096 / max_len⌋ runs, each wasting max_len − 32; paged is unmoved."""
    rows = vary(Params(), [parse_axis("max_len=512,1024")])
    c = [row.results[0] for row in rows]
    p = [row.results[1] for row in rows]
    assert [m.admitted for m in c] == [8, 4] and [m.rejected for m in c] == [56, 60]
    assert [m.wasted for m in c] == [8 * 480, 4 * 992] and [m.block_table_entries for m in c] == [8, 4]
    assert [m.admitted for m in p] == [64, 64] and [m.wasted for m in p] == [0, 0]
    assert [m.block_table_entries for m in p] == [128, 128] and [m.utilization for m in p] == [0.5, 0.5]
    text = run(capsys, "--vary", "max_len=512,1024").splitlines()
    assert text[0].split() == ["max_len", "side", "admitted", "rejected", "fragmented", "wasted", "ext", "frag",
                               "%", "util", "%", "table", "entries"]
    assert text[1].split() == ["512", "contiguous", "8", "56", "0", "3840", "0.0", "6.3", "8"]
    assert text[2].split() == ["paged", "64", "0", "0", "0", "0.0", "50.0", "128"]
    assert text[3].split() == ["1024", "contiguous", "4", "60", "0", "3968", "0.0", "3.1", "4"]


def test_the_cross_product_in_order_the_first_axis_slowest(capsys):
    rows = vary(Params(used_len=33), [parse_axis("block-size=16,64"), parse_axis("placement=first,best,buddy")])
    assert [dict(r.values) for r in rows] == [{"block_size": b, "placement": p} for b in (16, 64)
                                              for p in ("first", "best", "buddy")]
    assert [r.params.block_size for r in rows] == [16, 16, 16, 64, 64, 64]
    assert [r.results[1].wasted for r in rows] == [64 * 15] * 3 + [64 * 31] * 3  # tail waste: the seed with 33 tokens


def test_json_and_csv_are_well_formed(capsys):
    argv = ["--vary", "max_len=512,1024", "--vary", "placement=first,buddy"]
    data = json.loads(run(capsys, *argv, "--json"))
    assert data["vary"] == {"max_len": [512, 1024], "placement": ["first", "buddy"]}
    assert data["params"]["max_len"] == 512 and data["mode"] == "event" and len(data["rows"]) == 4
    assert data["rows"][2]["values"] == {"max_len": 1024, "placement": "first"}
    assert data["rows"][2]["contiguous"]["admitted"] == 4 and data["rows"][2]["paged"]["wasted"] == 0
    records = list(csv.reader(io.StringIO(run(capsys, *argv, "--csv"))))
    assert records[0] == ["max_len", "placement", "side", "admitted", "rejected", "rejected_fragmented",
                          "wasted", "ext_frag_pct", "utilization_pct", "block_table_entries"]
    assert len(records) == 1 + 4 * 2 and all(len(r) == len(records[0]) for r in records)
    assert records[5] == ["1024", "first", "contiguous", "4", "60", "0", "3968", "0.0", "3.125", "4"]
    assert [r[2] for r in records[1:]] == ["contiguous", "paged"] * 4


def test_serving_mode_sweeps_batch_memory_and_preemptions(capsys):
    argv = ["--scenario", "paper", "--arrivals", "60", "--sides", "contiguous,paged", "--vary", "reservation=max,oracle"]
    lines = run(capsys, *argv).splitlines()
    assert lines[0].split()[:5] == ["reservation", "side", "completed", "preemptions", "batch"]
    assert lines[1].split()[:3] == ["max", "contiguous", "60"] and lines[3].split()[:3] == ["oracle", "contiguous", "60"]
    data = json.loads(run(capsys, *argv, "--json"))
    assert data["mode"] == "serving" and len(data["rows"]) == 2
    assert data["rows"][0]["contiguous"]["mean_batch_queued"] < data["rows"][1]["contiguous"]["mean_batch_queued"]
    assert data["rows"][0]["paged"]["preemptions"] == data["rows"][1]["paged"]["preemptions"]  # paged is not varied
    records = list(csv.reader(io.StringIO(run(capsys, *argv, "--csv"))))
    assert "token_states_pct" in records[0] and len(records) == 5


def test_the_block_size_sweep_is_as_it_was(capsys):
    params = Params(used_len=33)
    rows = sweep(params, build_workload(params).events)
    assert [(r.block_size, r.tail_waste) for r in rows] == [(1, 0), (4, 192), (16, 960), (64, 1984), (256, 3568)]
    with_vary = run(capsys, "--used-len", "33", "--vary", "used_len=33", "--block-sizes", "16,64")
    assert "block_size" in with_vary.splitlines()[0] and len(with_vary.splitlines()) == 1 + 4 + 3


def readme_sweeps() -> list[tuple[str, str]]:
    """Each `$ fragtui sweep …` example in the README and the output it shows."""
    readme = (ROOT / "README.md").read_text()
    found = []
    for block in re.findall(r"```console\n(.*?)```", readme, re.S):
        for command, output in re.findall(r"^\$ (fragtui sweep[^\n]*)\n(.*?)(?=^\$ |\Z)", block, re.S | re.M):
            found.append((command, output))
    return found


@pytest.mark.parametrize("command, output", readme_sweeps(), ids=[c for c, _ in readme_sweeps()])
def test_the_readme_shows_what_sweep_prints(command, output, capsys):
    """Verbatim, through the pipes the README shows (head -N, grep WORD); an example may stop
    before the output does."""
    stages = [shlex.split(stage) for stage in command.split("|")]
    assert main(stages[0][1:]) == 0
    lines = capsys.readouterr().out.splitlines()
    for stage in stages[1:]:
        if stage[0] == "head":
            lines = lines[: int(stage[1].lstrip("-"))]
        elif stage[0] == "grep":
            lines = [line for line in lines if stage[1] in line]
        else:
            pytest.fail(f"no such pipe stage here: {stage}")
    shown = output.splitlines()
    assert lines[: len(shown)] == shown


def test_there_are_readme_sweeps_to_check():
    assert len(readme_sweeps()) == 3


def test_a_sweep_of_an_option_every_side_pins_is_refused(capsys):
    """The paper's sides pin their reservations: varying the run's would change nothing."""
    assert main(["sweep", "--scenario", "paper", "--vary", "reservation=max,oracle"]) == 2
    err = capsys.readouterr().err
    assert err == ("fragtui: --vary 'reservation=max,oracle': varies reservation, which has no effect here: every side "
                   "that takes it pins its own (--sides max,pow2,oracle,paged)\n")
