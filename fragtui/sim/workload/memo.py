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
