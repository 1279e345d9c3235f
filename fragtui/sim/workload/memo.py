"""What building an event-mode workload drew, kept for the next build that draws the same.

The seed fixes every draw, one stream per purpose (build.py), so a what-if that changes only
max_len reads the same lengths in the same order (it drops others), and frees the same
positions among the same number of arrivals. On a big stream drawing is most of a max_len
what-if's build: 100k arrivals at churn 0.5 draw about 400k numbers. These keep what was drawn
and hand it out again; what they hand out is what drawing afresh gives, number for number
(tests/test_workload_memo.py).
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field
from itertools import compress, count, islice

from fragtui.sim.config.params import parse_frees
from fragtui.sim.workload.draws import below
from fragtui.sim.workload.lengths import parse_lengths
from fragtui.sim.workload.requests import Free

CHUNK = 4096  # lengths drawn at a time past what was kept


class DrawnLengths:
    """`--lengths`' draws in order, kept or dropped: `values`, extended by `more()`."""

    def __init__(self, lengths: str, used_len: int, seed: int) -> None:
        self.key = (lengths, used_len, seed)
        self.values: array[int] = array("q")
        self._draw = parse_lengths(lengths, used_len).sampler(random.Random(f"lengths:{seed}"))

    def more(self) -> None:
        """Draw CHUNK more, or half as many again as drawn, whichever is more."""
        draw = self._draw
        self.values.extend([draw() for _ in range(max(CHUNK, len(self.values) // 2))])

    def fitting(self, wanted: int, max_len: int, max_draws: int) -> tuple[list[int], int]:
        """The first `wanted` lengths ≤ max_len, and how many longer ones were dropped before
        the last of them; TooFew at the first drop past max_draws × (kept + 10). A chunk in
        which no drop can be that one (even all dropped, still within) is filtered in C."""
        kept: list[int] = []
        dropped = start = 0
        fits, values = max_len.__ge__, self.values
        while len(kept) < wanted:
            if start == len(values):
                self.more()
            chunk = values[start:start + CHUNK]
            need = wanted - len(kept)
            if dropped + len(chunk) <= max_draws * (len(kept) + 10):
                got = list(islice(filter(fits, chunk), need))
                read = len(chunk) if len(got) < need else next(islice(compress(count(), map(fits, chunk)), need - 1,
                                                                      None)) + 1
                kept += got
                dropped += read - len(got)
                start += read
                continue
            for used in chunk:  # one at a time, each drop checked
                start += 1
                if used > max_len:
                    dropped += 1
                    if dropped > max_draws * (len(kept) + 10):
                        raise TooFew(len(kept), dropped)
                    continue
                kept.append(used)
                if len(kept) == wanted:
                    break
        return kept, dropped


class TooFew(Exception):
    """Too few lengths fit max_len: `kept` of `kept + dropped` drawn."""

    def __init__(self, kept: int, dropped: int) -> None:
        self.kept, self.dropped = kept, dropped


def free_shape(arrivals: int, frees: str, seed: int) -> list[Free | None]:
    """The stream's events with each arrival left as None: where `frees` frees whom among
    `arrivals` requests numbered 0, 1, … in arrival order. `churn:P`: after each arrival, with
    probability P, a random live request leaves."""
    kind, p = parse_frees(frees)
    if kind == "none":
        return [None] * arrivals
    if kind == "every-other":
        return [None] * arrivals + [Free(rid) for rid in range(0, arrivals, 2)]
    rng = random.Random(f"frees:{seed}")
    draw, pick = rng.random, below(rng)
    shape: list[Free | None] = []
    live: list[int] = []
    for rid in range(arrivals):
        shape.append(None)
        live.append(rid)
        if draw() < p:
            i = pick(len(live))
            live[i], live[-1] = live[-1], live[i]
            shape.append(Free(live.pop()))
    return shape


@dataclass
class Memo:
    """What a workload's build drew, for the next build from the same seed."""

    lengths: DrawnLengths | None = None
    shapes: dict[tuple[int, str, int], list[Free | None]] = field(default_factory=dict)  # (arrivals, frees, seed)

    def drawn(self, lengths: str, used_len: int, seed: int) -> DrawnLengths:
        if self.lengths is None or self.lengths.key != (lengths, used_len, seed):
            self.lengths = DrawnLengths(lengths, used_len, seed)
        return self.lengths

    def shape(self, arrivals: int, frees: str, seed: int) -> list[Free | None]:
        key = (arrivals, frees, seed)
        if key not in self.shapes:
            self.shapes = {key: free_shape(arrivals, frees, seed)}  # (one kept: the last)
        return self.shapes[key]
