"""One spelling rule for every name an option takes, and a suggestion for a near miss.

Names are matched with case, `-` and `_` ignored alike (`prefix_cache` is the scenario
`prefix-cache`, `Max-Len` the parameter `max_len`), everywhere: scenarios, sides, placements,
orders, reservations, models, parameters. A name that matches none is refused with the list,
and with the closest one where one is close (difflib's ratio of at least 0.6).
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import Iterable


def spelling(name: str) -> str:
    """The form names are compared in: lower case, `_` as `-`, no surrounding space."""
    return name.strip().lower().replace("_", "-")


def find(name: str, names: Iterable[str]) -> str | None:
    """The one of `names` that `name` spells, or None."""
    wanted = spelling(name)
    return next((n for n in names if spelling(n) == wanted), None)


def one_of(name: str, names: Iterable[str]) -> str:
    """`must be one of a, b, c`, and the closest to `name` where one is close."""
    names = [str(n) for n in names]
    by_spelling = {spelling(n): n for n in names}
    close = get_close_matches(spelling(name), list(by_spelling), n=1, cutoff=0.6)
    hint = f"; did you mean {by_spelling[close[0]]}?" if close else ""
    return "must be one of " + ", ".join(names) + hint
