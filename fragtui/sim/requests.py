"""Requests and the two events a workload is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Request:
    """A request holding `used` tokens; `max_len` is what a max reservation sets aside."""

    id: int
    used: int
    max_len: int


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
