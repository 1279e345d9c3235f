"""The command line: the TUI by default, `report` and friends as subcommands (its grammar in
parser.py, what each command does in commands.py).

Every user mistake becomes one line on stderr and exit status 2; nothing else exits 2. A reader
that leaves early (`fragtui report | head -2`) ends the command quietly, with status 0.
"""

from __future__ import annotations

import sys
from typing import Sequence

from fragtui import stdout
from fragtui.cli.commands import COMMANDS, run_tui
from fragtui.cli.parser import MAX_ERROR, build_parser
from fragtui.sim.errors import FragtuiError, ParamError, safe
from fragtui.stdout import OutputError
from fragtui.stopping import Stopped, stopping


def main(argv: Sequence[str] | None = None) -> int:
    output = ""  # the file a command writes, to say it was left as it was if a signal stops it
    try:
        with stdout.guarded(), stopping():
            args = build_parser().parse_args(argv)
            output = getattr(args, "output", "") or ""
            status = COMMANDS.get(args.command, run_tui)(args)
            sys.stdout.flush()  # here, where a closed pipe can still be caught
        if stdout.lost():
            _say(stdout.lost())
        return status
    except BrokenPipeError:  # the reader has what it wanted (`| head -2`)
        stdout.silence()
        return 0
    except Stopped as stop:
        _say(f"{stop}" + (f"; {output} left as it was" if output else ""))
        return stop.status
    except OutputError as error:
        stdout.silence()
        _say(str(error))
    except ParamError as error:
        _say(error.describe("flag"))
    except FragtuiError as error:
        _say(str(error))
    except KeyboardInterrupt:  # (only where the stop signals could not be taken: not the main thread)
        return 130
    return 2


def _say(message: str) -> None:
    """One line on stderr: escaped again here, so that no message can carry a control character."""
    print(f"fragtui: {safe(message, MAX_ERROR)}", file=sys.stderr)
