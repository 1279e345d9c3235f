"""The fast draws give exactly the numbers randrange gives, from the same state, so every pinned
number that comes from a drawn stream stays what it was."""

import random

from hypothesis import given, strategies as st

from fragtui.sim.workload.draws import below, between


@given(st.integers(0, 2**32), st.lists(st.integers(1, 2**40), min_size=1, max_size=50))
def test_below_is_randrange(seed: int, sizes: list[int]) -> None:
    ours, theirs = random.Random(seed), random.Random(seed)
    draw = below(ours)
    assert [draw(n) for n in sizes] == [theirs.randrange(n) for n in sizes]
    assert ours.getstate() == theirs.getstate()  # and it leaves the stream where randrange does


@given(st.integers(0, 2**32), st.integers(-1000, 10**6), st.integers(0, 10**6))
def test_between_is_randint(seed: int, low: int, span: int) -> None:
    ours, theirs = random.Random(seed), random.Random(seed)
    draw = between(ours, low, low + span)
    assert [draw() for _ in range(40)] == [theirs.randint(low, low + span) for _ in range(40)]
    assert ours.getstate() == theirs.getstate()


def test_a_width_of_one_draws_nothing_but_a_bit() -> None:
    """randrange(1) still consumes a 1-bit draw in CPython; ours must too, or every later
    number would shift."""
    ours, theirs = random.Random(7), random.Random(7)
    assert below(ours)(1) == theirs.randrange(1) == 0
    assert ours.random() == theirs.random()
