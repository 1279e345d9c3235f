"""The four sharing scenarios (issue 13) in `report`, in JSON, and in the app."""

import json
import re

import pytest

from fragtui.cli import main
from fragtui.lab import LabResult
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import get_scenario
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.workload.build import build_workload
from fragtui.tui.app import FragApp
from fragtui.view.cells import cell_info
from fragtui.view.stage import make_stage
from fragtui.view.states import CACHED, SHARED
from tui_helpers import screen_text, sidebar_rows

SMALL = ["--arrivals", "40"]  # the serving scenarios, shortened


def test_the_seed_lab_is_unchanged_with_prefix_caching_on_and_nothing_shared():
    for params in (Params(), Params(used_len=33), Params(prefix_caching=True), Params(used_len=33, prefix_caching=True)):
        params = params.validated()
        sim = Simulation(params, build_workload(params).events).run()
        m = sim.metrics("paged")
        assert LabResult(m.admitted, m.rejected, m.wasted) == ((64, 0, 0) if params.used_len == 32 else (64, 0, 960))
        assert (m.prefix_hits, m.saved_blocks) == (0, 0)


def test_shared_prefix_report(capsys):
    assert main(["report", "--scenario", "shared-prefix"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("contiguous: admitted=64 rejected=0 wasted=1024\npaged: admitted=64 rejected=0 wasted=0\n")
    rows = {line[:26].strip(): line[26:].split() for line in out.splitlines() if line[:1] in " abcdefghijklmnopqrstuvwxyz"}
    assert rows["used"] == ["3072", "1056"]  # the prompt once, not 64 times
    assert rows["cache hits (blocks)"] == ["0", "126"] and rows["saved by sharing (blocks)"] == ["0", "126"]
    assert rows["hit rate %"] == ["n/a", "65.6"]


def test_prefix_cache_json_gives_each_admissions_reused_and_new_blocks(capsys):
    assert main(["report", "--scenario", "prefix-cache", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    paged = data["paged"]
    assert paged["prefix_hits"] > 0 and paged["evictions"] > 0 and 0 < paged["hit_rate"] < 1
    admissions = [s["paged"] for s in data["steps"] if s["paged"]["outcome"] == "admitted"]
    assert all(a["reused"] + a["new"] == a["blocks"] for a in admissions)
    assert sum(len(a["reused"]) for a in admissions) == paged["prefix_hits"]
    assert data["contiguous"]["prefix_hits"] == 0 and data["contiguous"]["hit_rate"] is None


@pytest.mark.parametrize("name, kind, paper", [("parallel-sampling", "parallel sampling", "6.1–9.8"),
                                               ("beam-search", "beam search", "37.6–55.2")])
def test_serving_sharing_report_sets_ours_beside_fig_15(name, kind, paper, capsys):
    assert main(["report", "--scenario", name, *SMALL]) == 0
    out = capsys.readouterr().out
    assert f"memory saved by sharing, {kind}" in out and paper in out
    table = out.split("\nwidth")[1].splitlines()[1:4]
    saved = {int(line.split()[0]): float(line.split()[1]) for line in table}
    assert 0 < saved[2] < saved[4] < saved[6] < 100
    row = next(line for line in out.splitlines() if line.startswith("saved by sharing %")).split()
    assert row[-2] == "0.0" and float(row[-1]) > 0  # Orca never shares


def test_hovering_a_shared_block_says_how_many_hold_it():
    stage = make_stage(get_scenario("beam-search").build(arrivals=10))
    stage.goto(5)
    picture = stage.pictures[1]
    slot = picture.states.find(SHARED)
    text = cell_info(picture, slot, slot + 1).describe(stage.words.request_detail, stage.words.holder_name)
    assert re.search(r"shared by [234] · r\d+\.0 \d+/\d+ tokens", text), text


@pytest.mark.parametrize("name, steps", [("shared-prefix", 64), ("prefix-cache", 90), ("parallel-sampling", 12),
                                         ("beam-search", 12)])
async def test_the_sharing_scenarios_in_the_app(name, steps):
    app = FragApp(get_scenario(name).build(), scenario=name)
    async with app.run_test(size=(160, 50)) as pilot:
        app.goto(steps)
        await pilot.pause()
        text = screen_text(app)
        rows = sidebar_rows(app)
        states = app.stage.pictures[1].states
        assert "shared" in text and SHARED in states
        if app.stage.mode == "event":
            hits = next(values for label, values in rows.items() if "hits" in label)
            assert hits[0] == "0" and int(hits[1]) > 0
            assert "reuses" in text or "released" in text
        else:
            assert rows["copies on write"][0] == "0" and float(rows["saved by sharing %"][1]) > 0
        if name == "prefix-cache":
            assert "cached" in text and CACHED in states
        await pilot.press("left")
        await pilot.pause()
        assert app.stage.step == steps - 1
