"""Fast draws that give exactly the numbers `random.Random` would: a workload draws hundreds of
thousands of them, and a what-if key draws its stream again.

CPython's `randrange(n)` (and `randrange(a, b)`, which is `a + randrange(b − a)`) draws
`n.bit_length()` random bits until they fall below n (`Random._randbelow_with_getrandbits`,
Lib/random.py); these do the same without its argument checks and two calls a draw, at about a
third of the cost. tests/test_draws.py pins them against `randrange` itself.
"""

from __future__ import annotations

import random
from typing import Callable


def below(rng: random.Random) -> Callable[[int], int]:
    """`rng.randrange(n)` for n ≥ 1."""
    getrandbits = rng.getrandbits

    def draw(n: int) -> int:
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    return draw


def between(rng: random.Random, low: int, high: int) -> Callable[[], int]:
    """`rng.randint(low, high)`: inclusive, low ≤ high."""
    getrandbits, n = rng.getrandbits, high - low + 1
    k = n.bit_length()

    def draw() -> int:
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return low + r

    return draw
