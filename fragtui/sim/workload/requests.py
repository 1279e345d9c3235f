"""Requests and the two events a workload is made of."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX_LETTERS = "abcdefghijklmnopqrstuvwxyz"  # the names of shared prefixes


@dataclass(frozen=True, slots=True)
class Request:
    """A request holding `used` tokens; `max_len` is what a max reservation sets aside.

    Its first `prefix_len` tokens are prefix `prefix`'s (a letter; "" for none): every request
    naming the same letter holds the same tokens there, up to the shorter prefix_len, and the
    rest of its tokens are its own. Only a prefix-caching allocator reads them."""

    id: int
    used: int
    max_len: int
    prefix: str = ""
    prefix_len: int = 0


@dataclass(frozen=True, slots=True)
class Arrive:
    request: Request

    kind = "arrive"

    @property
    def id(self) -> int:
        return self.request.id


@dataclass(frozen=True, slots=True)
class Free:
    id: int

    kind = "free"


Event = Arrive | Free
