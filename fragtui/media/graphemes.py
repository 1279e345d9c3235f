"""What a reader sees as one character: a grapheme cluster (UAX #29, the parts a caption
meets): a base and its combining marks and variation selectors, an emoji and its skin tone,
emoji joined by U+200D (👩‍👩‍👧), a flag's two regional indicators, a tag sequence.

A frame holds one character per cell, so a cluster of several code points is interned as one
character from Unicode's supplementary private use area (`interned`), never typed by anyone
(those are not printable, so a caption cannot hold one); a renderer writes it back out as the
cluster (`spelt`)."""

from __future__ import annotations

import unicodedata

from rich.cells import get_character_cell_size

ZWJ = "\u200d"
_INTERNED: dict[str, str] = {}  # cluster -> its character
_SPELT: dict[str, str] = {}  # character -> its cluster
_FIRST = 0xF0000
_FIRST_CHAR = chr(_FIRST)


def _extends(char: str) -> bool:
    """A code point that belongs to the cluster before it."""
    code = ord(char)
    return (unicodedata.category(char) in ("Mn", "Me", "Mc") or 0xFE00 <= code <= 0xFE0F
            or 0xE0100 <= code <= 0xE01EF or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F)


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def clusters(text: str) -> list[str]:
    out = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        if _regional(text[i]) and j < n and _regional(text[j]):
            j += 1
        while j < n:
            if _extends(text[j]):
                j += 1
            elif text[j] == ZWJ and j + 1 < n:
                j += 2
            else:
                break
        out.append(text[i:j])
        i = j
    return out


def joiner(char: str) -> bool:
    """A code point that is not printable alone but is within a cluster (U+200D, a tag, a
    variation selector)."""
    return char == ZWJ or _extends(char)


def width(cluster: str) -> int:
    """Cells the cluster takes: 2 where any part is wide or it asks for emoji presentation."""
    if len(cluster) == 1:
        return get_character_cell_size(cluster)
    if "\ufe0f" in cluster or any(get_character_cell_size(c) == 2 for c in cluster):
        return 2
    return max(1, get_character_cell_size(cluster[0]))


def interned(cluster: str) -> str:
    """One character standing for `cluster` (itself, where it is one)."""
    if len(cluster) == 1:
        return cluster
    char = _INTERNED.get(cluster)
    if char is None:
        char = _INTERNED[cluster] = chr(_FIRST + len(_INTERNED))
        _SPELT[char] = cluster
    return char


def is_cluster(char: str) -> bool:
    """Whether `char` stands for a cluster (it is printable, then, though Unicode says not)."""
    return char in _SPELT


def spelt(text: str) -> str:
    """`text` with each interned character written out as its cluster."""
    if not _SPELT or not text or max(text) < _FIRST_CHAR:
        return text
    return "".join(_SPELT.get(c, c) for c in text)
