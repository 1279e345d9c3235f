"""Paged allocation: block counts, tail waste, and the three free orders (README: "What-if on the command line", --order)."""

import pytest

from fragtui.sim.allocators.outcomes import ADMITTED, POOL_FULL, REJECTED
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.workload.requests import Request


@pytest.mark.parametrize(
    "order, c_blocks",
    [("fifo", [5, 6, 7]), ("lifo", [2, 1, 0]), ("lowest", [0, 1, 2])],
)
def test_free_orders_on_the_design_example(order, c_blocks):
    """8 blocks: A=40 tokens takes [0,1,2]; B=17 takes [3,4]; free A; then C=33."""
    pool = PagedAllocator(8 * 16, 16, order)
    assert pool.admit(Request(0, 40, 512)).blocks == [0, 1, 2]
    assert pool.admit(Request(1, 17, 512)).blocks == [3, 4]
    pool.free_request(0)
    assert pool.admit(Request(2, 33, 512)).blocks == c_blocks


@pytest.mark.parametrize(
    "order, queue",
    [
        # A's blocks go back tail-first: 2, 1, 0.
        ("fifo", [5, 6, 7, 2, 1, 0]),
        ("lifo", [2, 1, 0, 5, 6, 7]),
        ("lowest", [0, 1, 2, 5, 6, 7]),
    ],
)
def test_free_queue_after_a_free(order, queue):
    pool = PagedAllocator(8 * 16, 16, order)
    pool.admit(Request(0, 40, 512))
    pool.admit(Request(1, 17, 512))
    pool.free_request(0)
    assert pool.free_block_ids() == queue


def test_lifo_hands_out_a_freed_requests_last_block_first_across_two_frees():
    pool = PagedAllocator(6 * 4, 4, "lifo")
    pool.admit(Request(0, 8, 512))  # [0, 1]
    pool.admit(Request(1, 8, 512))  # [2, 3]
    pool.free_request(0)  # queue: 1 0 4 5
    pool.free_request(1)  # queue: 3 2 1 0 4 5
    assert pool.free_block_ids() == [3, 2, 1, 0, 4, 5]
    assert pool.admit(Request(2, 12, 512)).blocks == [3, 2, 1]


def test_all_or_nothing():
    pool = PagedAllocator(64, 16)
    pool.admit(Request(0, 40, 512))  # 3 blocks
    outcome = pool.admit(Request(1, 17, 512))  # needs 2, 1 left
    assert (outcome.kind, outcome.reason, outcome.blocks) == (REJECTED, POOL_FULL, [])
    assert pool.free_blocks == 1
    assert pool.admit(Request(2, 16, 512)).kind == ADMITTED


def test_the_remainder_past_the_last_whole_block_is_unusable():
    pool = PagedAllocator(100, 16)
    assert (pool.num_blocks, pool.unusable, pool.free) == (6, 4, 96)


def test_tail_waste_and_block_table_entries():
    pool = PagedAllocator(4096, 16)
    for rid in range(64):
        pool.admit(Request(rid, 33, 512))
    assert (pool.admitted, pool.reserved, pool.block_table_entries) == (64, 64 * 15, 192)


def test_the_external_fragmentation_case_is_admitted_in_seven_blocks():
    pool = PagedAllocator(2048, 16)
    for rid in range(4):
        pool.admit(Request(rid, 32, 512))
    pool.free_request(1)
    pool.free_request(3)
    outcome = pool.admit(Request(4, 100, 1024))
    assert outcome.kind == ADMITTED
    assert len(outcome.blocks) == 7
    assert outcome.blocks == [8, 9, 10, 11, 12, 13, 14]  # fifo: the never-used blocks come first
