"""What a what-if key changes when the pools are several sides.

An option of the pool and the stream (max_len, used_len, total_slots) is the run's. A side
option (block_size, placement, order, reservation) acts on the side whose pane has focus, if
that side takes it; otherwise on every side that takes it. Acting on every side changes the
run's own parameter for the sides that follow it and steps each side that pins its own value:
`k` on `paged:block_size=8,paged:block_size=16` halves both, and on the seed's two sides it is
the run's `--block-size`, as it always was. Acting on one side of several pins the value there.
"""

from __future__ import annotations

from typing import Callable

from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import GENERAL, OPTIONS, Side, resolve, sides_text
from fragtui.sim.errors import FragtuiError


def what_if(params: Params, option: str, change: Callable[[object], object], focused: int | None) -> dict[str, object]:
    """The parameter changes that apply `change` (old value → new) to `option`; `focused` is
    the side whose pane has focus, if any. Raises FragtuiError when no side takes the option."""
    if option not in OPTIONS:  # the pool's or the stream's: one value for the run
        return {option: change(getattr(params, option))}
    sides = resolve(params)
    takers = [side for side in sides if side.takes(option)]
    if not takers:
        raise FragtuiError(f"no side takes {option}: the sides are {params.sides}")
    specs = [side.spec for side in sides]
    if focused is not None and sides[focused].takes(option) and len(takers) > 1:
        side = sides[focused]
        specs[focused] = side.spec.with_pin(option, change(_value(side, option)))
        return {"sides": sides_text(tuple(specs))}
    changes: dict[str, object] = {}
    run = option in GENERAL  # an allocator's own option has no run value: each side pins it
    if run and any(option not in side.spec.pinned() for side in takers):
        changes[option] = change(getattr(params, option))
    for side in takers:
        if option in side.spec.pinned() or not run:
            specs[side.index] = side.spec.with_pin(option, change(_value(side, option)))
    new_sides = sides_text(tuple(specs))
    if new_sides != params.sides:
        changes["sides"] = new_sides
    return changes


def _value(side: Side, option: str) -> object:
    return side.allocator.name if option == "placement" else side.options[option]


def cycled(choices: tuple[object, ...]) -> Callable[[object], object]:
    """The next of `choices` after a value (the first after the last)."""
    return lambda value: choices[(choices.index(value) + 1) % len(choices)] if value in choices else choices[0]
