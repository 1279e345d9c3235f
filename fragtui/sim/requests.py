"""Requests and the two events a workload is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Request:
    """A request holding `used` tokens; `max_len` is what a max reservation sets aside.

    Serving mode also fills `prompt`, `output` and `arrival_tick`; event mode ignores them.
    """

    id: int
    used: int
    max_len: int
    prompt: int = 0
    output: int = 0
    arrival_tick: int = 0


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
