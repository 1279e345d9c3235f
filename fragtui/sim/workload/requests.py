"""Requests and the two events a workload is made of."""

from __future__ import annotations

from typing import NamedTuple

PREFIX_LETTERS = "abcdefghijklmnopqrstuvwxyz"  # the names of shared prefixes
HASH_BLOCK = 512  # tokens a Mooncake hash id stands for


class Request(NamedTuple):
    """A request that will hold `used` tokens at its longest; `max_len` is what a max
    reservation sets aside. One type for both modes: in event mode a request holds all its
    tokens at once (`output` 0); in serving mode it arrives at tick `arrival_tick` with a
    prompt of `used − output` tokens and appends its `output` tokens one a tick.

    Its first `prefix_len` tokens are prefix `prefix`'s (a letter; "" for none): every request
    naming the same letter holds the same tokens there, up to the shorter prefix_len, and the
    rest of its tokens are its own. Or its prompt's full blocks of HASH_BLOCK (512) tokens are
    named by `hashes`, as a Mooncake trace names them: equal ids, equal content and prefix (a
    partial last block has no name here: it is never shared). Only a prefix-caching allocator
    reads either (block_names.block_identities).

    A named tuple: made in one C call (a serving admission makes one for its allocator, and a
    trace a million), three times as fast as a frozen dataclass."""

    id: int
    used: int
    max_len: int
    prefix: str = ""
    prefix_len: int = 0
    arrival_tick: int = 0
    output: int = 0
    hashes: tuple[int, ...] = ()

    @property
    def prompt(self) -> int:
        """The tokens it arrives with."""
        return self.used - self.output

    @property
    def final(self) -> int:
        """The tokens it holds at the end: `used`."""
        return self.used


def served(rid: int, arrival_tick: int, prompt: int, output: int, max_len: int = 0) -> Request:
    """A serving request: `prompt` tokens arriving at `arrival_tick`, `output` more to come
    (max_len: its final length, unless given)."""
    return Request(rid, prompt + output, max_len or prompt + output, arrival_tick=arrival_tick, output=output)


class Arrive(NamedTuple):
    """`request` arrives. The events are named tuples, as requests are: a stream is hundreds
    of thousands of them, and a what-if that draws a new stream makes them all again."""

    request: Request

    @property
    def kind(self) -> str:
        return "arrive"

    @property
    def id(self) -> int:
        return self.request.id


class Free(NamedTuple):
    """Request `id` leaves (if it is live)."""

    id: int

    @property
    def kind(self) -> str:
        return "free"


Event = Arrive | Free
