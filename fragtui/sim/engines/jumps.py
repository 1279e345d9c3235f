"""Jumps to the moments that matter: the next or previous step with a rejection, or with a
fragmented one, found from any step at once, and the command line's way of naming a step.

A run's moments are found once, when first asked, and kept as sorted arrays of step numbers
(8 bytes per moment), so a jump is a binary search however long the run: event mode runs
fresh allocators over the event stream (no undo records, no history), serving mode logs them
while its engine learns where the run ends. Step k is the step whose event (or tick) did it:
the stage at step k narrates that rejection.

What the kinds mean:
- event mode: `rejection`, either allocator rejected the step's arrival; `fragmented`,
  contiguous rejected it as fragmented (free ≥ its reservation, no run long enough).
- serving mode, where nothing is turned away for good unless it could never fit: `rejection`,
  a tick where either allocator refused the head of its queue for lack of memory (it waits),
  rejected a request that can never fit, or preempted (paged); `fragmented`, a tick where
  contiguous refused the head although its free slots in all would hold the reservation.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Iterable

from fragtui.sim.errors import ParamError, quoted
from fragtui.sim.numbers import NumberError, ascii_note, is_whole, whole

if TYPE_CHECKING:
    from fragtui.sim.engines.engine import Engine

REJECTION = "rejection"
FRAGMENTED = "fragmented"
JUMP_KINDS = (REJECTION, FRAGMENTED)

# Bit flags a step's moments are logged with; a kind is found where any of its bits is set.
REFUSED = 1  # an admission failed (event mode: a rejection; serving: the head waits)
FRAGMENTED_BIT = 2  # ... and free space in all would have held it
PREEMPTED = 4  # serving, paged: a running request lost its blocks
NEVER_FITS = 8  # serving: a request that could not fit an empty pool was rejected
NOUNS = {REJECTION: "rejection", FRAGMENTED: "fragmented rejection"}
KIND_BITS = {REJECTION: REFUSED | FRAGMENTED_BIT | PREEMPTED | NEVER_FITS, FRAGMENTED: FRAGMENTED_BIT}


class Moments:
    """The steps at which each kind of moment happened, ascending, as compact arrays."""

    def __init__(self, flagged: Iterable[tuple[int, int]] = ()) -> None:
        """`flagged`: (step, bit flags), steps ascending."""
        self.steps: dict[str, array[int]] = {kind: array("q") for kind in JUMP_KINDS}
        appends = [(self.steps[kind].append, bits) for kind, bits in KIND_BITS.items()]
        for step, flags in flagged:
            for append, bits in appends:
                if flags & bits:
                    append(step)

    def find(self, kind: str, direction: int, start: int) -> int | None:
        """The nearest step after (`direction` 1) or before (-1) `start` with a `kind` moment."""
        steps = self.steps[check_kind(kind)]
        if direction > 0:
            i = bisect_right(steps, start)
            return steps[i] if i < len(steps) else None
        if direction < 0:
            i = bisect_left(steps, start)
            return steps[i - 1] if i else None
        raise ValueError(f"direction must be 1 or -1, got {direction}")

    def count(self, kind: str) -> int:
        return len(self.steps[check_kind(kind)])


def check_kind(kind: str) -> str:
    if kind not in KIND_BITS:
        raise ValueError(f"kind {kind!r}: must be one of {', '.join(JUMP_KINDS)}")
    return kind


# -- the command line's spelling -----------------------------------------------------------

# name -> (kind, direction, whether from the run's far edge rather than from here)
MOVES = {
    f"{way}-{kind}": (kind, direction, edge)
    for kind in JUMP_KINDS
    for way, direction, edge in (("next", 1, False), ("prev", -1, False), ("first", 1, True), ("last", -1, True))
}
POSITION_HELP = (
    "N (a step), +N or -N (steps from here), start, end, or next-, prev-, first- or last- rejection or "
    "fragmented (next-fragmented: the next fragmented rejection); chained with commas, each move from "
    "where the last landed (next-fragmented,next-fragmented: the second; first-rejection,-3: three steps "
    "before the first rejection)"
)
PART_ALLOWED = ("N, +N, -N, start, end, rN (request N's arrival), or next-, prev-, first- or last- followed by rejection or fragmented "
                "(next-fragmented)")
MAX_MOVES = 32
MAX_STEP = 10**9  # more than any run has (numbers past it are refused, not converted)


def locate(engine: Engine, text: str, origin: int, option: str) -> int:
    """The step `text` names, read from step `origin` (clamped to the run); ParamError (for
    `option`) naming the part that is wrong or the moment there is none of."""
    # A number may group its digits with commas, as everywhere (13,200); otherwise commas chain moves.
    parts = [text.strip()] if is_whole(text) else [part.strip() for part in text.split(",")]
    if len(parts) > MAX_MOVES:
        raise ParamError(option, text, f"takes at most {MAX_MOVES} moves, found {len(parts):,}")
    total = engine.total_steps
    here = max(0, min(origin, total))
    for part in parts:
        move = MOVES.get(part.lower())
        if move is not None:
            kind, direction, edge = move
            found = engine.find(kind, direction, (-1 if direction > 0 else total + 1) if edge else here)
            if found is None:
                side = "in" if edge else f"{'after' if direction > 0 else 'before'} {engine.unit} {here:,} of"
                raise ParamError(option, text, f"{part}: no {NOUNS[kind]} {side} the run ({total:,} {engine.unit}s)")
            here = found
        elif part.lower() in ("start", "end"):
            here = 0 if part.lower() == "start" else total
        elif part[:1] in "rR" and part[1:].isdigit() and part[1:].isascii():  # r267: that request's arrival
            found = engine.arrival(int(part[1:]))
            if found is None:
                raise ParamError(option, text, f"{part}: no request {part[1:]} arrives in the run")
            here = found
        else:
            relative = part.startswith(("+", "-"))
            try:
                step = whole(part, -MAX_STEP, MAX_STEP) if relative else whole(part, 0, MAX_STEP)
            except NumberError:
                if part.lstrip("+-").isdigit() and part.lstrip("+-").isascii():
                    raise ParamError(option, text, f"{quoted(part)} is past any step: a step is at most "
                                                   f"{MAX_STEP:,}, and a move by +N or -N at most that") from None
                raise ParamError(option, text, f"{quoted(part)} is not a step: each part must be "
                                               f"{PART_ALLOWED}{ascii_note(part)}") from None
            here = max(0, min(here + step if relative else step, total))  # past either end: the end
    return here
