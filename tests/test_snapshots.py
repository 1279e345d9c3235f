"""Snapshots of the screens that matter (pytest-textual-snapshot; `--snapshot-update` to accept)."""

from fragtui.tui.app import FragApp


def test_seed_step_0(snap_compare):
    assert snap_compare(FragApp(), terminal_size=(160, 50))


def test_seed_step_64(snap_compare):
    assert snap_compare(FragApp(start_step=64), terminal_size=(160, 50))


def test_help_screen(snap_compare):
    assert snap_compare(FragApp(), press=["question_mark"], terminal_size=(120, 40))


def test_seed_at_80x24(snap_compare):
    assert snap_compare(FragApp(), press=["space"] * 20, terminal_size=(80, 24))


def test_colour_by_request_after_frees(snap_compare):
    keys = ["space"] * 24 + ["f"] * 3 + ["a"] * 4 + ["c"]
    assert snap_compare(FragApp(), press=keys, terminal_size=(160, 50))


def test_serving_mode_paper_at_tick_900(snap_compare):
    from fragtui.sim.config.scenarios import get_scenario

    app = FragApp(get_scenario("paper").build(arrivals=200), scenario="paper", start_step=900)
    assert snap_compare(app, terminal_size=(160, 50))
