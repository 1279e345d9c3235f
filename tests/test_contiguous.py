"""Contiguous allocation on hand-worked layouts."""

import pytest

from fragtui.sim.allocators.contiguous import ContiguousAllocator, reservation_for
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, POOL_FULL, REJECTED
from fragtui.sim.workload.requests import Request


def holey_pool(placement: str) -> ContiguousAllocator:
    """200 slots, oracle reservations, then frees leave holes of 40 @10, 60 @60, 35 @130, 25 @175.

    r0 [0,10) r1 [10,50) r2 [50,60) r3 [60,120) r4 [120,130) r5 [130,165) r6 [165,175) free [175,200)
    """
    pool = ContiguousAllocator(200, reservation="oracle", placement=placement)
    for rid, used in enumerate([10, 40, 10, 60, 10, 35, 10]):
        assert pool.admit(Request(rid, used, 512)).kind == ADMITTED
    for rid in (1, 3, 5):
        assert pool.free_request(rid).kind == FREED
    assert pool.runs.runs() == [(10, 40), (60, 60), (130, 35), (175, 25)]
    return pool


@pytest.mark.parametrize(
    "placement, need, start",
    [
        ("first", 30, 10),  # lowest address that fits
        ("best", 30, 130),  # 35 is the tightest fit
        ("worst", 30, 60),  # 60 is the largest run
        ("next", 5, 175),  # resumes after r6's placement, where first fit would take 10
    ],
)
def test_placement_on_a_hand_worked_layout(placement, need, start):
    pool = holey_pool(placement)
    outcome = pool.admit(Request(9, need, 512))
    assert (outcome.kind, outcome.start, outcome.length) == (ADMITTED, start, need)


def test_next_fit_wraps_to_the_lowest_run_when_nothing_fits_after_the_cursor():
    pool = holey_pool("next")  # cursor 175, and [175,200) holds only 25
    assert pool.admit(Request(9, 30, 512)).start == 10
    assert pool.cursor == 40
    assert pool.admit(Request(10, 30, 512)).start == 60  # resumes at 40: [40,50) is too short


@pytest.mark.parametrize("placement", ["best", "worst", "first", "next"])
def test_ties_go_to_the_lowest_address(placement):
    pool = ContiguousAllocator(100, reservation="oracle", placement=placement)
    for rid, used in enumerate([10, 20, 10, 20, 40]):  # r4 takes the rest: [60, 100)
        pool.admit(Request(rid, used, 512))
    pool.free_request(1)
    pool.free_request(3)
    assert pool.runs.runs() == [(10, 20), (40, 20)]
    pool.cursor = 0
    assert pool.admit(Request(9, 15, 512)).start == 10


def test_free_merges_with_both_neighbours():
    pool = ContiguousAllocator(100, reservation="oracle")
    for rid in range(4):
        pool.admit(Request(rid, 25, 512))
    pool.free_request(0)
    pool.free_request(2)
    assert pool.runs.runs() == [(0, 25), (50, 25)]
    outcome = pool.free_request(1)
    assert (outcome.left, outcome.right) == (25, 25)
    assert pool.runs.runs() == [(0, 75)]
    assert pool.runs.largest == 75


def test_the_external_fragmentation_case():
    """Four 32-token requests with max_len 512 fill 2048 slots; freeing the 2nd and 4th leaves
    1024 free in two runs of 512, so a max_len 1024 request is rejected as fragmented."""
    pool = ContiguousAllocator(2048)
    for rid in range(4):
        pool.admit(Request(rid, 32, 512))
    pool.free_request(1)
    pool.free_request(3)
    assert (pool.free, pool.runs.largest) == (1024, 512)
    outcome = pool.admit(Request(4, 100, 1024))
    assert (outcome.kind, outcome.reason) == (REJECTED, FRAGMENTED)
    assert pool.rejected_fragmented == 1 and pool.rejected_pool_full == 0
    assert pool.stranded(1024) == 1024


def test_pool_full_when_free_is_short_of_the_reservation():
    pool = ContiguousAllocator(1000)
    pool.admit(Request(0, 10, 512))
    outcome = pool.admit(Request(1, 10, 512))
    assert (outcome.kind, outcome.reason, outcome.length) == (REJECTED, POOL_FULL, 512)


def test_free_of_an_unknown_request_is_a_noop():
    pool = ContiguousAllocator(100)
    assert pool.free_request(7).kind == NOOP
    assert pool.free == 100


@pytest.mark.parametrize(
    "policy, length, max_len, expected",
    [
        ("max", 33, 512, 512),
        ("pow2", 33, 512, 64),
        ("pow2", 32, 512, 32),
        ("pow2", 1, 512, 1),
        ("pow2", 300, 384, 384),  # the power of two would pass max_len
        ("oracle", 33, 512, 33),
    ],
)
def test_reservation_policies(policy, length, max_len, expected):
    assert reservation_for(policy, length, max_len) == expected


def test_waste_is_the_sum_of_reservation_minus_used():
    pool = ContiguousAllocator(4096, reservation="pow2")
    lengths = [3, 17, 64, 65, 100, 511]
    for rid, used in enumerate(lengths):
        pool.admit(Request(rid, used, 512))
    assert pool.reserved == sum(reservation_for("pow2", u, 512) - u for u in lengths)
    assert pool.used == sum(lengths)
