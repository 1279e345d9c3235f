"""The command line: the TUI by default, `report` and friends as subcommands.

Every user mistake becomes one line on stderr and exit status 2; nothing else exits 2.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields, replace
from typing import NoReturn, Sequence

from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.params import Params, parse_field
from fragtui.sim.simulation import Simulation
from fragtui.sim.workloads import build_workload

PARAM_NAMES = [f.name for f in fields(Params)]


class UsageError(FragtuiError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line, not a usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _add_params(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("run parameters (defaults: the seed lab)")
    defaults = Params()
    for name in PARAM_NAMES:
        flag = "--" + name.replace("_", "-")
        default = getattr(defaults, name)
        group.add_argument(flag, dest=name, metavar=name.upper(), default=None, help=f"default: {default}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fragtui", description="Watch KV-cache fragmentation: contiguous vs paged.")
    _add_params(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    report = sub.add_parser("report", help="run to the end and print every metric for both allocators")
    _add_params(report)
    report.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def params_from(args: argparse.Namespace) -> Params:
    """The defaults, overridden by whatever options were given, validated."""
    given = {}
    for name in PARAM_NAMES:
        text = getattr(args, name, None)
        if text is not None:
            given[name] = parse_field(name, text)
    return replace(Params(), **given).validated()


def run_report(args: argparse.Namespace) -> int:
    from fragtui.report import report_json, report_text

    params = params_from(args)
    workload = build_workload(params)
    sim = Simulation(params, workload.events).run()
    print(report_json(sim, workload) if args.json else report_text(sim, workload))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "report":
            return run_report(args)
        return run_tui(args)
    except ParamError as error:
        print(f"fragtui: {error.describe('flag')}", file=sys.stderr)
    except FragtuiError as error:
        print(f"fragtui: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2


def run_tui(args: argparse.Namespace) -> int:
    params = params_from(args)
    from fragtui.tui.app import FragApp

    FragApp(params).run()
    return 0
