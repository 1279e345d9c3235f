"""Colour by request: a request's colour from a categorical palette, a dim shade of it for its
reserved slots, and never the free or the background colour, in truecolor or at 256 colours."""

from __future__ import annotations

from rich.color import Color as RichColor
from rich.color import ColorSystem

# A categorical palette without the stranded colour, which keeps its meaning.
REQUEST_COLOURS = (
    "#56B4E9", "#E69F00", "#009E73", "#F0E442", "#0072B2", "#D55E00",
    "#D9D9D9", "#8FD3C1", "#B8A1E3", "#F4A582", "#92C5DE", "#C2E699",
)
DIMMING = (0.65, 0.5, 0.35, 0.2)  # how far a reserved slot's colour fades to the background


def request_colour(owner: int, reserved: bool, background: RichColor | None, free: RichColor | None) -> RichColor:
    """Request `owner`'s colour on `background`, dimmed where `reserved`, never `free`'s."""
    colour = RichColor.parse(REQUEST_COLOURS[owner % len(REQUEST_COLOURS)])
    ground = _truecolor(background)
    avoid = {_truecolor(free), ground}
    if reserved:
        return _distinct([_blend(colour, ground, amount) for amount in DIMMING], avoid)
    return _distinct([colour] + [_blend(colour, _opposite(ground), a) for a in (0.3, 0.6)], avoid)


def _truecolor(colour: RichColor | None) -> RichColor:
    if colour is None or colour.is_default:
        return RichColor.parse("#000000")
    return RichColor.from_triplet(colour.get_truecolor())


def _opposite(background: RichColor) -> RichColor:
    """White on a dark background, black on a light one."""
    r, g, b = background.get_truecolor()
    return RichColor.parse("#000000" if r + g + b > 384 else "#ffffff")


def _distinct(candidates: list[RichColor], avoid: set[RichColor]) -> RichColor:
    """The first candidate that differs from every colour in `avoid`, also once a 256-colour
    terminal rounds both to its palette."""
    rounded = {_rounded(c) for c in avoid} | {c.get_truecolor() for c in avoid}
    for colour in candidates:
        if colour.get_truecolor() not in rounded and _rounded(colour) not in rounded:
            return colour
    return candidates[-1]


def _rounded(colour: RichColor) -> object:
    return colour.downgrade(ColorSystem.EIGHT_BIT).number


def _blend(colour: RichColor, background: RichColor, amount: float) -> RichColor:
    a, b = colour.get_truecolor(), background.get_truecolor()
    mix = [round(x + (y - x) * amount) for x, y in zip(a, b)]
    return RichColor.from_rgb(*mix)
