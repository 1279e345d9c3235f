"""The seed lab's numbers (README: "The seed lab"), pinned."""

import io

import pytest

from fragtui.lab import contiguous_admit, paged_admit, report


@pytest.mark.parametrize(
    "used, contiguous, paged",
    [
        (32, (8, 56, 3840), (64, 0, 0)),
        (33, (8, 56, 3832), (64, 0, 960)),
    ],
)
def test_seed_rows(used, contiguous, paged):
    assert tuple(contiguous_admit([used] * 64, total_slots=4096, max_len=512)) == contiguous
    assert tuple(paged_admit([used] * 64, total_slots=4096, block_size=16)) == paged


def test_contiguous_waste_is_reservation_minus_used():
    result = contiguous_admit([1, 100, 511, 512, 7], total_slots=4096, max_len=512)
    assert result.admitted == 5
    assert result.wasted == sum(512 - u for u in [1, 100, 511, 512, 7])


def test_paged_tail_waste_is_below_a_block_per_request():
    lengths = [1, 15, 16, 17, 31, 33, 100]
    result = paged_admit(lengths, total_slots=4096, block_size=16)
    assert result.wasted == sum(-(-u // 16) * 16 - u for u in lengths) == 15 + 1 + 0 + 15 + 1 + 15 + 12
    assert result.admitted == len(lengths)


def test_rejections_are_counted_not_raised():
    assert contiguous_admit([10] * 5, total_slots=100, max_len=40) == (2, 3, 60)
    # 20 slots hold two whole blocks of 8; each request needs both.
    assert paged_admit([10] * 5, total_slots=20, block_size=8) == (1, 4, 6)


def test_report_prints_the_two_seed_lines():
    out = io.StringIO()
    report(file=out)
    assert out.getvalue() == (
        "contiguous: admitted=8 rejected=56 wasted=3840\n"
        "paged: admitted=64 rejected=0 wasted=0\n"
    )
