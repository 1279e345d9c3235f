"""What a slot looks like: the states a picture stores, one byte per slot, and their names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

FREE, USED, RESERVED, STRANDED, UNUSABLE, INTERNAL, SHARED, CACHED, SLACK, RETAINED = range(10)
# SHARED: a used slot in a block more than one holding references (paged only: a shared block
# is always full, so every slot of it holds a token). CACHED: a free slot in a block that
# still holds a cached block identity, which a later request can take back without computing.
# SLACK: held past what the request asked for, never to be used: an allocator's rounding (a
# buddy allocator's power-of-two chunks). RETAINED: a free slot in a page still mapped to a
# virtual range no request needs now (vAttention's deferred reclamation): any request can have
# it, its own slot's next request without mapping it again.
BEYOND = 10  # a cell past the end of the pool
STATE_NAMES = ("free", "used", "reserved", "stranded", "unusable", "internal", "shared", "cached", "slack", "retained")
STATE_OF = {name: state for state, name in enumerate(STATE_NAMES)}
HELD = (USED, RESERVED, INTERNAL, SLACK)  # slots one holder owns
NOBODY = -1  # the owner of a slot nobody holds
SEVERAL = -2  # the owner of a shared block: its holders are listed apart
LEGEND_ORDER = (USED, SHARED, RESERVED, INTERNAL, SLACK, FREE, STRANDED, CACHED, RETAINED, UNUSABLE)


@dataclass(frozen=True)
class Look:
    """How a state is drawn: its colour (a hex colour, the app's theme variable `pool-NAME`
    by default, or a colour expression of the theme's own) and its monochrome glyph (distinct
    shapes, not just shades)."""

    colour: str
    glyph: str


# Okabe–Ito hues: told apart with any common colour-vision deficiency.
LOOKS = {
    USED: Look("#56B4E9", "█"),
    RESERVED: Look("#E69F00", "▒"),
    INTERNAL: Look("#D55E00", "░"),
    FREE: Look("$foreground 22%", "·"),
    STRANDED: Look("#CC79A7", "×"),
    UNUSABLE: Look("#6f6f6f", "╱"),
    SHARED: Look("#009E73", "▚"),  # a block several requests hold
    CACHED: Look("#24527A", "◦"),  # free, but its cached identity can be hit: dark, as free is, and blue
    SLACK: Look("#F0E442", "≡"),  # held past what was asked for: an allocator's rounding
    RETAINED: Look("#7A5A1E", "▫"),  # free, but still mapped to an idle virtual range: a dark reserved
}


def theme_colours() -> dict[str, str]:
    """The theme variables the states' hex colours are defaults of: `pool-used`, …"""
    return {f"pool-{STATE_NAMES[state]}": look.colour for state, look in LOOKS.items() if look.colour.startswith("#")}


def state_rules(widget: str) -> str:
    """CSS colouring each state's component class `pool--NAME` of `widget`."""
    return "\n".join(f"{widget} > .pool--{STATE_NAMES[state]} {{ color: "
                     f"{'$pool-' + STATE_NAMES[state] if look.colour.startswith('#') else look.colour}; }}"
                     for state, look in LOOKS.items())


def legend_of(names: Iterable[str], labels: dict[int, str] | None = None) -> tuple[tuple[int, str], ...]:
    """(state, label) for the states named (free always), in the legend's order; `labels`
    renames some (serving mode speaks of token states and future tokens)."""
    drawn = {STATE_OF[name] for name in names} | {FREE}
    return tuple((state, (labels or {}).get(state, STATE_NAMES[state])) for state in LEGEND_ORDER if state in drawn)
