"""A stream of serving requests, checked once and shared by every run on it."""

from __future__ import annotations

from operator import attrgetter
from typing import Iterable

from fragtui.sim.workload.requests import Request, served


class Stream:
    """Requests checked and in arrival order, with the lookups every engine makes: built once
    and shared, read-only, by the runs that compare allocators on the same requests."""

    def __init__(self, requests: Iterable[Request], max_len: int) -> None:
        self.max_len = max_len
        self.requests = _checked_requests(requests, max_len)
        self.by_id = {r.id: r for r in self.requests}
        if len(self.by_id) < len(self.requests):  # an id twice: find the first for the message
            seen: set[int] = set()
            for r in self.requests:
                if r.id in seen:
                    raise ValueError(f"request id {r.id} appears twice")
                seen.add(r.id)


def _checked_requests(requests: Iterable[Request], max_len: int) -> tuple[Request, ...]:
    checked = [r if type(r) is Request else served(r.id, r.arrival_tick, r.prompt, r.output) for r in requests]
    for r in checked:
        if r.prompt < 1 or r.output < 1 or r.arrival_tick < 0:
            raise ValueError(f"request {r.id}: prompt={r.prompt} output={r.output} "
                             f"arrival_tick={r.arrival_tick}; prompt and output must be at least 1, "
                             "arrival_tick at least 0")
        if r.final > max_len:
            raise ValueError(f"request {r.id}: prompt + output = {r.final} exceeds max_len {max_len}")
    return tuple(sorted(checked, key=attrgetter("arrival_tick", "id")))
