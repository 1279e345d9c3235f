"""Op lists in the style of OSTEP's allocator simulator: `+32,+64,-0,+128/1024`.

`+N` arrives with N tokens (max_len from the parameters), `+N/M` with its own max_len M, and
`-i` frees the request of the i-th `+` (0-based, counting every arrival, admitted or not).
"""

from __future__ import annotations

from fragtui.sim.errors import ParamError, quoted
from fragtui.sim.numbers import MAX_TOKENS, NumberError, ascii_note, whole
from fragtui.sim.requests import Arrive, Event, Free, Request


def parse_ops(text: str, max_len: int, name: str = "ops") -> list[Event]:
    events: list[Event] = []
    arrived = 0
    freed: set[int] = set()
    items = [item.strip() for item in text.replace(";", ",").split(",")]
    if not any(items):
        raise ParamError(name, text, "an op list needs at least one op, e.g. +32,+64,-0")
    for n, item in enumerate(items, start=1):
        where = f"op {n} {quoted(item, 20)}"
        if item.startswith("+"):
            tokens, slash, own = item[1:].partition("/")
            used = _whole(tokens, name, text, where)
            limit = _whole(own, name, text, where) if slash else max_len
            if used > limit:
                raise ParamError(name, text, f"{where}: {used} tokens exceed its max_len {limit}")
            events.append(Arrive(Request(arrived, used, limit)))
            arrived += 1
        elif item.startswith("-"):
            index = _whole(item[1:], name, text, where, low=0)
            if index >= arrived:
                raise ParamError(name, text, f"{where}: only {arrived} arrivals so far (−i counts from 0)")
            if index in freed:
                raise ParamError(name, text, f"{where}: r{index} is already freed")
            freed.add(index)
            events.append(Free(index))
        else:
            raise ParamError(name, text, f"{where}: expected +N, +N/M or -I")
    return events


def _whole(digits: str, name: str, text: str, where: str, low: int = 1) -> int:
    try:
        return whole(digits, low, MAX_TOKENS)
    except NumberError:
        raise ParamError(name, text, f"{where}: expected a whole number from {low} to {MAX_TOKENS:,}"
                                     f"{ascii_note(digits)}") from None
