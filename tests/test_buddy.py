"""The buddy allocator: hand-worked layouts, invariants over random streams, exact undo."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import event_streams

from fragtui.sim.allocators.buddy import BuddyAllocator, chunk_order, top_level_blocks
from fragtui.sim.allocators.contiguous import RESERVATIONS, reservation_for
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, POOL_FULL, REJECTED
from fragtui.sim.workload.requests import Arrive, Request


def admit(pool: BuddyAllocator, rid: int, used: int, max_len: int = 4096):
    return pool.admit(Request(rid, used, max_len))


def placed(outcome) -> tuple:
    return outcome.kind, outcome.start, outcome.length


# -- hand-worked layouts -------------------------------------------------------------------


def test_admission_splits_the_smallest_fitting_chunk_keeping_the_lower_half():
    pool = BuddyAllocator(64, "oracle")
    assert pool.free_chunks() == [(0, 64)]
    outcome = admit(pool, 0, 10)  # chunk 16: 64 → 32 + 32 → 16 + 16
    assert placed(outcome) == (ADMITTED, 0, 16)
    assert (outcome.left, outcome.right, outcome.reservation) == (0, 48, 10)  # 48 free after it
    assert pool.free_chunks() == [(16, 16), (32, 32)]
    assert placed(admit(pool, 1, 20)) == (ADMITTED, 32, 32)  # 16@16 is too small: 32@32, no split
    assert pool.free_chunks() == [(16, 16)]
    outcome = admit(pool, 2, 5)  # chunk 8: 16@16 splits
    assert placed(outcome) == (ADMITTED, 16, 8) and outcome.right == 8
    assert pool.free_chunks() == [(24, 8)]
    assert placed(admit(pool, 3, 3)) == (ADMITTED, 24, 4)
    assert pool.free_chunks() == [(28, 4)]
    assert pool.allocations == {0: (0, 16, 10), 1: (32, 32, 20), 2: (16, 8, 5), 3: (24, 4, 3)}
    assert (pool.used, pool.reserved, pool.free, pool.slack) == (38, 22, 4, 22)  # oracle: all the reserved slots are slack
    assert (pool.largest, len(pool), pool.live) == (4, 1, 4)


def test_free_merges_buddies_back_into_the_whole_pool():
    pool = BuddyAllocator(64, "oracle")
    for rid, used in enumerate([10, 20, 5, 3]):  # as above: 16@0, 32@32, 8@16, 4@24; free 4@28
        admit(pool, rid, used)
    outcome = pool.free_request(2)  # 8@16: its buddy 8@24 is split (4@24 held), no merge
    assert (outcome.kind, outcome.start, outcome.length, outcome.left, outcome.right) == (FREED, 16, 8, 0, 0)
    assert pool.free_chunks() == [(16, 8), (28, 4)]
    outcome = pool.free_request(3)  # 4@24 + 4@28 → 8@24, + 8@16 → 16@16
    assert (outcome.left, outcome.right) == (8, 4)
    assert pool.free_chunks() == [(16, 16)]
    outcome = pool.free_request(0)  # 16@0 + 16@16 → 32@0; its buddy 32@32 is held
    assert (outcome.left, outcome.right) == (0, 16)
    assert pool.free_chunks() == [(0, 32)]
    outcome = pool.free_request(1)  # 32@32 + 32@0 → 64@0
    assert (outcome.left, outcome.right) == (32, 0)
    assert pool.free_chunks() == [(0, 64)]
    assert (pool.used, pool.reserved, pool.slack, pool.free, pool.live) == (0, 0, 0, 64, 0)
    assert pool.free_request(1).kind == NOOP


def test_a_pool_that_is_not_a_power_of_two_is_its_binary_decomposition_largest_first():
    blocks = [(0, 8192), (8192, 4096), (12288, 2048), (14336, 1024), (15360, 256), (15616, 64),
              (15680, 32), (15712, 16)]
    assert list(top_level_blocks(15728)) == blocks
    assert sum(size for _, size in blocks) == 15728
    pool = BuddyAllocator(15728)
    assert pool.free_chunks() == blocks
    assert (pool.largest, len(pool), pool.free) == (8192, 8, 15728)


def test_orca_max_on_the_papers_pool_holds_seven_requests_and_strands_1392_slots():
    """12 GiB of OPT-13B KV cache = 15,728 slots, max_len 2,048: 4 + 2 + 1 chunks of 2,048."""
    pool = BuddyAllocator(15728, "max")
    starts = [admit(pool, rid, 100, 2048).start for rid in range(7)]
    # smallest fitting chunk first: the top-level 2,048, then the 4,096 split, then the 8,192
    assert starts == [12288, 8192, 10240, 0, 2048, 4096, 6144]
    outcome = admit(pool, 7, 100, 2048)
    assert (outcome.kind, outcome.reason, outcome.length) == (REJECTED, POOL_FULL, 2048)
    assert pool.free == 1392 and pool.stranded(2048) == 1392
    assert pool.free_chunks() == [(14336, 1024), (15360, 256), (15616, 64), (15680, 32), (15712, 16)]


def test_buddies_merge_only_within_their_top_level_block():
    pool = BuddyAllocator(24, "oracle")  # 16@0 + 8@16
    assert placed(admit(pool, 0, 8)) == (ADMITTED, 16, 8)  # the top-level 8 fits exactly: no split
    assert placed(admit(pool, 1, 8)) == (ADMITTED, 0, 8)  # splits 16@0
    assert pool.free_chunks() == [(8, 8)]
    pool.free_request(0)  # 8@16 is adjacent to the free 8@8 but not its buddy
    assert pool.free_chunks() == [(8, 8), (16, 8)]
    outcome = admit(pool, 2, 16)  # 16 slots free, but not in one chunk
    assert (outcome.kind, outcome.reason, outcome.length) == (REJECTED, FRAGMENTED, 16)
    outcome = pool.free_request(1)
    assert (outcome.left, outcome.right) == (0, 8)
    assert pool.free_chunks() == [(0, 16), (16, 8)]  # never one chunk of 24 (or 32)


def test_the_papers_pool_frees_back_to_its_decomposition():
    pool = BuddyAllocator(15728, "oracle")
    rng = random.Random(5)
    for rid in range(300):
        admit(pool, rid, rng.randint(1, 200))
    for rid in rng.sample(range(300), 300):
        pool.free_request(rid)
    assert pool.free_chunks() == list(top_level_blocks(15728))


@pytest.mark.parametrize("free_order", [(1, 3), (3, 1)])
def test_ties_go_to_the_lowest_address(free_order):
    pool = BuddyAllocator(64, "oracle")
    for rid in range(4):
        assert admit(pool, rid, 16).start == 16 * rid
    for rid in free_order:  # 16@16 and 16@48: neither's buddy is free
        pool.free_request(rid)
    assert pool.free_chunks() == [(16, 16), (48, 16)]
    assert placed(admit(pool, 9, 12)) == (ADMITTED, 16, 16)
    assert placed(admit(pool, 10, 3)) == (ADMITTED, 48, 4)  # splitting the only one left


def test_the_smallest_fitting_chunk_wins_over_a_lower_address():
    pool = BuddyAllocator(64, "oracle")
    for rid, used in enumerate([32, 16, 8, 8]):  # 32@0, 16@32, 8@48, 8@56
        admit(pool, rid, used)
    pool.free_request(0)
    pool.free_request(3)
    assert pool.free_chunks() == [(0, 32), (56, 8)]
    assert placed(admit(pool, 9, 7)) == (ADMITTED, 56, 8)
    assert placed(admit(pool, 10, 7)) == (ADMITTED, 0, 8)  # now 32@0 must split
    assert pool.free_chunks() == [(8, 8), (16, 16)]


@pytest.mark.parametrize(
    "policy, used, max_len, reservation, chunk",
    [
        ("max", 30, 100, 100, 128),  # slack 28
        ("oracle", 33, 100, 33, 64),  # slack 31
        ("pow2", 33, 48, 48, 64),  # pow2 capped at max_len, then rounded up again: slack 16
        ("pow2", 33, 100, 64, 64),  # no slack
        ("max", 64, 64, 64, 64),
    ],
)
def test_slack_is_the_rounding_inside_the_reserved_slots(policy, used, max_len, reservation, chunk):
    pool = BuddyAllocator(256, policy)
    outcome = admit(pool, 0, used, max_len)
    assert reservation_for(policy, used, max_len) == reservation
    assert (outcome.length, outcome.reservation, pool.reservations[0]) == (chunk, reservation, reservation)
    assert (pool.used, pool.reserved, pool.slack) == (used, chunk - used, chunk - reservation)
    assert pool.free == 256 - chunk
    pool.undo(outcome)
    assert pool.state() == BuddyAllocator(256, policy).state()


def test_fragmented_when_enough_slots_are_free_but_no_chunk_is_that_large():
    pool = BuddyAllocator(64, "oracle")
    for rid in range(4):
        admit(pool, rid, 16)
    pool.free_request(0)
    pool.free_request(2)  # 16@0 and 16@32: 32 free, in two chunks that are not buddies
    assert (pool.free, pool.largest) == (32, 16)
    outcome = admit(pool, 9, 17)
    assert (outcome.kind, outcome.reason, outcome.start, outcome.length) == (REJECTED, FRAGMENTED, -1, 32)
    assert (pool.rejected_fragmented, pool.rejected_pool_full) == (1, 0)
    outcome = admit(pool, 10, 40)  # chunk 64 > 32 free
    assert (outcome.kind, outcome.reason, outcome.length) == (REJECTED, POOL_FULL, 64)
    assert (pool.rejected_fragmented, pool.rejected_pool_full, pool.admitted) == (1, 1, 4)


def test_pool_full_is_decided_on_the_chunk_not_the_reservation():
    pool = BuddyAllocator(64, "oracle")
    admit(pool, 0, 16)
    admit(pool, 1, 8)  # 40 free: 8@24 + 32@32
    outcome = admit(pool, 2, 33)  # reservation 33 ≤ 40 free, but its chunk is 64
    assert (outcome.kind, outcome.reason, outcome.length) == (REJECTED, POOL_FULL, 64)


def test_a_chunk_larger_than_every_top_level_block_is_pool_full_even_in_an_empty_pool():
    pool = BuddyAllocator(15728, "max")
    outcome = admit(pool, 0, 10, 9000)  # chunk 16,384 > 15,728: can never fit
    assert (outcome.kind, outcome.reason, outcome.length) == (REJECTED, POOL_FULL, 16384)
    pool = BuddyAllocator(24, "oracle")
    assert admit(pool, 0, 17).reason == POOL_FULL  # chunk 32 > 24


def test_queries_chunk_at_stranded_and_the_runs_view():
    pool = BuddyAllocator(64, "oracle")
    for rid, used in enumerate([10, 20, 5]):  # 16@0, 32@32, 8@16; free 8@24
        admit(pool, rid, used)
    pool.free_request(1)  # free 8@24, 32@32
    assert pool.free_chunks() == [(24, 8), (32, 32)]
    assert [pool.chunk_at(s) for s in (0, 23, 24, 31, 32, 63, 64, -1)] == [
        None, None, (24, 8), (24, 8), (32, 32), (32, 32), None, None]
    assert (pool.stranded(8), pool.stranded(9), pool.stranded(32), pool.stranded(33)) == (0, 8, 8, 40)
    assert pool.stranded(1) == 0
    assert (pool.runs.by_start, pool.runs.largest, len(pool.runs)) == ({24: 8, 32: 32}, 32, 2)
    assert pool.runs.runs() == pool.free_chunks()


def test_an_empty_pool_rejects_everything_as_pool_full():
    pool = BuddyAllocator(0, "oracle")
    assert (pool.free_chunks(), pool.largest, len(pool), pool.chunk_at(0)) == ([], 0, 0, None)
    assert admit(pool, 0, 1).reason == POOL_FULL


def test_a_bad_reservation_policy_is_refused():
    with pytest.raises(ValueError, match="reservation 'min'"):
        BuddyAllocator(64, "min")


def test_a_heap_mostly_of_stale_entries_is_rebuilt_from_the_live_chunks():
    """256 one-slot requests, then the even ones leave (128 free chunks of 1, none mergeable),
    then the odd ones: each merges its buddy away, leaving a stale entry in order 0's heap.
    At the 97th, 97 stale entries exceed the 31 live ones by more than 64: the heap is rebuilt."""
    pool = BuddyAllocator(256, "oracle")
    for rid in range(256):
        admit(pool, rid, 1)
    for rid in range(0, 256, 2):
        pool.free_request(rid)
    assert len(pool._heaps[0]) == pool._counts[0] == 128
    for rid in range(1, 2 * 96, 2):
        pool.free_request(rid)
    assert (len(pool._heaps[0]), pool._counts[0]) == (128, 32)
    pool.free_request(2 * 96 + 1)
    assert sorted(pool._heaps[0]) == list(range(194, 256, 2)) and pool._counts[0] == 31
    check(pool)
    for rid in range(2 * 97 + 1, 256, 2):
        pool.free_request(rid)
    assert pool.free_chunks() == [(0, 256)]
    check(pool)


def test_undo_reverses_each_kind_of_outcome():
    pool = BuddyAllocator(64, "oracle")
    outcomes, states = [], [pool.state()]
    for rid, used in enumerate([10, 20, 5, 3, 40]):  # the last is rejected
        outcomes.append(admit(pool, rid, used))
        states.append(pool.state())
    for rid in (2, 3, 0, 99, 1):
        outcomes.append(pool.free_request(rid))
        states.append(pool.state())
    assert [o.kind for o in outcomes] == [ADMITTED] * 4 + [REJECTED] + [FREED] * 2 + [FREED, NOOP, FREED]
    assert pool.free_chunks() == [(0, 64)]
    while outcomes:
        pool.undo(outcomes.pop())
        states.pop()
        assert pool.state() == states[-1]


# -- invariants over random streams --------------------------------------------------------


def check(pool: BuddyAllocator) -> None:
    """Every invariant, against an independent expansion of the pool."""
    total = pool.total_slots
    owner = [None] * total
    blocks = top_level_blocks(total)

    def block_of(start: int, size: int) -> tuple[int, int]:
        (base, top), = [(b, n) for b, n in blocks if b <= start < b + n]
        assert start + size <= base + top, "a chunk crosses its top-level block"
        assert size & (size - 1) == 0 and (start - base) % size == 0, "a chunk is not aligned"
        return base, top

    def claim(start: int, size: int, who: object) -> None:
        for slot in range(start, start + size):
            assert owner[slot] is None, f"slot {slot} held twice"
            owner[slot] = who

    for rid, (start, chunk, used) in pool.allocations.items():
        claim(start, chunk, rid)
        block_of(start, chunk)
        reservation = pool.reservations[rid]
        assert chunk == 1 << chunk_order(reservation) and used <= chunk
        assert chunk == 1 or reservation > chunk // 2, "not the smallest power of two"
    assert pool.reservations.keys() == pool.allocations.keys()
    chunks = pool.free_chunks()
    for start, size in chunks:
        claim(start, size, "free")
        base, top = block_of(start, size)
        if size < top:
            assert pool.by_start.get(base + ((start - base) ^ size)) != size, "free buddies not merged"
    assert None not in owner, "a slot is neither held nor free"
    check_heaps(pool)
    free = sum(size for _, size in chunks)
    assert pool.used + pool.reserved + pool.free == total and pool.free == free
    assert pool.used == sum(u for _, _, u in pool.allocations.values())
    assert pool.reserved == sum(n - u for _, n, u in pool.allocations.values())
    assert pool.slack == sum(n - pool.reservations[rid] for rid, (_, n, _) in pool.allocations.items())
    assert pool.largest == pool.runs.largest == max((size for _, size in chunks), default=0)
    assert len(pool) == len(chunks) and pool.live == len(pool.allocations)
    for threshold in (1, 5, 16, 64, 100):
        assert pool.stranded(threshold) == sum(n for _, n in chunks if n < 1 << chunk_order(threshold))
    for slot in range(total):
        found = pool.chunk_at(slot)
        assert (found is not None) == (owner[slot] == "free")
        if found:
            assert found in chunks and found[0] <= slot < found[0] + found[1]


def check_heaps(pool: BuddyAllocator) -> None:
    """Each order's heap is a heap and holds every free chunk of that order (stale entries may
    sit beside them); the counts and the mask follow the free chunks."""
    for order, heap in enumerate(pool._heaps):
        assert all(heap[i] >= heap[(i - 1) // 2] for i in range(1, len(heap)))
        starts = [s for s, n in pool.by_start.items() if n == 1 << order]
        assert set(starts) <= set(heap) and pool._counts[order] == len(starts)
        assert bool(pool._mask >> order & 1) == bool(starts)


class Reference:
    """A slow buddy allocator written from the rules alone: scans, explicit block bounds."""

    def __init__(self, total: int, policy: str) -> None:
        self.policy = policy
        self.blocks = top_level_blocks(total)
        self.free = set(self.blocks)
        self.live: dict[int, tuple[int, int]] = {}

    def admit(self, request: Request) -> tuple:
        need = reservation_for(self.policy, request.used, request.max_len)
        chunk = 1
        while chunk < need:
            chunk *= 2
        fits = [(size, start) for start, size in self.free if size >= chunk]
        if not fits:
            full = sum(size for _, size in self.free) < chunk
            return REJECTED, POOL_FULL if full else FRAGMENTED, -1, chunk
        size, start = min(fits)
        self.free.remove((start, size))
        while size > chunk:
            size //= 2
            self.free.add((start + size, size))
        self.live[request.id] = (start, chunk)
        return ADMITTED, None, start, chunk

    def release(self, rid: int) -> tuple:
        if rid not in self.live:
            return NOOP, None, -1, 0
        start, size = self.live.pop(rid)
        first, length = start, size
        base, top = next((b, n) for b, n in self.blocks if b <= start < b + n)
        while size < top:
            buddy = base + ((start - base) ^ size)
            if (buddy, size) not in self.free:
                break
            self.free.remove((buddy, size))
            start, size = min(start, buddy), size * 2
        self.free.add((start, size))
        return FREED, None, first, length


pools = st.one_of(st.integers(1, 300), st.sampled_from([64, 128, 256, 15728 // 64, 200, 96, 1]))


def run(pool: BuddyAllocator, events, after=None) -> list:
    outcomes = []
    for event in events:
        if isinstance(event, Arrive):
            outcomes.append(pool.admit(event.request))
        else:
            outcomes.append(pool.free_request(event.id))
        if after:
            after(event, outcomes[-1])
    return outcomes


@settings(max_examples=150, deadline=None)
@given(total=pools, policy=st.sampled_from(RESERVATIONS), events=event_streams(max_len=32, max_events=60),
       spare=st.sampled_from([0, 64]))
def test_invariants_and_the_rules_hold_on_random_streams(total, policy, events, spare):
    pool = BuddyAllocator(total, policy)
    pool._SPARE = spare  # 0: heaps are rebuilt at the first stale entry beyond the live ones
    reference = Reference(total, policy)
    check(pool)

    def after(event, outcome):
        if isinstance(event, Arrive):
            expected = reference.admit(event.request)
        else:
            expected = reference.release(event.id)
        assert (outcome.kind, outcome.reason, outcome.start, outcome.length) == expected
        assert set(pool.free_chunks()) == reference.free
        check(pool)

    outcomes = run(pool, events, after)
    assert pool.admitted == sum(o.kind == ADMITTED for o in outcomes)
    assert pool.rejected_fragmented == sum(o.reason == FRAGMENTED for o in outcomes)
    assert pool.rejected_pool_full == sum(o.reason == POOL_FULL for o in outcomes)


@settings(max_examples=150, deadline=None)
@given(total=pools, policy=st.sampled_from(RESERVATIONS), events=event_streams(max_len=32, max_events=60),
       spare=st.sampled_from([0, 64]), data=st.data())
def test_undo_is_exact_and_replay_equals_undo(total, policy, events, spare, data):
    pool = BuddyAllocator(total, policy)
    pool._SPARE = spare
    states = [pool.state()]
    outcomes = run(pool, events, lambda event, outcome: states.append(pool.state()))
    middle = data.draw(st.integers(0, len(events)))
    twin = None
    for step in range(len(events), 0, -1):  # undo every step, back to the one before
        if step == middle:
            twin = pool.clone()
        pool.undo(outcomes[step - 1])
        assert pool.state() == states[step - 1], f"undo of step {step}"
        check_heaps(pool)
    assert pool.state() == BuddyAllocator(total, policy).state()
    assert run(pool, events) == outcomes  # the same run again, outcome for outcome
    assert pool.state() == states[-1]
    if twin is not None:  # the clone stayed at its step while the original moved on
        assert twin.state() == states[middle]
        pool_events_after = events[middle:]
        run(twin, pool_events_after)
        assert twin.state() == pool.state()


def test_a_clone_is_independent():
    pool = BuddyAllocator(64, "oracle")
    admit(pool, 0, 10)
    twin = pool.clone()
    before = twin.state()
    admit(pool, 1, 20)
    pool.free_request(0)
    assert twin.state() == before and twin.runs.by_start == {16: 16, 32: 32}
    admit(twin, 5, 3)
    assert pool.allocations == {1: (32, 32, 20)} and pool.free_chunks() == [(0, 32)]
    assert twin.largest == 32 and pool.runs.largest == 32 and twin.runs.largest == 32


# -- a long history ------------------------------------------------------------------------


def churn(seed: int, events: int, max_len: int) -> list[tuple[str, Request | int]]:
    """Arrivals of log-uniform lengths 1..max_len (some with a max_len of ¾ of it, so pow2
    caps and rounds up again) and frees of random earlier arrivals, 45 % of the events."""
    rng = random.Random(seed)
    stream: list[tuple[str, Request | int]] = []
    live: list[int] = []
    short = max_len * 3 // 4
    for rid in range(events):
        if live and rng.random() < 0.45:
            i = rng.randrange(len(live))
            live[i], live[-1] = live[-1], live[i]
            stream.append(("free", live.pop()))
        else:
            used = int(2 ** rng.uniform(0, max_len.bit_length() - 1))
            own_max = rng.choice((max_len, short)) if used <= short else max_len
            stream.append(("arrive", Request(rid, used, own_max)))
            live.append(rid)
    return stream


def tallies(pool: BuddyAllocator) -> tuple:
    return (pool.used, pool.reserved, pool.slack, pool.admitted, pool.rejected_pool_full,
            pool.rejected_fragmented, pool.live, len(pool), pool.largest)


@pytest.mark.parametrize("policy", ["oracle", "pow2"])
def test_a_long_history_undone_to_zero_equals_a_fresh_pool(policy):
    pool = BuddyAllocator(65536, policy)
    stream = churn(11, 30000, 256)
    seen, states, outcomes = [tallies(pool)], {0: pool.state()}, []
    for step, (kind, what) in enumerate(stream, 1):
        outcomes.append(pool.admit(what) if kind == "arrive" else pool.free_request(what))
        seen.append(tallies(pool))
        if step % 5000 == 0:
            states[step] = pool.state()
    # the pool filled up and churned: thousands live, many rejections of both kinds
    assert pool.live > 2000 and pool.admitted > 14000
    assert pool.rejected_fragmented > 1000 and pool.rejected_pool_full > 300
    for step in range(len(stream), 0, -1):
        pool.undo(outcomes[step - 1])
        assert tallies(pool) == seen[step - 1], f"step {step}"
        if step % 10 == 0:  # undo empties and rebuilds heaps: each must still hold its chunks
            check_heaps(pool)
        if step - 1 in states:
            assert pool.state() == states[step - 1], f"step {step - 1}"
    assert pool.state() == BuddyAllocator(65536, policy).state()
