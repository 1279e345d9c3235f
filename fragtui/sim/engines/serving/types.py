"""Serving mode's running requests as they stand."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestState:
    """A request as it stands: `generated` output tokens so far (kept across preemptions)."""

    id: int
    arrival_tick: int
    prompt: int
    output: int
    generated: int

    @property
    def tokens(self) -> int:
        return self.prompt + self.generated

    @property
    def final(self) -> int:
        return self.prompt + self.output
