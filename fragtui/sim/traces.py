"""Request traces from files: the Azure LLM inference CSV exactly as published, a CSV with a
`used` (or `tokens`) column, or one whole number per line.

Every problem is reported as `FILE:LINE: what is wrong`.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from fragtui.sim.errors import InputFileError

MAX_TOKENS = 1 << 24
AZURE_COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")


@dataclass(frozen=True, slots=True)
class TraceRow:
    line: int
    used: int  # tokens the request holds: prompt + output
    prompt: int
    output: int
    seconds: float | None  # since the first row, when the trace has timestamps


@dataclass(frozen=True)
class Trace:
    path: str
    kind: str  # "azure", "csv" or "lines"
    rows: tuple[TraceRow, ...]


def load_trace(path: str) -> Trace:
    try:
        stat = os.stat(path)
    except OSError as error:
        raise InputFileError(path, None, f"cannot read: {error.strerror or error}") from None
    return _load(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> Trace:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise InputFileError(path, None, f"cannot read: {error.strerror or error}") from None
    if b"\0" in data:
        raise InputFileError(path, None, "is a binary file, not a trace (expected CSV or one number per line)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(path, None, f"is not UTF-8 text (byte {error.start})") from None
    lines = text.splitlines()  # CRLF or LF, final newline or not
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputFileError(path, None, "is empty: expected a CSV with a used/tokens column, or one number per line")
    header = lines[first].strip()
    if _is_number(header.split(",")[0]):
        return Trace(path, "lines", tuple(_number_lines(path, lines)))
    return _csv(path, lines, first)


def _number_lines(path: str, lines: list[str]):
    for n, line in enumerate(lines, start=1):
        value = line.strip()
        if not value:
            continue
        if "," in value:
            raise InputFileError(path, n, f"expected one whole number per line, found {value!r}")
        used = _tokens(path, n, value, "tokens")
        yield TraceRow(n, used, used, 0, None)


def _csv(path: str, lines: list[str], first: int) -> Trace:
    reader = csv.reader(lines[first:])
    header = [h.strip() for h in next(reader)]
    lower = [h.lower() for h in header]
    azure = all(c.lower() in lower for c in AZURE_COLUMNS[1:])
    if azure:
        context, generated = lower.index("contexttokens"), lower.index("generatedtokens")
        stamp = lower.index("timestamp") if "timestamp" in lower else None
    elif "used" in lower or "tokens" in lower:
        column = lower.index("used") if "used" in lower else lower.index("tokens")
    else:
        found = ", ".join(header) or "nothing"
        raise InputFileError(
            path, first + 1, f"no used, tokens or ContextTokens+GeneratedTokens column (found: {found})"
        )
    rows = []
    start: datetime | None = None
    for offset, fields in enumerate(reader, start=first + 2):
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise InputFileError(path, offset, f"expected {len(header)} fields, found {len(fields)}")
        if azure:
            prompt = _tokens(path, offset, fields[context], "ContextTokens", low=0)
            output = _tokens(path, offset, fields[generated], "GeneratedTokens", low=0)
            if prompt + output < 1:
                raise InputFileError(path, offset, "a request needs at least one token")
            seconds = None
            if stamp is not None:
                when = _timestamp(path, offset, fields[stamp])
                start = start or when
                seconds = (when - start).total_seconds()
            rows.append(TraceRow(offset, prompt + output, prompt, output, seconds))
        else:
            used = _tokens(path, offset, fields[column], header[column])
            rows.append(TraceRow(offset, used, used, 0, None))
    if not rows:
        raise InputFileError(path, first + 1, "has a header but no rows")
    return Trace(path, "azure" if azure else "csv", tuple(rows))


def _is_number(text: str) -> bool:
    return text.strip().lstrip("+-").isdigit()


def _tokens(path: str, line: int, text: str, column: str, low: int = 1) -> int:
    value = text.strip()
    if not _is_number(value):
        raise InputFileError(path, line, f"{column} {value!r} is not a whole number")
    tokens = int(value)
    if tokens < low:
        raise InputFileError(path, line, f"{column} {tokens} is below {low}")
    if tokens > MAX_TOKENS:
        raise InputFileError(path, line, f"{column} {tokens} is more than {MAX_TOKENS:,} tokens")
    return tokens


def _timestamp(path: str, line: int, text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputFileError(path, line, f"TIMESTAMP {text.strip()!r} is not a date and time") from None
