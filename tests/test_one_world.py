"""One definition of each figure on the screen, whatever the mode and however many sides:
the narration, the sidebar, the pane and the report never disagree."""

import re

import pytest

from fragtui.cli import main
from fragtui.sim.config.scenarios import get_scenario
from fragtui.view.picture import Picture
from fragtui.view.stage import make_stage
from fragtui.view.states import HELD, INTERNAL, SLACK


def narrated_batches(narration: str) -> list[int]:
    """The batch each side's words give, in the sides' order ('done' is a batch of 0)."""
    parts = narration.split(" — ", 1)[-1].split(" · ")
    batches = []
    for part in parts:
        found = re.search(r"batch (\d+)", part)
        batches.append(int(found.group(1)) if found else 0)
    return batches


@pytest.mark.parametrize("tick", [3000, 3016, 6000])
def test_running_is_one_number_in_the_narration_the_sidebar_and_the_pane(tick):
    """The paper scenario preempts at ticks 3000 and 3016: the batch the narration gives, the
    sidebar's running and the requests the pane holds are the same requests."""
    stage = make_stage(get_scenario("paper").build())
    stage.goto(tick)
    running = [int(v) for v in dict(stage.words.sidebar(False).rows)["running (batch)"]]
    assert narrated_batches(stage.words.narration()) == running
    holding = [len({h.id for h in pool.holdings()}) for pool in stage.engine.pools]
    assert holding == running


@pytest.mark.parametrize("scenario, options", [("paper", {}), ("seed", {"mode": "serving"})])
def test_at_the_end_nothing_runs_and_every_pool_is_empty(scenario, options):
    stage = make_stage(get_scenario(scenario).build(**options))
    stage.goto(stage.total_steps)
    rows = dict(stage.words.sidebar(False).rows)
    sides = len(stage.sides)
    assert rows["running (batch)"] == ("0",) * sides
    assert rows["token states %"] == ("0.0",) * sides
    completed = {run.metrics().completed for run in stage.engine.runs}
    assert completed == {len(stage.engine.workload.requests)}
    for picture, pool in zip(stage.pictures, stage.engine.pools):
        assert not any(picture.states.count(state) for state in HELD)
        assert Picture(pool).states == picture.states
    assert all(word.startswith("done at tick") for word in
               (part.split(": ", 1)[1] for part in stage.words.narration().split(" · ")[1:]))


def test_rounding_slack_is_one_category_with_its_own_colour_everywhere(capsys):
    """A buddy allocator's rounding: its own state in the pane, its own row in the sidebar and
    in the report's Fig. 2 table, never folded into another category."""
    stage = make_stage(get_scenario("paper").build())
    stage.goto(900)
    legend = dict(stage.words.legend)
    assert legend[SLACK] == "rounding slack" and SLACK != INTERNAL
    pow2 = stage.pictures[1]
    slack_slots = pow2.states.count(SLACK)
    share = float(dict(stage.words.sidebar(False).rows)["rounding slack %"][1])
    assert slack_slots and share == pytest.approx(100 * slack_slots / pow2.total_slots, abs=0.05)
    assert main(["report", "--scenario", "paper", "--arrivals", "300"]) == 0
    out = capsys.readouterr().out
    fig2 = out[out.index("Fig. 2, % of the pool"):].splitlines()
    rows = {line[:24].strip(): line[24:].split() for line in fig2[1:6]}
    assert "rounding slack" in rows and "external frag & others" in rows
    stranded = out[:out.index("Fig. 2")].split("external frag (stranded)")[1].split()[:4]
    others = rows["external frag & others"][::2]  # ours, beside the paper's
    free = out[:out.index("Fig. 2")].split("other free")[1].split()[:4]
    assert [float(o) for o in others] == pytest.approx([float(s) + float(f) for s, f in zip(stranded, free)], abs=0.11)


def test_the_sidebar_the_pane_and_the_report_count_event_mode_slack_alike(capsys):
    params = get_scenario("seed").build(sides="buddy,paged", reservation="oracle", used_len=33)
    stage = make_stage(params)
    stage.goto(stage.total_steps)
    slack = stage.pictures[0].states.count(SLACK)  # oracle reserves 33; the chunk is 64: 31 slots of slack each
    assert slack == 31 * int(dict(stage.words.sidebar(False).rows)["admitted"][0]) == 31 * 64
    assert dict(stage.words.sidebar(False).rows)["  slack"][0] == str(slack)
    assert main(["report", "--sides", "buddy,paged", "--reservation", "oracle", "--used-len", "33"]) == 0
    assert f"  slack{'':19}{slack:>12}" in capsys.readouterr().out
