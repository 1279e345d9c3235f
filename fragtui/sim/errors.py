"""Errors a user can cause. Each renders as one line naming the value, its source, what is allowed.

Whatever a user typed or fed us is echoed through `safe` or `quoted`: a control character in a
value (ESC, BEL, a newline) is shown escaped, never sent to the terminal, so an error can
neither move the cursor, clear the screen nor retitle the window, and it stays on one line.
"""

from __future__ import annotations

ECHO_LIMIT = 60  # characters of a value shown in an error; the rest is counted, not printed


def safe(text: str, limit: int | None = None) -> str:
    """`text` fit to print: every non-printable character (C0 and C1 controls, DEL, line and
    paragraph separators, bidi overrides) written as Python writes it in a repr (`\\x1b`,
    `\\n`, `\\u202e`); cut after `limit` characters, saying how long it was."""
    long = limit is not None and len(text) > limit
    shown = text[:limit] if long else text
    if not shown.isprintable():
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)
    return f"{shown}… ({len(text):,} characters)" if long else shown


def quoted(text: str, limit: int = ECHO_LIMIT) -> str:
    """A user's value in quotes, as `repr` shows it (so escaped), cut after `limit` characters."""
    if len(text) <= limit:
        return repr(text)
    return f"{repr(text[:limit])[:-1]}…{repr(text)[-1]} ({len(text):,} characters)"


def echo(value: object) -> str:
    """A value in an error: a whole number as it is, a text quoted, anything else by its repr."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return quoted(value)
    return safe(repr(value), ECHO_LIMIT)


class FragtuiError(Exception):
    """A problem with the user's input, shown as one line, never as a traceback. The message
    is made safe here, so whatever user text it quotes prints as typed, controls escaped."""

    def __init__(self, message: str = "") -> None:
        super().__init__(safe(message))


class ParamError(FragtuiError):
    """Parameter `name` got `value`; `allowed` says what it may be.

    `origin`, when set, says where a value the user did not type came from ("the default",
    "the paper scenario's"), so the line never blames an option nobody gave."""

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = safe(allowed)
        self.origin = ""
        super().__init__(self.describe())

    def describe(self, style: str = "flag") -> str:
        """`style` "flag" names the command-line option, "field" the parameter's own name."""
        where = "--" + self.name.replace("_", "-") if style == "flag" else self.name
        if self.origin:
            where = f"{self.origin} {where}"
        return f"{where} {echo(self.value)}: {self.allowed}"

    def __str__(self) -> str:
        return self.describe()


class InputFileError(FragtuiError):
    """A problem at a line of an input file: `FILE:LINE: what is wrong`."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = safe(problem)
        shown = safe(path, 200)
        where = f"{shown}:{line}" if line is not None else shown
        super().__init__(f"{where}: {self.problem}")
