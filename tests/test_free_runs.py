"""The free-run index against brute force: every placement answer, and the tree's maxima."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.sim.allocators.contiguous import FITS, ContiguousAllocator
from fragtui.sim.allocators.outcomes import ADMITTED
from fragtui.sim.workload.requests import Request
from invariants import check_tree


def brute_force(runs, placement, need, cursor):
    fits = [(s, n) for s, n in runs if n >= need]
    if not fits:
        return None
    if placement == "first":
        return fits[0][0]
    if placement == "best":
        return min(fits, key=lambda r: (r[1], r[0]))[0]
    if placement == "worst":
        return min(fits, key=lambda r: (-r[1], r[0]))[0]
    after = [s for s, _ in fits if s >= cursor]
    return after[0] if after else fits[0][0]


@settings(max_examples=120, deadline=None)
@given(
    total=st.sampled_from([100, 1000, 5000, 70_000]),
    placement=st.sampled_from(FITS),
    ops=st.lists(st.tuples(st.booleans(), st.integers(1, 400), st.integers(0, 10**6)), max_size=120),
)
def test_placement_matches_brute_force_and_the_tree_stays_exact(total, placement, ops):
    pool = ContiguousAllocator(total, reservation="oracle", placement=placement)
    live = []
    for rid, (arrive, size, pick) in enumerate(ops):
        if arrive or not live:
            size = size * (total // 1000 or 1)
            expected = brute_force(pool.runs.runs(), placement, size, pool.cursor)
            outcome = pool.admit(Request(rid, size, size))
            assert (outcome.start if outcome.kind == ADMITTED else None) == expected
            if outcome.kind == ADMITTED:
                live.append(rid)
        else:
            pool.free_request(live.pop(pick % len(live)))
        check_tree(pool.runs)


@settings(max_examples=80, deadline=None)
@given(
    total=st.sampled_from([100, 5000, 70_000, 1 << 20]),
    ops=st.lists(st.tuples(st.booleans(), st.integers(1, 3000), st.integers(0, 10**6)), max_size=60),
    probes=st.lists(st.integers(0, 10**7), min_size=1, max_size=30),
)
def test_run_at_finds_the_run_holding_any_slot(total, ops, probes):
    """Runs that start buckets away from the probed slot included: the tree finds them."""
    pool = ContiguousAllocator(total, reservation="oracle")
    live = []
    for rid, (arrive, size, pick) in enumerate(ops):
        if arrive or not live:
            size = size * (total // 5000 or 1)
            if pool.admit(Request(rid, size, size)).kind == ADMITTED:
                live.append(rid)
        else:
            pool.free_request(live.pop(pick % len(live)))
    runs = pool.runs.runs()
    for probe in probes + [0, total - 1] + [s for s, _ in runs] + [s + n - 1 for s, n in runs]:
        slot = probe % total
        expected = next(((s, n) for s, n in runs if s <= slot < s + n), None)
        assert pool.runs.run_at(slot) == expected
