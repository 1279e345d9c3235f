"""A recording's script: what to show, frame by frame, kept in a file a person can read.

One command a line (vhs's tapes are the model: a demo is text you can review and keep):

    # the seed, then a what-if
    caption The seed: 64 requests of 32 tokens
    step 8              # eight frames, a step each
    hold 2              # the last frame stays 2 s more
    press U             # keys, as the app binds them (U: used_len + 1); then a frame
    goto end            # a step or a jump, as --at takes it; then a frame
    step 30 every 334   # a time-lapse: 30 frames, 334 steps apart
    caption             # no caption from here on
    fps 8               # frames from here on last 1/8 s

`step N [every K]` shows N frames, each K steps (default 1) past the one before, from wherever
the app is then; `goto WHERE` and `press KEYS` one frame each. A recording is bounded as
`--every` is (`capture.frame_limit`), and a script at most MAX_LINES lines.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from typing import Callable

from fragtui.sim.errors import FragtuiError
from fragtui.sim.numbers import NumberError, decimal, whole

MAX_LINES = 1000
MAX_BYTES = 256 * 1024
MAX_FPS = 60.0
MAX_HOLD = 600.0
COMMANDS = "caption, step, goto, press, hold, fps"


@dataclass(frozen=True)
class Shot:
    """One frame: how to get there from the previous one, how long it shows, what caption."""

    seconds: float
    caption: str | None  # None: no caption line
    goto: str | None = None  # a step or jump (jumps.locate), read from the step the app is at
    by: int = 0  # steps on (step N every K)
    keys: tuple[str, ...] = ()  # pressed first
    line: int = 0  # the script's line that asked for it


def read_script(path: str) -> str:
    """The text of script file `path`: a regular file of at most MAX_BYTES, in UTF-8."""
    from fragtui.sim.errors import InputFileError

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputFileError(path, None, "is not a regular file; a script is a text file")
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as error:
        raise InputFileError(path, None, f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise InputFileError(path, None, f"is more than {MAX_BYTES // 1024} KB; a script is a few lines")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(path, None, "is not UTF-8 text") from None


def parse_script(text: str, name: str, *, fps: float, caption: str | None,
                 check_keys: Callable[[str], tuple[str, ...]], check_caption: Callable[[str], str],
                 limit: int) -> list[Shot]:
    """The shots `text` (the file `name`) asks for. `check_keys` and `check_caption` refuse a
    bad value (a FragtuiError); a goto's place is the caller's to check against its run (each
    shot names its line). Refuses a bad line, naming it, and a script past `limit` frames."""
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise FragtuiError(f"{name}: {len(lines):,} lines; a script may have at most {MAX_LINES:,}")
    shots: list[Shot] = []
    seconds, now = 1 / fps, caption
    for number, line in enumerate(lines, 1):
        command, _, rest = line.split("#", 1)[0].strip().partition(" ")
        rest = rest.strip()
        where = f"{name} line {number}"
        try:
            if not command:
                continue
            if command == "caption":
                now = check_caption(rest) if rest else None
            elif command == "fps":
                seconds = 1 / decimal(rest, 0.1, MAX_FPS)
            elif command == "hold":
                if not shots:
                    raise FragtuiError("holds no frame: a hold lengthens the frame before it")
                last = shots[-1]
                shots[-1] = replace(last, seconds=last.seconds + decimal(rest, 0, MAX_HOLD))
            elif command == "step":
                count, _, every = rest.partition(" every ")
                frames = whole(count, 1, limit) if count.strip() else 1
                by = whole(every, 1, 10**9) if every else 1
                shots += [Shot(seconds, now, by=by, line=number)] * frames
            elif command == "goto":
                if not rest:
                    raise FragtuiError("goes nowhere: goto takes a step or a jump, as --at does")
                shots.append(Shot(seconds, now, goto=rest, line=number))
            elif command == "press":
                keys = check_keys(rest.replace(" ", ","))
                if not keys:
                    raise FragtuiError("presses nothing: press takes keys, as --press does")
                shots.append(Shot(seconds, now, keys=keys, line=number))
            else:
                raise FragtuiError(f"{command!r} is not a command; a line is one of {COMMANDS}, or a # comment")
        except NumberError as error:
            raise FragtuiError(f"{where}: {line.strip()!r}: {error.allowed}") from None
        except FragtuiError as error:
            raise FragtuiError(f"{where}: {line.strip()!r}: {error}") from None
        if len(shots) > limit:
            raise FragtuiError(f"{where}: the script passes {limit:,} frames, the most this recording takes")
    if not shots:
        raise FragtuiError(f"{name}: names no frame; a script needs a step, goto or press")
    return shots
