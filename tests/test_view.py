"""The pure view, tested without an app: layouts, cells, narration, tallies."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.sim.engines.event_engine import EventEngine
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import get_scenario
from fragtui.view.cells import majority
from fragtui.view.layout import fit_layout
from fragtui.view.event_words import EventWords
from fragtui.view.narration import blocks_text, narrate_start
from fragtui.view.rows import METRIC_ROWS, format_value, ratio_line, short_number, shown, tally_rows
from fragtui.view.states import (CACHED, FREE, INTERNAL, RESERVED, RETAINED, SHARED, SLACK, STRANDED, UNUSABLE,
                                 USED)

PRIORITY = (SHARED, USED, RESERVED, INTERNAL, SLACK, STRANDED, CACHED, RETAINED, FREE, UNUSABLE)  # ties go to the first


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(1, 1 << 24),
    block=st.sampled_from([1, 2, 3, 4, 16, 64, 256, 1000]),
    width=st.integers(1, 250),
    height=st.integers(1, 80),
    half=st.booleans(),
)
def test_a_layout_holds_whole_blocks_never_straddles_one_and_fits(total, block, width, height, half):
    block = min(block, total)
    layout = fit_layout(total, block, width, height, 2 if half else 1)
    k, cells = layout.slots_per_cell, layout.cells_per_row
    assert layout.row_slots % block == 0 or layout.row_slots >= total  # whole blocks per row (or one short row)
    assert block % k == 0 or k % block == 0  # a cell is a part of one block, or whole blocks
    assert cells <= width and layout.text_rows <= height
    assert layout.cell_rows * layout.row_slots >= total  # every slot is drawn


def test_majority_and_its_ties():
    states = bytearray([USED, USED, FREE, FREE, RESERVED, STRANDED, STRANDED, STRANDED])
    assert majority(states, 0, 2) == USED  # all alike
    assert majority(states, 0, 4) == USED  # 2 used : 2 free — the tie goes to the more telling state
    assert majority(states, 2, 5) == FREE  # 2 free : 1 reserved
    assert majority(states, 3, 5) == RESERVED  # 1 : 1, reserved tells more than free
    assert majority(states, 4, 8) == STRANDED
    assert majority(bytearray([INTERNAL, STRANDED]), 0, 2) == INTERNAL
    assert majority(bytearray([FREE, UNUSABLE]), 0, 2) == FREE


@given(st.lists(st.sampled_from(PRIORITY), min_size=1, max_size=40), st.data())
def test_majority_is_the_most_common_state_ties_to_the_more_telling(cells, data):
    states = bytearray(cells)
    a = data.draw(st.integers(0, len(states) - 1))
    b = data.draw(st.integers(a + 1, len(states)))
    counts = {state: states.count(state, a, b) for state in PRIORITY}
    most = max(counts.values())
    assert majority(states, a, b) == next(state for state in PRIORITY if counts[state] == most)


def test_the_narration_says_exactly_what_each_step_did():
    engine = EventEngine(get_scenario("external-frag").build())
    sim = engine.sim

    def narrated():
        return EventWords(engine).narration()

    assert narrate_start(sim.total_steps) == (
        "step 0 of 16: nothing has happened yet — press space to step, p to play, ? for help")
    sim.goto(1)
    assert narrated() == (
        "step 1: r0 arrives (used 64, max 512) — contiguous: slots 0–511 (64 used, 448 reserved)"
        " · paged: blocks 0–3")
    sim.goto(9)
    assert narrated() == "step 9: r0 leaves — contiguous: slots 0–511 freed · paged: blocks 0–3 freed"
    sim.goto(13)
    assert narrated() == (
        "step 13: r8 arrives (used 300, max 1024) — contiguous: rejected, fragmented: 2048 free but the "
        "largest run is 512 < 1024 · paged: blocks 42–60")
    sim.goto(14)
    assert narrated() == (
        "step 14: r1 leaves — contiguous: slots 512–1023 freed, merged into a free run of 1536"
        " · paged: blocks 4–9 freed")
    assert narrate_start(0) == "step 0: this workload has no events"


def test_block_lists_collapse_runs_up_and_down():
    assert blocks_text([5]) == "block 5"
    assert blocks_text([16, 17]) == "blocks 16–17"
    assert blocks_text([921, 920, 919, 918, 917]) == "blocks 921 down to 917"
    assert blocks_text([3, 8, 9, 10, 2]) == "blocks 3, 8–10, 2"
    assert blocks_text(list(range(0, 40, 2))) == "blocks 0, 2, 4, 6, 8, 10, … (20 in all)"


def metrics(**values) -> Metrics:
    base = dict(admitted=0, rejected=0, rejected_pool_full=0, rejected_fragmented=0, live=0, used=0,
                reserved=0, slack=0, free=0, unusable=0, largest_free_run=0, holes=None, stranded=0,
                block_table_entries=0, total_slots=4096)
    return Metrics(**{**base, **values})


def test_tally_rows_are_the_one_table_read_off_metrics():
    c = metrics(admitted=8, rejected=56, rejected_pool_full=56, live=8, used=256, reserved=3840, block_table_entries=8)
    p = metrics(admitted=64, live=64, used=2048, free=2048, largest_free_run=2048, block_table_entries=128)
    rows = dict(tally_rows([c, p]))
    rows = {label.strip(): values for label, values in rows.items()}
    assert rows["admitted"] == ("8", "64") and rows["wasted"] == ("3840", "0")
    assert rows["utilization %"] == ("6.3", "50.0") and rows["ext frag %"] == ("0.0", "0.0")
    assert "pool-full" not in rows and "holes" not in rows  # report-only rows
    assert [label for label, _ in tally_rows([c, p])] == [r.label for r in METRIC_ROWS
                                                          if r.sidebar and shown(r, [c, p])]
    assert "slack" not in rows  # only where a buddy allocator rounds
    assert ("  slack", ("7", "0")) in tally_rows([metrics(slack=7, reserved=7), p])
    compact = {label.strip(): v for label, v in tally_rows([c, p], compact=True)}
    assert "largest run" in compact and "entries" in compact and "util %" in compact
    assert "fragmented" not in compact and "stranded" not in compact  # minor rows, 0 on both sides
    assert ratio_line(("contiguous", "paged"), [c, p]) == "paged admitted 8.00×\nas many as contiguous (64 vs 8)"
    assert ratio_line(("contiguous", "paged"), [metrics(), metrics()]) == "nothing admitted yet"
    three = [c, p, metrics(admitted=16)]  # any number of sides: the most against the fewest
    assert ratio_line(("first", "paged", "buddy"), three) == "paged admitted 8.00×\nas many as first (64 vs 8)"
    assert [values for label, values in tally_rows(three) if label == "admitted"] == [("8", "64", "16")]


def test_numbers_shorten_only_when_asked_and_missing_ones_say_so():
    assert format_value(16_777_216) == "16777216"
    assert format_value(16_777_216, compact=True) == "16.8M"
    assert format_value(99_999, compact=True) == "99999"
    assert format_value(None) == "n/a"
    assert format_value(0.0625, percent=True) == "6.3"
    assert [short_number(n) for n in (655_360, 1_048_576, 12_345, 999)] == ["655k", "1.0M", "12.3k", "999"]


def test_a_what_if_in_the_engine_keeps_an_injected_arrival_following_the_parameters():
    engine = EventEngine(Params().validated())
    engine.jump(3)
    engine.inject_arrival()
    engine.set_params(used_len=40, max_len=1024)
    injected = engine.sim.request(64)
    assert (injected.used, injected.max_len) == (40, 1024)


def test_what_to_watch_says_sides_that_do_the_same_together_and_counts_the_buddy_run():
    from fragtui.view.about import describe

    text = describe(Params(sides="first,best,buddy,paged", max_len=300).validated())
    assert text == (
        "each request holds 32 tokens. First and best reserve 300 slots for each (max), so ⌊4,096 / 300⌋ = 13 fit "
        "at once, each with 268 reserved. Buddy reserves 300 slots for each (max), so ⌊4,096 / 512⌋ = 8 fit at "
        "once, each with 268 reserved and 212 slack (a run of 512). Paged gives each ⌈32 / 16⌉ = 2 blocks (0 slots "
        "of tail waste), so ⌊256 / 2⌋ = 128 fit.")


def test_numbers_round_half_up_as_a_student_does_by_hand():
    from fragtui.view.rounding import fixed

    assert [fixed(v, 1) for v in (6.25, 93.75, 0.05, 100 * 1 / 16, 100 * 15 / 16)] == ["6.3", "93.8", "0.1", "6.3", "93.8"]
    assert (fixed(2, 2), fixed(0.5, 0), fixed(-0.01, 1), fixed(100 * 1 / 3, 1)) == ("2.00", "1", "0.0", "33.3")


def test_what_changed_names_the_scenarios_arrivals_as_a_count_never_none():
    """The seed leaves arrivals unset: 64 generated. Changed, the words say what it was."""
    from fragtui.view.about import changes_from

    seed = get_scenario("seed").build()
    assert changes_from(seed, seed.with_(arrivals=100)) == ["arrivals 100 (scenario: 64)"]
    traced = seed.with_(trace="no/such/trace.csv")  # (the words need no file)
    assert changes_from(traced, traced.with_(arrivals=5)) == ["arrivals 5 (scenario: every row)"]
