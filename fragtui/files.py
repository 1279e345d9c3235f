"""Output files that are never lost: written to a temporary file beside the target, then
renamed over it (`os.replace`, atomic on POSIX). A failure at any point (a full disk, an
unwritable directory) leaves the old file as it was and the temporary one removed.

An existing regular file is replaced without asking (screenshots and recordings are made to be
regenerated); anything else at the path, a device such as /dev/full, a directory, a FIFO, is
refused, never replaced. A symbolic link to a file is followed: the file it points to is replaced.
Every problem is a FragtuiError: `-o PATH: what is wrong`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from typing import IO, Any, Iterator

from fragtui.sim.errors import FragtuiError


def check_writable(path: str, option: str = "-o") -> str:
    """Fail before the work, not after it: the real path a write to `path` would replace."""
    where = f"{option} {path}"
    if not path.strip():
        raise FragtuiError(f"{option} '': must name a file")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except (OSError, ValueError) as error:  # a symlink loop, a file used as a directory, a NUL
        raise FragtuiError(f"{where}: cannot write: {_reason(error)}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        mode = info.st_mode
        kind = ("a directory" if stat.S_ISDIR(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file")
        raise FragtuiError(f"{where}: is {kind}; give the name of a file to write")
    real = os.path.realpath(path)  # (after the stat, which refused a NUL in the path)
    parent = os.path.dirname(real)
    if not os.path.isdir(parent):
        raise FragtuiError(f"{where}: no such directory {parent}")
    if not os.access(parent, os.W_OK):
        raise FragtuiError(f"{where}: cannot write in {parent}")
    return real


@contextmanager
def atomic_writer(path: str, option: str = "-o") -> Iterator[IO[str]]:
    """A text file to write; on leaving the block it replaces `path`, or, on any error,
    vanishes and leaves `path` as it was."""
    with _replacing(path, option, binary=False) as f:
        yield f


def write_text(path: str, text: str, option: str = "-o") -> None:
    """Replace `path` with `text` (UTF-8), atomically."""
    with atomic_writer(path, option) as f:
        f.write(text)


def write_bytes(path: str, data: bytes, option: str = "-o") -> None:
    """Replace `path` with `data`, atomically."""
    with _replacing(path, option, binary=True) as f:
        f.write(data)


@contextmanager
def _replacing(path: str, option: str, *, binary: bool) -> Iterator[IO[Any]]:
    real = check_writable(path, option)
    where = f"{option} {path}"
    try:
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(real), prefix=f".{os.path.basename(real)}.", suffix=".tmp")
    except OSError as error:
        raise FragtuiError(f"{where}: cannot write: {_reason(error)}") from None
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename, so a crash cannot leave it empty
        os.chmod(temporary, _mode_for(real))
        os.replace(temporary, real)
    except OSError as error:
        _remove(temporary)
        raise FragtuiError(f"{where}: cannot write: {_reason(error)}") from None
    except BaseException:
        _remove(temporary)
        raise


def _mode_for(real: str) -> int:
    """The old file's permissions, or what a new file gets under the umask (mkstemp's are 0600)."""
    try:
        return stat.S_IMODE(os.stat(real).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove(temporary: str) -> None:
    try:
        os.unlink(temporary)
    except OSError:
        pass


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)
