"""vAttention (allocators/vattention/): pages mapped into contiguous virtual ranges, worked by
hand on small pools, its invariants under random workloads with exact undo, both engines, the
commands and the app."""

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.sim.allocators.outcomes import ADMITTED, FREED, REJECTED
from fragtui.sim.allocators.registry import REGISTRY
from fragtui.sim.allocators.vattention import VAttentionAllocator, make, page_tokens
from fragtui.sim.config.params import Params
from fragtui.sim.config.scenarios import SCENARIOS
from fragtui.sim.config.sides import one_side
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.engines.serving import ServingRun
from fragtui.sim.errors import ParamError
from fragtui.sim.workload.build import build_workload
from fragtui.sim.workload.requests import Request, served
from fragtui.view.narration import blocks_text
from fragtui.view.picture import Picture
from fragtui.view.states import FREE, RETAINED, STATE_NAMES
from invariants import check_pages

TINY = "1:1:4096:fp32"  # 16 KiB of K a token in its one layer: a 64 KiB page holds 4 tokens


def admit(allocator, rid, used):
    return allocator.admit(Request(rid, used, 16))


# -- tokens a page ------------------------------------------------------------------------


@pytest.mark.parametrize("model, page, tokens", [
    ("llama-3-8b", "2MiB", 1024),  # 8 KV heads × 128 × 2 bytes = 2 KiB a token a layer
    ("llama-3-8b", "64KiB", 32),
    ("llama-2-7b", "2MiB", 256),  # the authors' demo: 32 heads × 128 × 2 = 8 KiB (vattn_demo_async.py)
    ("llama-2-7b", "64KiB", 8),
    ("opt-13b", "2MiB", 204),  # 40 × 128 × 2 = 10 KiB: 204.8, and the code divides in integers
    (TINY, "64KiB", 4),
])
def test_tokens_a_page_are_page_bytes_over_one_tokens_k_in_one_layer(model, page, tokens):
    assert page_tokens(page, model) == tokens


# -- event mode by hand -------------------------------------------------------------------


def test_pages_come_off_the_stack_into_the_lowest_idle_slot():
    a = VAttentionAllocator(32, 16, page=4, slots=4)  # 8 pages; a slot's range is 4 pages
    o = admit(a, 0, 5)
    assert (o.kind, o.slot, o.pages, o.taken) == (ADMITTED, 0, (0, 1), (0, 1))
    assert (a.used, a.reserved, a.free) == (5, 3, 24)  # ⌈5 / 4⌉ = 2 pages: 3 slots of tail
    assert (admit(a, 1, 8).pages, admit(a, 2, 12).pages) == ((2, 3), (4, 5, 6))
    assert a.metrics(16).block_table_entries == 7


def test_a_finished_requests_pages_stay_mapped_to_its_slot_and_count_free():
    a = VAttentionAllocator(32, 16, page=4, slots=4)
    admit(a, 0, 5)
    admit(a, 1, 8)
    o = a.free_request(1)
    assert (o.kind, o.slot, o.pages, o.unmapped) == (FREED, 1, (2, 3), ())
    m = a.metrics(16)
    assert (m.used, m.reserved, m.free, m.retained) == (5, 3, 24, 8)  # pages 2 and 3 retained, counted free
    assert o.words(blocks_text) == "slot 1 idle, pages 2–3 kept mapped to it (deferred reclamation)"
    # the next request takes slot 1 (the lowest idle one) and the pages mapped there
    o = admit(a, 2, 3)
    assert (o.slot, o.pages, o.taken, o.kept) == (1, (2,), (), 2)
    assert a.metrics(16).retained == 4  # page 3 is still mapped to slot 1, beyond what r2 needs


def test_a_short_stack_reclaims_from_the_highest_idle_slot_down_whole():
    a = VAttentionAllocator(32, 16, page=4, slots=4)
    for rid, used in ((0, 5), (1, 8), (2, 12)):
        admit(a, rid, used)
    a.free_request(1)  # slot 1 keeps pages 2, 3
    a.free_request(2)  # slot 2 keeps pages 4, 5, 6; only page 7 is on the stack
    before = a.snapshot()
    o = admit(a, 3, 16)  # 4 pages: slot 1 (lowest idle) has 2, one is free: slot 2 gives all 3 back
    assert (o.slot, o.pages, o.taken, o.kept) == (1, (2, 3, 4, 5), (4, 5), 2)
    assert [(r.slot, r.pages) for r in o.reclaimed] == [(2, (4, 5, 6))]
    assert o.looks == (6,)  # reclaimed and left on the stack: drawn free again
    assert a.snapshot().free == (6, 7)
    assert o.words(blocks_text) == ("pages 2–5 mapped into virtual slot 1, 2 of them mapped there already, "
                                    "3 pages reclaimed from idle slot 2")
    a.undo(o)
    assert a.snapshot() == before


def test_the_slot_is_the_lowest_idle_one_unless_a_later_one_has_enough_mapped_and_fewer():
    a = VAttentionAllocator(64, 16, page=4, slots=4)
    admit(a, 0, 12)  # slot 0: 3 pages
    admit(a, 1, 4)  # slot 1: 1 page
    admit(a, 2, 8)  # slot 2: 2 pages
    for rid in (0, 1, 2):
        a.free_request(rid)
    # alloc_new_batch_idx: slot 0 first; slot 1 has 1 page (< the 2 needed); slot 2 has 2 ≥ 2, fewer than 3
    assert admit(a, 3, 5).slot == 2
    assert admit(a, 4, 1).slot == 1  # 1 ≥ 1 and fewer than slot 0's 3
    assert admit(a, 5, 16).slot == 0  # the only idle slot left with pages... and the lowest


def test_every_virtual_slot_taken_refuses_a_request_that_memory_would_hold():
    a = VAttentionAllocator(64, 16, page=4, slots=2)
    admit(a, 0, 1)
    admit(a, 1, 1)
    o = admit(a, 2, 1)
    assert (o.kind, o.reason, o.slot) == (REJECTED, "no-slot", -1)
    assert o.words(blocks_text) == "rejected: every virtual slot is taken"
    m = a.metrics(16)
    assert (m.free, m.rejected, m.rejected_pool_full, m.rejected_no_slot) == (56, 1, 0, 1)
    a.undo(o)
    assert a.metrics(16).rejected_no_slot == 0


def test_by_default_there_are_as_many_slots_as_pages_and_at_most_999():
    assert make(one_side("vattention:page_size=64KiB", 4096, 512, model="llama-2-7b").setting).memory.slots == 512
    assert make(one_side("vattention", 4096, 512, model="llama-2-7b").setting).memory.slots == 16
    assert make(one_side("vattention:page_size=64KiB", 1 << 24, 512, model="llama-2-7b").setting).memory.slots == 999
    assert make(one_side("vattention:slots=128", 4096, 512, model="llama-2-7b").setting).memory.slots == 128


def test_a_request_larger_than_free_and_retained_pages_is_refused_pool_full():
    a = VAttentionAllocator(16, 16, page=4, slots=4)  # 4 pages
    admit(a, 0, 12)
    o = admit(a, 1, 5)
    assert (o.kind, o.reason, o.slot) == (REJECTED, "pool-full", -1)
    assert o.words(blocks_text) == "rejected, pool full"


def test_sync_unmaps_a_finished_requests_pages_at_once():
    a = VAttentionAllocator(32, 16, page=4, slots=4, sync=True)
    admit(a, 0, 5)
    o = a.free_request(0)
    assert (o.unmapped, a.metrics(16).retained, a.snapshot().free[:2]) == ((0, 1), 0, (0, 1))
    assert o.words(blocks_text) == "slot 0 idle, pages 0–1 unmapped (sync)"


# -- invariants, and exact undo ----------------------------------------------------------


@st.composite
def workloads(draw):
    page = draw(st.sampled_from([1, 2, 4, 8]))
    max_len = draw(st.integers(1, 40))
    total = draw(st.integers(page, 160))
    slots = draw(st.integers(1, 6))
    ops, live, next_id = [], [], 0
    for _ in range(draw(st.integers(1, 40))):
        if live and draw(st.booleans()):
            ops.append(("free", live.pop(draw(st.integers(0, len(live) - 1)))))
        else:
            ops.append(("admit", next_id, draw(st.integers(1, max_len))))
            live.append(next_id)
            next_id += 1
    return page, max_len, total, slots, draw(st.booleans()), ops


def check(a, max_len):
    check_pages(a.snapshot(), a.metrics(max_len), max_len)
    m = a.metrics(max_len)
    assert m.used + m.reserved + m.free + m.unusable == a.total_slots


@settings(max_examples=150, deadline=None)
@given(workloads())
def test_no_page_is_mapped_twice_and_every_step_undoes_exactly(workload):
    page, max_len, total, slots, sync, ops = workload
    a = VAttentionAllocator(total, max_len, page, slots, sync)
    snapshots, outcomes = [a.snapshot()], []
    for op in ops:
        o = admit(a, op[1], op[2]) if op[0] == "admit" else a.free_request(op[1])
        outcomes.append(o)
        check(a, max_len)
        snapshots.append(a.snapshot())
    for o in reversed(outcomes):
        a.undo(o)
        snapshots.pop()
        assert a.snapshot() == snapshots[-1]


def test_three_sides_step_back_to_the_start_exactly():
    params = SCENARIOS["third-way"].build(frees="churn:0.5", arrivals=120, sides="contiguous,paged,"
                                          "vattention:page_size=64KiB")
    sim = Simulation(params, build_workload(params).events)
    snapshots, retained = [sim.snapshot()], 0
    while sim.step_forward():
        snapshots.append(sim.snapshot())
        retained = max(retained, sim.metrics("vattention").retained)
    assert retained > 0  # churn leaves idle slots with pages mapped
    while sim.step_back():
        snapshots.pop()
        assert sim.snapshot() == snapshots[-1]
    assert sim.metrics("vattention").admitted == 0


# -- serving mode -------------------------------------------------------------------------


def pages_of(run):
    return {h.id: tuple(s // run.block_size for s in h.starts) for h in run.pool.holdings()}


def test_serving_maps_each_page_nine_tokens_ahead_and_never_past_the_range():
    # page 4 tokens, max_len 16 (a range of 4 pages); r0: prompt 3, output 5, so 8 tokens at most.
    # Eager mapping covers min(9, 16 − 8) = 8 tokens ahead: ⌈(3 + 8) / 4⌉ = 3 pages at admission,
    # the 4th at tick 1 (when 5 + 8 tokens reach past 12); sync maps 1, then the 2nd at tick 1.
    side = one_side("vattention:page_size=64KiB", 64, 16, model=TINY)
    run = ServingRun([served(0, 0, 3, 5)], side=side)
    run.step()
    assert pages_of(run) == {0: (0, 1, 2)}
    run.step()
    assert pages_of(run) == {0: (0, 1, 2, 3)}
    sync = ServingRun([served(0, 0, 3, 5)], side=one_side("vattention:page_size=64KiB:sync=on", 64, 16, model=TINY))
    sync.step()
    assert pages_of(sync) == {0: (0,)}
    sync.step()
    assert pages_of(sync) == {0: (0, 1)}


def test_serving_keeps_a_finished_requests_pages_for_the_next_in_its_slot():
    side = one_side("vattention:page_size=64KiB", 64, 16, model=TINY)
    run = ServingRun([served(0, 0, 3, 5), served(1, 6, 2, 2)], side=side)
    for _ in range(6):
        run.step()  # r0 appends its last token at tick 4 and gives its slot back at tick 5
    picture = Picture(run.pool)
    assert picture.states[:16] == bytes([RETAINED]) * 16 and picture.states[16:] == bytes([FREE]) * 48
    run.step()  # r1 (2 + 9 ahead: 3 pages) takes slot 0 and three of the four pages mapped there
    assert pages_of(run) == {1: (0, 1, 2)}
    assert run.pool.cached_blocks() == frozenset({3})


def test_serving_report_runs_vattention_beside_paged_and_refuses_what_it_cannot_do(tmp_path):
    out = fragtui("report", "--mode", "serving", "--sides", "paged,vattention:page_size=64KiB", "--model",
                  "llama-3-8b", "--total-slots", "16384", "--max-len", "1024", "--arrivals", "60", "--json")
    report = json.loads(out.stdout)
    assert report["sides"] == ["paged", "vattention"]
    assert report["allocators"]["vattention"]["completed"] == 60
    refused = fragtui("report", "--mode", "serving", "--sides", "paged,vattention", "--samples", "2", check=False)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "vattention" in refused.stderr


# -- options and refusals -----------------------------------------------------------------


def fragtui(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "fragtui", *args], capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("sides, words", [
    ("vattention:page_size=3MiB", "must be one of 64KiB, 128KiB, 256KiB, 2MiB"),
    ("vattention:slots=0", "slots"),
    ("vattention:space=sideways", "must be one of physical, virtual"),
])
def test_a_bad_vattention_option_is_one_line_naming_it(sides, words):
    result = fragtui("report", "--sides", sides, check=False)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert words in result.stderr and "Traceback" not in result.stderr


def test_a_page_larger_than_the_pool_is_refused_naming_the_side():
    with pytest.raises(ParamError) as error:
        Params(total_slots=512, sides="paged,vattention").validated()  # 1,024 tokens a page of llama-3-8b
    assert str(error.value) == ("--sides 'paged,vattention': side 'vattention': page_size '2MiB': holds 1,024 "
                                "tokens of llama-3-8b, and a page must hold 1 to 512 (total_slots); try a smaller "
                                "page or a larger pool")


def test_the_page_size_reads_the_codes_spelling_too():
    (side,) = [one_side("vattention:page_size=64KB", 4096, 512)]
    assert side.options["page_size"] == "64KiB"


def test_vattention_draws_retained_pages_in_their_own_state():
    assert "retained" in REGISTRY["vattention"].states and STATE_NAMES[RETAINED] == "retained"


# -- the app ------------------------------------------------------------------------------


async def test_p_steps_the_page_size_and_v_shows_the_virtual_ranges():
    from fragtui.tui.app import FragApp
    from tui_helpers import screen_text, sidebar_rows

    app = FragApp(SCENARIOS["third-way"].build(), scenario="third-way")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("end")
        await pilot.pause()
        assert "2 MiB pages (256 tokens)" in screen_text(app)
        assert sidebar_rows(app)["admitted"] == ["8", "64", "16"]
        await pilot.press("P")  # 2 MiB → 64 KiB: 8 tokens a page, replayed to this step
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "64 KiB pages (8 tokens)" in screen_text(app)
        assert sidebar_rows(app)["admitted"] == ["8", "64", "64"]
        assert "vattention:page_size=64KiB" in app.stage.params.sides
        await pilot.press("v")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "virtual" in screen_text(app) and app.stage.params.sides.endswith("space=virtual")
    from fragtui.tui.keys import help_rows

    assert ("P", "vattention's physical page: 64KiB, 128KiB, 256KiB or 2MiB: 64KiB → 128KiB → 256KiB → 2MiB "
                 "(the focused side's, or every side's)") in help_rows()


def test_hovering_a_page_says_which_virtual_range_it_is_mapped_into():
    from fragtui.view.cells import cell_info

    a = VAttentionAllocator(32, 16, page=4, slots=4)
    admit(a, 0, 5)
    admit(a, 1, 8)
    info = cell_info(Picture(a.pool(16)), 8, 12)  # page 2: r1's first
    assert info.describe(lambda rid: "") == ("slots 8–11 · used · r1 · virtual slot 1: virtual tokens 16–31, "
                                             "2 of 4 pages mapped · block 2")


@pytest.mark.parametrize("side", ["vattention:page_size=64KiB", "vattention:page_size=128KiB:sync=on",
                                  "vattention:page_size=64KiB:slots=3", "vattention:page_size=64KiB:space=virtual"])
def test_the_serving_picture_draws_exactly_the_breakdown(side):
    """The engine's running sums (eager pages, reclaims, preemptions) against a picture drawn
    afresh from the holdings every tick."""
    from fragtui.view.rows import CATEGORIES
    from fragtui.view.stage import make_stage
    from fragtui.view.states import FREE, RETAINED

    params = Params(mode="serving", total_slots=160, max_len=40, model=TINY, prompt_len="uniform:1:24",
                    output_len="uniform:1:16", arrivals=40, rate=10, sides=side).validated()
    stage = make_stage(params)
    seen = set()
    while not stage.at_end:
        stage.forward()
        picture, run = stage.pictures[0], stage.engine.runs[0]
        fresh = Picture(run.pool)
        assert fresh.states == picture.states, stage.step  # patched step by step = drawn afresh
        breakdown = run.breakdown()
        for state in {c.state for c in CATEGORIES} - {FREE}:
            drawn = sum(getattr(breakdown, c.key) for c in CATEGORIES if c.state == state)
            assert picture.states.count(state) == drawn, (stage.step, state)  # (virtual too: the same holdings)
        if "virtual" not in side:
            assert picture.states.count(FREE) + picture.states.count(RETAINED) == breakdown.free
        seen.update(set(picture.states))
    assert RETAINED in seen or "sync" in side


def test_the_event_picture_patched_step_by_step_is_the_picture_drawn_afresh():
    """Reclaiming an idle slot's pages changes cells no request holds: drawn all the same."""
    from fragtui.view.stage import make_stage

    params = Params(total_slots=96, max_len=24, model=TINY, lengths="uniform:1:24", frees="churn:0.6",
                    arrivals=120, sides="vattention:page_size=64KiB:slots=5").validated()
    stage = make_stage(params)
    reclaims = 0
    while not stage.at_end:
        stage.forward()
        outcome = stage.engine.sim.last.outcomes[0]
        reclaims += bool(getattr(outcome, "reclaimed", ()))
        assert stage.pictures[0].states == Picture(stage.engine.pools[0]).states, stage.step
    assert reclaims  # the workload did reclaim


def test_sweep_varies_the_page_size_on_the_sides_that_take_it():
    out = fragtui("sweep", "--scenario", "third-way", "--vary", "page_size=64KiB,2MiB", "--json").stdout
    rows = {(row["values"]["page_size"], side): row[side]["admitted"] for row in json.loads(out)["rows"]
            for side in ("contiguous", "paged", "vattention")}
    assert rows == {("64KiB", "contiguous"): 8, ("64KiB", "paged"): 64, ("64KiB", "vattention"): 64,
                    ("2MiB", "contiguous"): 8, ("2MiB", "paged"): 64, ("2MiB", "vattention"): 16}
    refused = fragtui("sweep", "--vary", "page_size=64KiB,2MiB", check=False)
    assert refused.returncode == 2 and "no side takes it (--sides contiguous,paged)" in refused.stderr


def test_a_cut_heading_keeps_what_tells_twin_sides_apart():
    from fragtui.tui.sidebar import _cut

    assert [_cut(h, 6) for h in ("vattention 64KiB", "vattention 2MiB", "paged 16", "contiguous")] == \
        ["64KiB", "v 2MiB", "pag 16", "contig"]
