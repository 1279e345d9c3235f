"""Prefix caching (issue 13; README, *Sharing*): vLLM v1's rules, block by block, and exact undo."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.sim.allocators.outcomes import ADMITTED, REJECTED
from fragtui.sim.allocators.paged import ORDERS
from fragtui.sim.config.params import Params
from fragtui.sim.allocators.block_names import block_identities
from fragtui.sim.allocators.prefix_cache import PrefixCachingAllocator
from fragtui.sim.workload.requests import Arrive, Request
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.workload.build import build_workload
from invariants import check_invariants, check_prefix_cache
from strategies import shared_event_streams
from vllm_reference import VllmBlockPool


def arrive(pool, rid, used, prefix="", shared=0):
    outcome = pool.admit(Request(rid, used, 512, prefix, shared))
    assert outcome.kind == ADMITTED
    return outcome.blocks


def test_the_design_example_under_lifo():
    """16 blocks of 16, lifo: the worked example of README, *Sharing*, block for block."""
    pool = PrefixCachingAllocator(16 * 16, 16, "lifo")
    assert arrive(pool, 0, 64, "a", 48) == [0, 1, 2, 3]
    assert arrive(pool, 1, 64, "a", 48) == [0, 1, 2, 4]
    pool.free_request(0)
    assert arrive(pool, 2, 64, "a", 48) == [0, 1, 2, 5]
    pool.free_request(2)
    pool.free_request(1)
    assert arrive(pool, 3, 40, "a", 40) == [0, 1, 6]
    assert (pool.hits, pool.misses, pool.evictions) == (8, 7, 0)


def test_the_design_example_as_an_op_list():
    params = Params(ops="+64:a48,+64:a48,-0,+64:a48,-2,-1,+40:a40", total_slots=256, order="lifo",
                    prefix_caching=True).validated()
    sim = Simulation(params, build_workload(params).events).run()
    admitted = [r.outcomes[1].blocks for r in sim.records if r.outcomes[1].kind == ADMITTED]
    assert admitted == [[0, 1, 2, 3], [0, 1, 2, 4], [0, 1, 2, 5], [0, 1, 6]]


def test_a_hit_shares_blocks_and_counts_them_once():
    pool = PrefixCachingAllocator(16 * 16, 16)
    assert arrive(pool, 0, 64, "a", 48) == [0, 1, 2, 3]
    assert arrive(pool, 1, 50, "a", 48) == [0, 1, 2, 4]
    assert [pool.refcount(b) for b in range(6)] == [2, 2, 2, 1, 1, 0]
    assert (pool.used, pool.reserved, pool.block_table_entries, pool.saved_blocks) == (64 + 2, 14, 8, 3)
    assert pool.free_blocks == 11


def test_a_partial_hit_reuses_the_shared_run_and_computes_the_rest():
    pool = PrefixCachingAllocator(16 * 16, 16)
    arrive(pool, 0, 64, "a", 48)
    # Prefix a's first 32 tokens: two blocks match; the third holds r1's own tokens.
    outcome = pool.admit(Request(1, 64, 512, "a", 32))
    assert (outcome.blocks, outcome.reused) == ([0, 1, 4, 5], 2)
    # Another letter matches nothing.
    assert arrive(pool, 2, 32, "b", 32) == [6, 7]


def test_the_last_token_is_always_computed():
    """Both of r0's blocks are cached, but (32 − 1) // 16 = 1 may be reused."""
    pool = PrefixCachingAllocator(16 * 16, 16)
    assert arrive(pool, 0, 32, "a", 32) == [0, 1]
    assert arrive(pool, 1, 32, "a", 32) == [0, 2]
    # Block 2 computed prefix a's second block again: vLLM caches the copy too, after block 1.
    assert pool.cached_identities() == ((0, ("a", 0)), (1, ("a", 1)), (2, ("a", 1)))
    assert pool.cache.lists()[("a", 1)] == [1, 2] and (pool.copies(1), pool.copies(2), pool.copies(0)) == (2, 2, 1)


def test_eviction_revival_and_lru_order_under_fifo():
    pool = PrefixCachingAllocator(8 * 16, 16, "fifo")
    assert arrive(pool, 0, 32, "a", 32) == [0, 1]
    pool.free_request(0)  # released last block first, both cached: to the tail
    assert pool.free_block_ids() == [2, 3, 4, 5, 6, 7, 1, 0]
    assert arrive(pool, 1, 96) == [2, 3, 4, 5, 6, 7]
    assert arrive(pool, 2, 16) == [1]  # taking block 1 evicts prefix a's second block
    assert pool.evictions == 1 and pool.cached_free == {0}
    pool.free_request(1)  # its six full blocks are cached too, and go behind block 0
    assert pool.free_block_ids() == [0, 7, 6, 5, 4, 3, 2]
    # r3 reuses block 0 out of the free queue; its other blocks come from the head, least
    # recently used first, evicting r1's last two.
    outcome = pool.admit(Request(3, 48, 512, "a", 32))
    assert (outcome.blocks, outcome.reused, [b for b, _ in outcome.evicted]) == ([0, 7, 6], 1, [7, 6])
    assert pool.free_block_ids() == [5, 4, 3, 2]


def test_lifo_puts_uncached_blocks_at_the_head_and_cached_ones_at_the_tail():
    pool = PrefixCachingAllocator(8 * 16, 16, "lifo")
    assert arrive(pool, 0, 40, "a", 32) == [0, 1, 2]  # block 2 is partial: never cached
    pool.free_request(0)
    assert pool.free_block_ids() == [2, 3, 4, 5, 6, 7, 1, 0]


def test_fifo_puts_every_released_block_at_the_tail_last_block_first():
    pool = PrefixCachingAllocator(8 * 16, 16, "fifo")
    assert arrive(pool, 0, 40, "a", 32) == [0, 1, 2]  # block 2 is partial: never cached
    pool.free_request(0)
    assert pool.free_block_ids() == [3, 4, 5, 6, 7, 2, 1, 0]
    assert pool.cached_free == {0, 1}


def test_lowest_hands_out_uncached_blocks_lowest_first_then_cached_ones_lru():
    pool = PrefixCachingAllocator(6 * 16, 16, "lowest")
    assert arrive(pool, 0, 32, "a", 32) == [0, 1]
    assert arrive(pool, 1, 20) == [2, 3]
    pool.free_request(0)
    pool.free_request(1)  # block 2 is cached (r1's own full block), block 3 is not
    assert pool.free_block_ids() == [3, 4, 5, 1, 0, 2]
    assert arrive(pool, 2, 16 * 5) == [3, 4, 5, 1, 0]


def test_an_admission_that_does_not_fit_changes_nothing():
    pool = PrefixCachingAllocator(4 * 16, 16)
    arrive(pool, 0, 48, "a", 48)
    pool.free_request(0)
    before = (pool.free_block_ids(), pool.cached_identities(), pool.counts.held())
    # Two blocks to reuse (out of the queue) and three new need five; there are four.
    outcome = pool.admit(Request(1, 80, 512, "a", 48))
    assert (outcome.kind, pool.rejected_pool_full) == (REJECTED, 1)
    assert (pool.free_block_ids(), pool.cached_identities(), pool.counts.held()) == before


@pytest.mark.parametrize("order", ORDERS)
def test_a_prefix_hundreds_of_requests_hold_is_counted_past_255_and_undone_exactly(order):
    """A count past 254 is kept apart (refcounts.BlockCounts): 300 live requests on one prompt."""
    pool = PrefixCachingAllocator(2048 * 16, 16, order)
    empty = (pool.free_block_ids(), pool.cached_identities())
    outcomes = [pool.admit(Request(rid, 80, 512, "a", 64)) for rid in range(300)]
    assert all(o.kind == ADMITTED for o in outcomes)
    assert [pool.refcount(b) for b in range(5)] == [300, 300, 300, 300, 1]
    outcomes += [pool.free_request(rid) for rid in range(0, 300, 2)]
    assert [pool.refcount(b) for b in range(4)] == [150] * 4
    check_prefix_cache(pool, [b for blocks, _ in pool.tables.values() for b in blocks])
    for outcome in reversed(outcomes):
        pool.undo(outcome)
    assert (pool.free_block_ids(), pool.cached_identities()) == empty
    assert pool.counts.held() == {} and not pool.counts.over and pool.free_blocks == 2048


def test_identities_name_what_the_chained_hashes_would_equal():
    """Two full blocks get the same identity exactly when their tokens and every block before
    theirs are the same: the literal chain, hashed as vLLM does, agrees with the names."""

    def chain(request, bs):
        tokens = [(request.prefix, i) if i < request.prefix_len else (request.id, i) for i in range(request.used)]
        links, parent = [], None
        for i in range(request.used // bs):
            parent = (parent, tuple(tokens[i * bs:(i + 1) * bs]))
            links.append(parent)
        return links

    requests = [Request(0, 64, 512, "a", 48), Request(1, 70, 512, "a", 40), Request(2, 33, 512, "a", 33),
                Request(3, 48, 512, "b", 48), Request(4, 40, 512)]
    names, chains = {}, {}
    for r in requests:
        for name, link in zip(block_identities(r, 16), chain(r, 16)):
            names.setdefault(name, set()).add(link)
            chains.setdefault(link, set()).add(name)
    assert all(len(v) == 1 for v in names.values()) and all(len(v) == 1 for v in chains.values())


@settings(max_examples=80, deadline=None)
@given(events=shared_event_streams(), order=st.sampled_from(ORDERS), block=st.sampled_from([1, 4, 8]),
       total=st.integers(16, 320))
def test_invariants_hold_and_undo_equals_replay(events, order, block, total):
    params = Params(total_slots=total, block_size=block, order=order, max_len=64, prefix_caching=True).validated()
    sim = Simulation(params, events)
    snapshots = [sim.snapshot()]
    while sim.step_forward() is not None:
        check_invariants(sim)
        snapshots.append(sim.snapshot())
    metrics = [sim.metrics("paged")]
    while sim.step_back() is not None:
        assert sim.snapshot() == snapshots[sim.step]
        check_invariants(sim)
    fresh = Simulation(params, events)
    fresh.goto(len(events))
    assert fresh.metrics("paged") == metrics[0]


def test_nothing_is_shared_or_counted_without_prefix_caching():
    params = Params(ops="+64:a48,+64:a48", total_slots=256).validated()
    sim = Simulation(params, build_workload(params).events).run()
    assert [r.outcomes[1].blocks for r in sim.records] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    m = sim.metrics("paged")
    assert (m.prefix_hits, m.prefix_misses, m.saved_blocks, m.hit_rate) == (0, 0, 0, None)


# -- against vLLM's own rules, written out plainly (vllm_reference.py) -----------------------

def tokens_of(request):
    return [(request.prefix, i) if i < request.prefix_len else (request.id, i) for i in range(request.used)]


def replay_both(ops, block, blocks, order):
    """What fragtui and the reference did at each op: the block table an arrival got (None:
    rejected), then the free queue; one (ours, theirs) pair of those per op."""
    params = Params(ops=ops, total_slots=blocks * block, block_size=block, max_len=10_000, order=order,
                    prefix_caching=True).validated()
    ours = PrefixCachingAllocator(blocks * block, block, order)
    theirs = VllmBlockPool(blocks, block, order)
    seen = []
    for event in build_workload(params).events:
        if isinstance(event, Arrive):
            outcome = ours.admit(event.request)
            mine = list(outcome.blocks) if outcome.kind == ADMITTED else None
            got = (mine, theirs.allocate(event.id, tokens_of(event.request)))
        else:
            got = (None, None)
            if event.id in ours.tables:
                ours.free_request(event.id)
                theirs.release(event.id)
        seen.append(((got[0], ours.free_block_ids()), (got[1], list(theirs.free))))
    return seen


@pytest.mark.parametrize("ops, block, blocks, last", [
    ("+1:a1,+1:a1,-1,+1", 1, 3, [2]),  # the copy in block 1 is cached, so it goes to the tail
    ("+16:a16,+16:a16,-0,+32,-2,+32:a16", 16, 3, [1, 0]),  # the copy in block 1 survives block 0's eviction
])
def test_duplicates_are_kept_as_vllm_keeps_them(ops, block, blocks, last):
    seen = replay_both(ops, block, blocks, "lifo")
    assert all(mine == theirs for mine, theirs in seen)
    (table, _), _ = seen[-1]
    assert table == last


@st.composite
def op_lists(draw, block):
    """Arrivals (many all prefix and block-aligned, the case that makes duplicates) and frees."""
    ops, live, arrived = [], [], 0
    for _ in range(draw(st.integers(1, 40))):
        if live and draw(st.integers(0, 2)) == 0:
            rid = live.pop(draw(st.integers(0, len(live) - 1)))
            ops.append(f"-{rid}")
            continue
        kind = draw(st.sampled_from(["aligned", "aligned", "prefix", "own"]))
        if kind == "aligned":
            n = block * draw(st.integers(1, 4))
            ops.append(f"+{n}:{draw(st.sampled_from('ab'))}{n}")
        elif kind == "prefix":
            n = draw(st.integers(1, 5 * block))
            ops.append(f"+{n}:{draw(st.sampled_from('ab'))}{draw(st.integers(1, n))}")
        else:
            ops.append(f"+{draw(st.integers(1, 5 * block))}")
        live.append(arrived)
        arrived += 1
    return ",".join(ops)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), block=st.sampled_from([1, 2, 4]), blocks=st.integers(1, 24),
       order=st.sampled_from(["lifo", "fifo"]))
def test_every_op_list_places_blocks_as_vllm_does(data, block, blocks, order):
    ops = data.draw(op_lists(block))
    for mine, theirs in replay_both(ops, block, blocks, order):
        assert mine == theirs, ops


# -- serving mode: the same cache while requests grow token by token --------------------------

from fragtui.sim.engines.serving import ServingRun  # noqa: E402
from fragtui.sim.measures.breakdown import Breakdown  # noqa: E402
from fragtui.sim.engines.serving.serving_engine import ServingEngine  # noqa: E402
from fragtui.sim.workload.requests import served  # noqa: E402
from fragtui.view.picture import Picture  # noqa: E402


def with_prefix(request, letter, length):
    return Request(request.id, request.used, request.max_len, letter, length, request.arrival_tick, request.output)


def test_serving_reuses_a_cached_prompt_and_counts_shared_blocks_once():
    """Block 4, 8 blocks, lifo. r0 (prompt 9 of prefix a 8, output 3) arrives at tick 0 and
    takes blocks [0, 1, 2]; its two full prefix blocks are cached. r1 (the same prompt, output
    2) arrives at tick 1 and reuses them: [0, 1, 3]. While both run, blocks 0 and 1 hold 8
    tokens once, not twice."""
    r0 = with_prefix(served(0, 0, 9, 3), "a", 8)
    r1 = with_prefix(served(1, 1, 9, 2), "a", 8)
    run = ServingRun([r0, r1], allocator="paged:prefix_caching=on", total_slots=32, max_len=16, block_size=4,
                     order="lifo")
    t0 = run.step()
    assert t0.admitted == (0,) and t0.breakdown.token_states == 10
    t1 = run.step()
    assert t1.admitted == (1,)
    tables = {h.id: [s // 4 for s in h.starts] for h in run.pool.holdings()}
    assert tables == {0: [0, 1, 2], 1: [0, 1, 3]}
    # r0 holds 11 tokens, r1 10; 8 of them are the shared blocks': 11 + 10 − 8 = 13 slots hold a token
    assert t1.breakdown.token_states == 13
    assert t1.breakdown.total == 32
    allocator = run._engine.memory.allocator
    assert (allocator.hits, allocator.refcount(0), allocator.refcount(2)) == (2, 2, 1)
    while run.step() is not None:
        pass
    assert run.metrics().completed == 2 and run.breakdown() == Breakdown(free=32)
    assert run._engine.memory.allocator.cached_free  # the finished requests' full blocks stay cached, free


@settings(max_examples=40, deadline=None)
@given(data=st.data(), order=st.sampled_from(["fifo", "lifo", "lowest"]), block=st.sampled_from([1, 2, 4]))
def test_serving_with_prefix_caching_sums_to_the_pool_draws_true_and_steps_back_exactly(data, order, block):
    requests = []
    for rid in range(data.draw(st.integers(1, 10))):
        prompt = data.draw(st.integers(1, 12))
        request = served(rid, data.draw(st.integers(0, 8)), prompt, data.draw(st.integers(1, 8)))
        letter = data.draw(st.sampled_from(["", "a", "a", "b"]))
        requests.append(with_prefix(request, letter, data.draw(st.integers(1, prompt))) if letter else request)
    total = data.draw(st.integers(24, 80)) // block * block
    run = ServingRun(requests, allocator="paged:prefix_caching=on", total_slots=total, max_len=20, block_size=block,
                     order=order, checkpoint_every=3)
    states = []
    while (record := run.step()) is not None:
        assert record.breakdown.total == total
        assert record.breakdown.token_states <= total - record.breakdown.free
        fresh = Picture(run.pool)
        states.append((run.tick, run.breakdown(), fresh.states))
    assert run.metrics().completed + run.metrics().rejected == len(requests)
    for tick, breakdown, drawn in reversed(states):
        run.goto(tick)
        assert run.breakdown() == breakdown and Picture(run.pool).states == drawn


def test_the_app_serves_with_prefix_caching_and_draws_shared_and_cached_cells():
    params = Params(mode="serving", prefix_caching=True, prefixes="2:32", total_slots=2048, max_len=256,
                    prompt_len="uniform:40:80", output_len="uniform:8:40", arrivals=40, rate=20).validated()
    engine = ServingEngine(params)
    engine.jump(engine.total_steps // 2)
    from fragtui.view.states import CACHED, SHARED

    picture = Picture(engine.pools[1])
    assert picture.states.count(SHARED) or picture.states.count(CACHED)
    engine.jump(engine.total_steps)
    assert all(run.metrics().completed == 40 for run in engine.runs)


@pytest.mark.parametrize("order", ORDERS)
def test_its_bookkeeping_grows_with_the_blocks_in_use_not_the_pool(order):
    """Round three: 64 requests on the 16,777,216-slot pool at block 1 held 1.82 GB, a few
    entries for every one of the pool's 16.8M blocks; now only blocks ever handed out have any."""
    pool = PrefixCachingAllocator(1 << 24, 1, order)
    for rid in range(64):
        pool.admit(Request(rid, 32, 512, "ab"[rid % 2], 16))
    for rid in range(0, 64, 2):
        pool.free_request(rid)
    touched = 64 * 32
    kept = (len(pool.counts.bytes) + len(pool.links.where) + len(pool.links.nxt) + len(pool.links.prv)
            + len(pool.cache.first) + sum(map(len, pool.cache.starts.values())) + len(pool.cache.extra))
    assert kept <= 6 * touched and pool.free_blocks == (1 << 24) - 16 - 32 * 16  # b: its prefix, 32 tables of 16
