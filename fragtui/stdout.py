"""The standard output every command writes its answer to, made safe to write to.

- Closed (`fragtui report >&-`): refused before any work, since fd 1 would otherwise go to
  the next file the command opens.
- A write that fails (`> /dev/full`): one line and exit 2, not a traceback (OutputError). A
  reader that closed the pipe (`| head -2`) is let go quietly by the command line.
- An encoding that cannot show a character (`PYTHONIOENCODING=ascii`): the character is
  written as an ASCII stand-in (× as x, ⌊ as floor(), — as --), or as ? where there is none,
  which is said once on stderr (`lost()`).
"""

from __future__ import annotations

import codecs
import io
import sys
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

from fragtui.sim.errors import FragtuiError

STAND_INS = {
    "×": "x", "−": "-", "–": "-", "—": "--", "…": "...", "·": "-", "•": "*", "→": "->", "←": "<-",
    "↑": "^", "↓": "v", "≤": "<=", "≥": ">=", "≈": "~", "≠": "!=", "±": "+/-", "⌊": "floor(", "⌋": ")",
    "⌈": "ceil(", "⌉": ")", "µ": "u", "✓": "ok", "‘": "'", "’": "'", "“": '"', "”": '"', "█": "#",
}
ERRORS = "fragtui-stand-in"
_lost: list[str] = []  # characters written as ?


class OutputError(FragtuiError):
    """Standard output could not take the answer."""


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    import unicodedata  # (only when some character needs a stand-in)

    out = []
    for ch in error.object[error.start:error.end]:
        sub = STAND_INS.get(ch) or unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        if not sub:
            sub = "?"
            _lost.append(ch)
        out.append(sub)
    return "".join(out), error.end


codecs.register_error(ERRORS, _stand_in)


class _Guarded(io.TextIOBase):
    """stdout, with a failed write as an OutputError (a closed pipe stays BrokenPipeError)."""

    def __init__(self, real: TextIO) -> None:
        self._real = real

    def write(self, text: str) -> int:
        try:
            return self._real.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _failed(error) from None

    def flush(self) -> None:
        try:
            self._real.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _failed(error) from None

    def isatty(self) -> bool:
        return self._real.isatty()

    def fileno(self) -> int:
        return self._real.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._real.encoding

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _failed(error: OSError) -> OutputError:
    return OutputError(f"cannot write to stdout: {error.strerror or error}")


@contextmanager
def guarded() -> Iterator[None]:
    """sys.stdout, checked and guarded for the block (see the module's notes)."""
    real = sys.stdout
    if real is None:
        raise OutputError("stdout is closed; every command writes its answer there (send it to a file or /dev/null)")
    if isinstance(real, io.TextIOWrapper) and real.errors in ("strict",):
        real.reconfigure(errors=ERRORS)
    _lost.clear()
    sys.stdout = _Guarded(real)
    try:
        yield
    finally:
        sys.stdout = real


def lost() -> str:
    """The note for stderr when some characters could not be shown, else ""."""
    if not _lost:
        return ""
    return (f"stdout's encoding ({sys.stdout.encoding}) cannot show {len(set(_lost))} of the characters "
            "in this answer; they are written as ?")


def silence() -> None:
    """Point fd 1 at /dev/null, so the interpreter's last flush of what is still buffered has
    nowhere to fail."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
