"""Errors a user can cause. Each renders as one line naming the value, its source, what is allowed."""

from __future__ import annotations


class FragtuiError(Exception):
    """A problem with the user's input, shown as one line, never as a traceback."""


class ParamError(FragtuiError):
    """Parameter `name` got `value`; `allowed` says what it may be."""

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(self.describe())

    def describe(self, style: str = "flag") -> str:
        """`style` "flag" names the command-line option, "field" the parameter's own name."""
        where = "--" + self.name.replace("_", "-") if style == "flag" else self.name
        value = self.value if isinstance(self.value, int) else repr(self.value)
        return f"{where} {value}: {self.allowed}"


class InputFileError(FragtuiError):
    """A problem at a line of an input file: `FILE:LINE: what is wrong`."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")
