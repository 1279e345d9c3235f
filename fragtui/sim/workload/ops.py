"""Op lists in the style of OSTEP's allocator simulator: `+32,+64,-0,+128/1024,+64:a48`.

`+N` arrives with N tokens (max_len from the parameters), `+N/M` with its own max_len M, and
`-i` frees the request of the i-th `+` (0-based, counting every arrival, admitted or not).
A prefix comes last: `+N:aK` (or `+N/M:aK`) arrives with N tokens whose first K are prefix
`a`'s, a letter a–z naming the prefix and 1 ≤ K ≤ N; requests naming the same letter hold the
same tokens up to the shorter K (see Request).
"""

from __future__ import annotations

from fragtui.sim.errors import ParamError, quoted
from fragtui.sim.numbers import MAX_TOKENS, NumberError, ascii_note, whole
from fragtui.sim.workload.requests import PREFIX_LETTERS, Arrive, Event, Free, Request

EXPECTED = "expected +N, +N/M, +N:aK or -I"


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
            body, colon, prefix = item[1:].partition(":")
            tokens, slash, own = body.partition("/")
            used = _whole(tokens, name, text, where)
            limit = _whole(own, name, text, where) if slash else max_len
            if used > limit:
                raise ParamError(name, text, f"{where}: {used} tokens exceed its max_len {limit}")
            letter, shared = "", 0
            if colon:
                letter, digits = prefix[:1], prefix[1:]
                if not letter or letter not in PREFIX_LETTERS or not digits:
                    raise ParamError(name, text, f"{where}: a prefix is a letter a-z and its length, e.g. +64:a48")
                shared = _whole(digits, name, text, where)
                if shared > used:
                    raise ParamError(name, text, f"{where}: prefix {letter}'s {shared} tokens exceed the "
                                                 f"request's {used}")
            events.append(Arrive(Request(arrived, used, limit, letter, shared)))
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
            raise ParamError(name, text, f"{where}: {EXPECTED}")
    return events


def _whole(digits: str, name: str, text: str, where: str, low: int = 1) -> int:
    try:
        return whole(digits, low, MAX_TOKENS)
    except NumberError:
        raise ParamError(name, text, f"{where}: expected a whole number from {low} to {MAX_TOKENS:,}"
                                     f"{ascii_note(digits)}") from None
