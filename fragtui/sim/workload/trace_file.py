"""A trace file read safely: a regular file (never a FIFO, device or /proc file, and an open
that never blocks), at most MAX_BYTES (counted inside gzip too), UTF-8 without NUL, lines of
at most MAX_LINE characters, streamed a block at a time. What the lines mean is traces.py's."""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from contextlib import contextmanager
from itertools import chain
from typing import BinaryIO, Iterator

from fragtui.sim.errors import InputFileError

MAX_BYTES = 2 * 2**30
MAX_LINE = 65_536  # characters; a trace row is a few dozen
BLOCK = 1 << 20  # bytes read at a time
KERNEL_FILES = ("/proc/", "/sys/")  # regular files to stat, endless or changing to read
EMPTY = "is empty: expected a CSV with a used/tokens column, Mooncake JSON Lines, or one number per line"


def checked_stat(path: str) -> os.stat_result:
    """The file's stat, refusing what is not a readable regular file of a trace's size."""
    if not path.strip():
        raise InputFileError(path, None, "is not a file name")
    try:
        info = os.stat(path)
        kernel = os.path.realpath(path).startswith(KERNEL_FILES)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise InputFileError(path, None, f"cannot read: {_reason(error)}") from None
    if kernel:
        raise InputFileError(path, None, "is a /proc or /sys file, not a trace")
    _check_regular(path, info.st_mode, info.st_size)
    return info


@contextmanager
def text_lines(path: str) -> Iterator[Iterator[tuple[int, str]]]:
    """(line number, text) of each line of `path`, read through gzip where it is compressed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # never waits on a FIFO swapped in since the stat
    except OSError as error:
        raise InputFileError(path, None, f"cannot read: {_reason(error)}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        _check_regular(path, info.st_mode, info.st_size)
        if f.read(2) == b"\x1f\x8b":  # gzip's magic: read through it (MAX_BYTES counts what it holds)
            f.seek(0)
            with gzip.GzipFile(fileobj=f) as unzipped:
                yield _lines(path, unzipped)  # type: ignore[arg-type]
                return
        f.seek(0)
        yield _lines(path, f)


def _check_regular(path: str, mode: int, size: int) -> None:
    if not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file")
        raise InputFileError(path, None, f"is {kind}, not a trace file (a trace must be a regular file)")
    if size > MAX_BYTES:
        raise InputFileError(path, None, f"is {size / 2**30:.1f} GiB; a trace may be at most {MAX_BYTES // 2**30} GiB")
    if size == 0:
        raise InputFileError(path, None, EMPTY)


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def _lines(path: str, f: BinaryIO) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, CRLF or LF: see _blocks. Per line, only C iterators run."""
    return chain.from_iterable(zip(range(n, n + len(block)), block) for n, block in _blocks(path, f))


def _blocks(path: str, f: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """The file a block at a time, as (number of the first line, lines): at most MAX_LINE
    characters a line and MAX_BYTES in all, UTF-8 (a leading byte-order mark dropped), no NUL."""
    n, total, carry = 1, 0, b""
    while True:
        try:
            chunk = f.read(BLOCK)
        except (OSError, EOFError, zlib.error) as error:  # (the last two: a gzip file cut short or corrupt)
            raise InputFileError(path, n, f"cannot read: {_reason(error)}") from None
        total += len(chunk)
        if total > MAX_BYTES:
            raise InputFileError(path, n, f"the file passes {MAX_BYTES // 2**30} GiB, the most a trace may be")
        if b"\0" in chunk:
            raise InputFileError(path, None, "is a binary file, not a trace (expected CSV or one number per line)")
        if total == len(chunk) and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]  # a byte-order mark
        if chunk:
            data = carry + chunk
            cut = data.rfind(b"\n") + 1  # the last line may be unfinished: carried to the next block
            complete, carry = data[:cut], data[cut:]
        else:
            complete, carry = carry, b""
        if len(carry) > MAX_LINE:
            raise InputFileError(path, n + complete.count(b"\n"), f"the line is longer than {MAX_LINE:,} characters")
        if complete:
            try:
                text = complete.decode("utf-8")
            except UnicodeDecodeError as error:
                line = n + complete.count(b"\n", 0, error.start)
                raise InputFileError(path, line, "is not UTF-8 text") from None
            lines = text.replace("\r\n", "\n").split("\n")
            if lines[-1] == "":
                lines.pop()  # after the final newline
            if max(map(len, lines)) > MAX_LINE:
                long = next(i for i, line in enumerate(lines) if len(line) > MAX_LINE)
                raise InputFileError(path, n + long, f"the line is longer than {MAX_LINE:,} characters")
            yield n, lines
            n += len(lines)
        if not chunk:
            return
