"""Request traces from files: the Azure LLM inference CSV exactly as published, the Mooncake
traces (JSON Lines with each prompt's block identities, FAST 2025), a CSV with a `used` (or
`tokens`) column, or one whole number per line; any of them gzip-compressed.

Every problem is reported as `FILE:LINE: what is wrong` (or `FILE: what is wrong`).

What is read, and what is refused at once:
- regular files only: a FIFO, a device, a directory, a socket or a /proc or /sys file is
  refused before it is opened (and the open never blocks: O_NONBLOCK);
- at most MAX_BYTES (2 GiB, trace_file.py) and MAX_ROWS rows (1,000,000, the most requests a run takes);
- lines of at most MAX_LINE bytes and fields of at most MAX_FIELD characters, UTF-8, no NUL;
- the file is streamed, line by line, and its rows kept as compact columns (`array`), not as
  an object per row: a million rows cost about 20 MB.

A Mooncake row is `{"timestamp": MS, "input_length": N, "output_length": M, "hash_ids": [...]}`:
arrival in milliseconds, prompt and output tokens, and one id per HASH_BLOCK (512) tokens of
the prompt, ceil(N / 512) of them, the last block possibly partial. Equal ids are equal
content with an equal prefix before it (see block_names.block_identities for how they map to
a block size).

Timestamps (the Azure TIMESTAMP column) are read in one family, ISO 8601 date and time:
`YYYY-MM-DD HH:MM[:SS[.FRACTION]]` with a space or `T` between, up to 9 fractional digits (the
Azure trace has 7), and an optional zone, `Z` or `±HH:MM` (`±HHMM`). Either every timestamp has
a zone (rows may then use different ones: each is converted to UTC) or none has (each is taken
as written); a mix is refused with the line number. Rows need not be in time order: seconds
are measured from the earliest timestamp, and serving mode admits requests in time order
(event mode replays rows in file order). A trace may span at most MAX_SPAN (366 days).
"""

from __future__ import annotations

import csv
import json
import math
import re
from array import array
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Iterator, NoReturn, Sequence, overload

from fragtui.sim.errors import InputFileError, quoted, safe
from fragtui.sim.numbers import MAX_TOKENS, NumberError, is_whole, whole
from fragtui.sim.workload.requests import HASH_BLOCK
from fragtui.sim.workload.trace_file import EMPTY, checked_stat, text_lines

AZURE_COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")
MOONCAKE_KEYS = ("timestamp", "input_length", "output_length", "hash_ids")
MAX_HASH_ID = 2**63 - 1
MAX_ROWS = 1_000_000
MAX_FIELD = 1_024  # characters
MAX_SPAN = 366 * 86_400  # seconds between the earliest and the latest timestamp

_STAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
    r" ?(Z|[+-][0-9]{2}:?[0-9]{2})?"
)
STAMP_FORMAT = "YYYY-MM-DD HH:MM:SS[.FRACTION][Z|±HH:MM]"
_SECONDS = re.compile(r"[0-5][0-9](?:\.[0-9]{1,9})?")


@dataclass(frozen=True, slots=True)
class TraceRow:
    line: int
    used: int  # tokens the request holds: prompt + output
    prompt: int
    output: int
    seconds: float | None  # since the earliest timestamp, when the trace has timestamps


@dataclass(frozen=True, eq=False)
class Trace:
    """A loaded trace: its rows as columns. `rows` reads them as TraceRows, one at a time."""

    path: str
    kind: str  # "azure", "csv" or "lines"
    lines: array[int] = field(repr=False)  # the line each row came from
    prompts: array[int] = field(repr=False)  # azure: ContextTokens; otherwise the row's tokens
    outputs: array[int] = field(repr=False)  # azure: GeneratedTokens; otherwise 0
    seconds: array[float] | None = field(repr=False)  # since the earliest timestamp; None without timestamps
    hashes: array[int] | None = field(default=None, repr=False)  # mooncake: every row's hash ids, end to end
    hash_starts: array[int] | None = field(default=None, repr=False)  # mooncake: where each row's begin (and the end)

    @property
    def has_outputs(self) -> bool:
        """Whether each row gives its output length (serving mode draws one where not)."""
        return self.kind in ("azure", "mooncake")

    def hash_ids(self, index: int) -> tuple[int, ...]:
        """Row `index`'s prompt block identities, one per HASH_BLOCK tokens (() where the trace has none)."""
        if self.hashes is None or self.hash_starts is None:
            return ()
        return tuple(self.hashes[self.hash_starts[index]:self.hash_starts[index + 1]])

    @property
    def rows(self) -> TraceRows:
        return TraceRows(self)

    def __len__(self) -> int:
        return len(self.lines)


class TraceRows(Sequence[TraceRow]):
    """A trace's rows as a sequence of TraceRow, made when read."""

    def __init__(self, trace: Trace) -> None:
        self._trace = trace

    def __len__(self) -> int:
        return len(self._trace.lines)

    @overload
    def __getitem__(self, index: int) -> TraceRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[TraceRow]: ...

    def __getitem__(self, index: int | slice) -> TraceRow | list[TraceRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        t = self._trace
        prompt, output = t.prompts[index], t.outputs[index]
        return TraceRow(t.lines[index], prompt + output, prompt, output,
                        None if t.seconds is None else t.seconds[index])

    def __iter__(self) -> Iterator[TraceRow]:
        t = self._trace
        seconds = t.seconds if t.seconds is not None else [None] * len(t.lines)
        for line, prompt, output, when in zip(t.lines, t.prompts, t.outputs, seconds):
            yield TraceRow(line, prompt + output, prompt, output, when)


def load_trace(path: str) -> Trace:
    info = checked_stat(path)
    return _load(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> Trace:
    with text_lines(path) as lines:
        return _Reader(path).read(lines)


class _Reader:
    """Rows into columns, checking each as it comes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines, self.prompts, self.outputs = array("L"), array("L"), array("L")
        self.stamps = array("d")
        self.zoned: bool | None = None  # whether the first timestamp had a zone
        self.zone_line = 0
        self.base: int | None = None  # the first timestamp's day
        self.minute, self.minute_start = "", 0  # the last zoneless timestamp's minute, and its seconds
        self.earliest, self.latest = math.inf, -math.inf  # timestamps so far, in seconds
        self.earliest_line = self.latest_line = 0

    def read(self, lines: Iterator[tuple[int, str]]) -> Trace:
        path = self.path
        for n, text in lines:
            if text.strip():
                break
        else:
            raise InputFileError(path, None, EMPTY)
        if text.lstrip().startswith("{"):
            return self._mooncake(n, text, lines)
        first = _fields(path, n, text)
        if is_whole(first[0]):
            self._number_lines(n, text, lines)
            return self._trace("lines")
        return self._csv(n, first, lines)

    def _trace(self, kind: str, stamps: bool = False) -> Trace:
        seconds = None
        if stamps:
            start = self.earliest
            seconds = array("d", (s - start for s in self.stamps))
        return Trace(self.path, kind, self.lines, self.prompts, self.outputs, seconds)

    def _add(self, n: int, prompt: int, output: int = 0) -> None:
        if len(self.lines) >= MAX_ROWS:
            raise InputFileError(self.path, n, f"more than {MAX_ROWS:,} rows, the most a run takes; "
                                              f"keep the first ones (head -n {MAX_ROWS + 1})")
        self.lines.append(n)
        self.prompts.append(prompt)
        self.outputs.append(output)

    def _number_lines(self, n: int, text: str, lines: Iterator[tuple[int, str]]) -> None:
        while True:
            value = text.strip()
            if value:
                if "," in value:
                    raise InputFileError(self.path, n, f"expected one whole number per line, found {quoted(value)}")
                self._add(n, _tokens(self.path, n, value, "tokens"))
            try:
                n, text = next(lines)
            except StopIteration:
                return

    def _csv(self, n: int, header: list[str], lines: Iterator[tuple[int, str]]) -> Trace:
        path = self.path
        names = [h.strip() for h in header]
        lower = [h.lower() for h in names]
        azure = all(c.lower() in lower for c in AZURE_COLUMNS[1:])
        stamp = None
        if azure:
            context, generated = lower.index("contexttokens"), lower.index("generatedtokens")
            stamp = lower.index("timestamp") if "timestamp" in lower else None
        elif "used" in lower or "tokens" in lower:
            column = lower.index("used") if "used" in lower else lower.index("tokens")
        else:
            found = safe(", ".join(names), 200) or "nothing"
            raise InputFileError(path, n, f"no used, tokens or ContextTokens+GeneratedTokens column (found: {found})")
        header_line, width = n, len(names)
        add_line, add_prompt, add_output = self.lines.append, self.prompts.append, self.outputs.append
        for n, text in lines:
            # The common row is checked inline (this loop runs a million times); anything
            # unusual goes through _fields and _tokens, which also word the errors.
            fields = text.split(",") if len(text) <= MAX_FIELD and '"' not in text else _fields(path, n, text)
            if len(fields) != width:
                if not text.strip():
                    continue
                raise InputFileError(path, n, f"expected {width} fields, found {len(fields)}")
            if len(self.lines) >= MAX_ROWS:
                raise InputFileError(path, n, f"more than {MAX_ROWS:,} rows, the most a run takes; "
                                              f"keep the first ones (head -n {MAX_ROWS + 1})")
            if azure:
                prompt = _quick(fields[context])
                if prompt < 0:
                    prompt = _tokens(path, n, fields[context], "ContextTokens", low=0)
                output = _quick(fields[generated])
                if output < 0:
                    output = _tokens(path, n, fields[generated], "GeneratedTokens", low=0)
                if prompt + output < 1:
                    raise InputFileError(path, n, "a request needs at least one token")
                if stamp is not None:
                    self._stamp(n, fields[stamp])
            else:
                prompt, output = _quick(fields[column]), 0
                if prompt < 1:
                    prompt = _tokens(path, n, fields[column], names[column])
            add_line(n)
            add_prompt(prompt)
            add_output(output)
        if not self.lines:
            raise InputFileError(path, header_line, "has a header but no rows")
        return self._trace("azure" if azure else "csv", stamps=stamp is not None)

    def _mooncake(self, n: int, text: str, lines: Iterator[tuple[int, str]]) -> Trace:
        """JSON Lines, a request each: its arrival (ms), lengths and prompt block identities."""
        path = self.path
        hashes, starts = array("Q"), array("Q", [0])
        stamps = self.stamps
        while True:
            if text.strip():
                try:
                    row = json.loads(text)
                except ValueError:
                    row = None
                if not isinstance(row, dict):
                    raise InputFileError(path, n, "is not a JSON object: a Mooncake row is {\"timestamp\": MS, "
                                                  "\"input_length\": N, \"output_length\": M, \"hash_ids\": [...]}")
                missing = [key for key in MOONCAKE_KEYS if key not in row]
                if missing:
                    raise InputFileError(path, n, f"has no {missing[0]}; a Mooncake row has "
                                                  f"{', '.join(MOONCAKE_KEYS[:-1])} and {MOONCAKE_KEYS[-1]}")
                prompt = _json_whole(path, n, row["input_length"], "input_length", 1)
                output = _json_whole(path, n, row["output_length"], "output_length", 0)
                ids = row["hash_ids"]
                blocks = -(-prompt // HASH_BLOCK)
                if not isinstance(ids, list) or len(ids) != blocks:
                    found = f"{len(ids)} ids" if isinstance(ids, list) else f"a {type(ids).__name__}"
                    raise InputFileError(path, n, f"hash_ids has {found} for input_length {prompt}; a row has "
                                                  f"ceil({prompt} / {HASH_BLOCK}) = {blocks}, one per {HASH_BLOCK}-token block")
                for i, value in enumerate(ids):
                    if type(value) is not int or not 0 <= value <= MAX_HASH_ID:
                        raise InputFileError(path, n, f"hash_ids[{i}] is {quoted(json.dumps(value))}: ids are whole "
                                                      f"numbers from 0 to {MAX_HASH_ID:,}")
                when = row["timestamp"]
                if type(when) not in (int, float) or not math.isfinite(when) or when < 0:
                    raise InputFileError(path, n, f"timestamp is {quoted(json.dumps(when))}: milliseconds from the "
                                                  "trace's start, a number ≥ 0")
                self._add(n, prompt, output)
                seconds = when / 1000
                if seconds > MAX_SPAN:
                    raise InputFileError(path, n, f"timestamp {when} ms is more than {MAX_SPAN // 86_400} days from "
                                                  "the trace's start; a trace may span at most that")
                self.earliest = min(self.earliest, seconds)
                stamps.append(seconds)
                hashes.extend(ids)
                starts.append(len(hashes))
            try:
                n, text = next(lines)
            except StopIteration:
                break
        if not self.lines:
            raise InputFileError(path, None, EMPTY)
        trace = self._trace("mooncake", stamps=True)
        return Trace(path, "mooncake", trace.lines, trace.prompts, trace.outputs, trace.seconds, hashes, starts)

    def _stamp(self, n: int, text: str) -> None:
        """Read a TIMESTAMP into seconds since the first one's date (UTC when zoned)."""
        seconds_text = text[17:]
        if text[:16] == self.minute and text[16:17] == ":" and _SECONDS.fullmatch(seconds_text):
            seconds = self.minute_start + float(seconds_text)  # the same minute as the last: the common case
        else:
            seconds = self._stamp_in_full(n, text)
        if seconds > self.latest:
            self.latest, self.latest_line = seconds, n
            if seconds - self.earliest > MAX_SPAN:
                self._too_long(n, text, self.earliest_line)
        if seconds < self.earliest:
            self.earliest, self.earliest_line = seconds, n
            if self.latest - seconds > MAX_SPAN:
                self._too_long(n, text, self.latest_line)
        self.stamps.append(seconds)

    def _stamp_in_full(self, n: int, text: str) -> float:
        value = text.strip()
        match = _STAMP.fullmatch(value)
        if not match:
            raise InputFileError(self.path, n, f"TIMESTAMP {quoted(value)} is not a date and time "
                                               f"({STAMP_FORMAT})")
        y, mo, d, h, mi, s, fraction, zone = match.groups()
        try:
            ordinal = date(int(y), int(mo), int(d)).toordinal()
        except ValueError:
            raise InputFileError(self.path, n, f"TIMESTAMP {quoted(value)} is not a date and time "
                                               "(no such day)") from None
        if self.base is None:
            self.base = ordinal
        hour, minute, second = int(h), int(mi), int(s or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InputFileError(self.path, n, f"TIMESTAMP {quoted(value)} is not a date and time (no such time)")
        start = (ordinal - self.base) * 86_400 + hour * 3600 + minute * 60
        zoned = zone is not None
        if self.zoned is None:
            self.zoned, self.zone_line = zoned, n
        elif zoned != self.zoned:
            has = "has a time zone and line {}'s has none" if zoned else "has no time zone and line {}'s has one"
            raise InputFileError(self.path, n, f"TIMESTAMP {quoted(value)} {has.format(self.zone_line)}; "
                                               "give every timestamp a zone, or none")
        if zone and zone != "Z":
            hh, mm = int(zone[1:3]), int(zone[-2:])
            if hh > 23 or mm > 59:
                raise InputFileError(self.path, n, f"TIMESTAMP {quoted(value)} has no such time zone")
            start -= (-1 if zone[0] == "-" else 1) * (hh * 3600 + mm * 60)
        elif not zoned:
            self.minute, self.minute_start = value[:16], start  # for the rows that follow
        return start + second + (int(fraction) / 10 ** len(fraction) if fraction else 0)

    def _too_long(self, n: int, text: str, other: int) -> NoReturn:
        raise InputFileError(self.path, n, f"TIMESTAMP {quoted(text.strip())} is more than {MAX_SPAN // 86_400} "
                                           f"days from line {other}'s; a trace may span at most that")


def _json_whole(path: str, line: int, value: object, key: str, low: int) -> int:
    if type(value) is not int or not low <= value <= MAX_TOKENS:
        raise InputFileError(path, line, f"{key} is {quoted(json.dumps(value))}: a whole number of tokens from "
                                         f"{low} to {MAX_TOKENS:,}")
    return value


def _fields(path: str, line: int, text: str) -> list[str]:
    fields = next(csv.reader([text])) if '"' in text else text.split(",")
    for value in fields:
        if len(value) > MAX_FIELD:
            raise InputFileError(path, line, f"a field is longer than {MAX_FIELD:,} characters")
    return fields


def _quick(text: str) -> int:
    """A plain token count the fast way; -1 for anything else (which _tokens then reads)."""
    if text.isdigit() and text.isascii() and len(text) <= 8:
        value = int(text)
        return value if value <= MAX_TOKENS else -1
    return -1


def _tokens(path: str, line: int, text: str, column: str, low: int = 1) -> int:
    try:
        return whole(text, low, MAX_TOKENS, unit="tokens")
    except NumberError as error:
        raise InputFileError(path, line, f"{safe(column, 40)} {error.shown} {error.problem}") from None
