"""The command line: the TUI by default, `report` and friends as subcommands.

Every user mistake becomes one line on stderr and exit status 2; nothing else exits 2. A reader
that leaves early (`fragtui report | head -2`) ends the command quietly, with status 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields
from typing import NoReturn, Sequence

from fragtui.sim.errors import FragtuiError, ParamError, safe
from fragtui.sim.numbers import NumberError, decimal, whole
from fragtui.sim.params import BOOL_FIELDS, WHOLE_BOUNDS, Params, parse_field
from fragtui.sim.scenarios import SCENARIOS, get_scenario

PARAM_NAMES = [f.name for f in fields(Params)]
PARAM_HELP = {
    "block_size": "default 16 (or --total-slots, if that is smaller)",
    "arrivals": "requests to generate (default 64; a trace: all its rows)",
    "lengths": "constant | uniform:A:B | lognormal:MU:SIGMA | azure-conv | azure-code",
    "frees": "none | every-other | churn:P",
    "ops": "an op list such as +32,+64/1024,-0",
    "trace": "a trace file: the Azure CSV, a CSV with a used/tokens column, or one number per line "
             "(a regular file of at most 2 GiB and 1,000,000 rows; see the README for timestamps)",
    "kv_memory": "KV cache size, e.g. 24GiB (with --model: sets --total-slots)",
    "model": "llama-3-8b | llama-3-70b | llama-2-7b | llama-2-13b | mistral-7b | opt-13b | L:H:D:DTYPE",
    "placement": "first | best | worst | next",
    "order": "fifo | lifo | lowest",
    "reservation": "max | pow2 | oracle",
    "mode": "event | serving (a serving run estimated at more than 100,000,000 busy ticks + block "
            "growths is refused before it starts)",
    "rate": "serving: Poisson arrivals per tick (default 1)",
    "prompt_len": "serving: constant | N | uniform:A:B | lognormal:MU:SIGMA | sharegpt | alpaca | azure-conv | azure-code",
    "output_len": "serving: as --prompt-len",
    "time_scale": "serving: ticks per second of a trace's timestamps (default 20)",
    "prefix_caching": "paged keeps freed full blocks as a cache later requests hit (vLLM v1's rules; event mode)",
    "prefixes": "G:K: each request starts with one of G shared prompts (a, b, …) of K tokens",
    "samples": "serving: parallel samples of each prompt, sharing its blocks (default 1)",
    "beam_width": "serving: beam candidates of each prompt, sharing blocks (default 1)",
}


class UsageError(FragtuiError):
    pass


MAX_SPEED = 1024  # the app's fastest autoplay (`]` goes 1, 2, 4, … 1,024 steps a second)
REPLACED = "the file to write; an existing file is replaced (written beside it, then renamed over it)"
MAX_ERROR = 1000  # characters of one error line; argparse echoes whole arguments


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line, not a usage block, with what the user typed
    shown escaped (an unknown argument may carry terminal control sequences)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(safe(message, MAX_ERROR))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fragtui")
    except PackageNotFoundError:  # run from a source tree that was never installed
        from fragtui import __version__

        return __version__


def _add_params(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("run parameters (defaults: the scenario's, else the seed's)")
    group.add_argument("--scenario", default=argparse.SUPPRESS, metavar="NAME",
                       help="one of " + ", ".join(SCENARIOS))
    defaults = Params()
    for name in PARAM_NAMES:
        flag = "--" + name.replace("_", "-")
        help_text = PARAM_HELP.get(name, f"default {getattr(defaults, name)}")
        if name in WHOLE_BOUNDS:
            help_text += ", {:,} to {:,}".format(*WHOLE_BOUNDS[name])
        if name in BOOL_FIELDS:  # a switch: --prefix-caching, --no-prefix-caching
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                               help=help_text)
            continue
        group.add_argument(flag, dest=name, metavar=name.upper(), default=argparse.SUPPRESS, help=help_text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fragtui", description="Watch KV-cache fragmentation: contiguous vs paged.")
    parser.add_argument("--version", action="version", version=f"fragtui {_version()}")
    _add_params(parser)
    tui = parser.add_argument_group("presenting")
    tui.add_argument("--autoplay", action="store_true", help="start playing at once")
    tui.add_argument("--speed", default="8", help=f"autoplay steps per second, 1 to {MAX_SPEED:,} (default 8)")
    tui.add_argument("--steps", default="0", help="open at this step")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    report = sub.add_parser("report", help="run to the end and print every metric for both allocators")
    _add_params(report)
    report.add_argument("--json", action="store_true", help="one JSON object, with every step")

    sweep = sub.add_parser("sweep", help="paged admissions, tail waste and block-table entries per block size")
    _add_params(sweep)
    sweep.add_argument("--block-sizes", default="1,4,16,64,256", help="comma-separated (default 1,4,16,64,256)")
    sweep.add_argument("--json", action="store_true", help="one JSON object")

    sub.add_parser("scenarios", help="list the named scenarios and what each shows")

    shot = sub.add_parser("screenshot", help="render the app at a step to an SVG file")
    _add_params(shot)
    shot.add_argument("--steps", default="0", help="the step to show (default 0)")
    shot.add_argument("--size", default="160x50", help="WIDTHxHEIGHT (default 160x50)")
    shot.add_argument("--color-mode", default="state", help="state | request (default state)")
    shot.add_argument("--press", default="", help="keys to press first, comma-separated (e.g. question_mark)")
    shot.add_argument("-o", "--output", required=True, metavar="FILE.svg", help=REPLACED)

    rec = sub.add_parser("record", help="record the app stepping through a scenario (asciicast v2)")
    _add_params(rec)
    rec.add_argument("--steps", default=None, help="how many steps to record (default: to the end)")
    rec.add_argument("--fps", default="4", help="frames (steps) per second (default 4)")
    rec.add_argument("--size", default="160x50", help="WIDTHxHEIGHT (default 160x50)")
    rec.add_argument("-o", "--output", required=True, metavar="FILE.cast", help=REPLACED)
    return parser


def params_from(args: argparse.Namespace) -> Params:
    """The scenario's parameters (the seed's by default), overridden by the options given.

    An error about a value the user did not type says where it came from instead."""
    given: dict[str, object] = {}
    for name in PARAM_NAMES:
        text = getattr(args, name, None)
        if isinstance(text, bool):  # a switch
            given[name] = text
        elif text is not None:
            if not text.strip():  # (in the editor, a blank optional field means "none")
                raise ParamError(name, text, "must not be empty")
            given[name] = parse_field(name, text)
    scenario = get_scenario(getattr(args, "scenario", "seed"))
    block = scenario.params.get("block_size", Params.block_size)
    if "block_size" not in given and given.get("total_slots", block) < block:
        given["block_size"] = given["total_slots"]  # a default block no larger than the pool asked for
    try:
        return scenario.build(**given)
    except ParamError as error:
        if error.name in PARAM_NAMES and error.name not in given:
            own = scenario.name != "seed" and error.name in scenario.params
            error.origin = f"the {scenario.name} scenario's" if own else "the default"
        raise


def whole_option(name: str, text: str, low: int, high: int) -> int:
    """A whole-number presenter option, or one clear line saying what is allowed."""
    try:
        return whole(text, low, high)
    except NumberError as error:
        raise ParamError(name, text, error.allowed) from None


def number_option(name: str, text: str, low: float, high: float) -> float:
    """A numeric presenter option, or one clear line saying what is allowed."""
    try:
        return decimal(text, low, high)
    except NumberError as error:
        raise ParamError(name, text, error.allowed) from None


def run_report(args: argparse.Namespace) -> int:
    from fragtui.report import report_json, report_text
    from fragtui.sim.simulation import Simulation
    from fragtui.sim.workloads import build_workload

    params = params_from(args)
    if params.mode == "serving":
        return run_serving_report(args, params)
    workload = build_workload(params)
    sim = Simulation(params, workload.events).run()
    scenario = getattr(args, "scenario", "seed")
    print(report_json(sim, workload, scenario) if args.json else report_text(sim, workload))
    return 0


def run_serving_report(args: argparse.Namespace, params: Params) -> int:
    from fragtui.serving_report import serving_json, serving_text
    from fragtui.sim.serving import compare
    from fragtui.sim.serving.workload import build_serving_workload

    workload = build_serving_workload(params)
    results = compare(workload.requests, total_slots=params.total_slots, max_len=params.max_len,
                      block_size=params.block_size, order=params.order, placement=params.placement,
                      samples=params.samples, beam_width=params.beam_width, seed=params.seed)
    scenario = getattr(args, "scenario", "seed")
    paper = get_scenario(scenario).paper
    savings = None
    if get_scenario(scenario).fig15 and params.sequences > 1:  # the paper's Fig. 15: widths 2, 4, 6
        from fragtui.sim.serving.run import sharing_savings

        kind = "samples" if params.samples > 1 else "beam_width"
        savings = kind, sharing_savings(workload.requests, kind=kind, total_slots=params.total_slots,
                                        max_len=params.max_len, block_size=params.block_size, order=params.order,
                                        seed=params.seed)
    if args.json:
        print(serving_json(params, workload, results, scenario, paper, savings))
    else:
        print(serving_text(params, workload, results, paper, savings))
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    from fragtui.report import sweep_json, sweep_text
    from fragtui.sim.sweep import parse_block_sizes, sweep
    from fragtui.sim.workloads import build_workload

    params = params_from(args)
    sizes = parse_block_sizes(args.block_sizes, params.total_slots)
    workload = build_workload(params)
    rows = sweep(params, workload.events, sizes)
    print(sweep_json(params, rows) if args.json else sweep_text(params, rows, workload))
    return 0


def run_scenarios(args: argparse.Namespace) -> int:
    from fragtui.report import scenarios_text

    print(scenarios_text())
    return 0


def run_tui(args: argparse.Namespace) -> int:
    params = params_from(args)
    speed = number_option("speed", args.speed, 1, MAX_SPEED)
    steps = whole_option("steps", args.steps, 0, 10**7)
    from fragtui.tui.app import FragApp

    app = FragApp(params, scenario=getattr(args, "scenario", "seed"), autoplay=args.autoplay,
                  speed=speed, start_step=steps)
    app.run()
    return app.return_code or 0


def run_screenshot(args: argparse.Namespace) -> int:
    from fragtui.capture import parse_size, screenshot

    params = params_from(args)
    if args.color_mode not in ("state", "request"):
        raise ParamError("color_mode", args.color_mode, "must be state or request")
    path = screenshot(
        params,
        args.output,
        scenario=getattr(args, "scenario", "seed"),
        steps=whole_option("steps", args.steps, 0, 10**7),
        size=parse_size(args.size),
        color_mode=args.color_mode,
        press=tuple(k.strip() for k in args.press.split(",") if k.strip()),
    )
    print(f"wrote {safe(path)}")
    return 0


def run_record(args: argparse.Namespace) -> int:
    from fragtui.capture import parse_size, record

    params = params_from(args)
    steps = None if args.steps is None else whole_option("steps", args.steps, 0, 10**6)
    frames = record(
        params,
        args.output,
        scenario=getattr(args, "scenario", "seed"),
        steps=steps,
        fps=number_option("fps", args.fps, 0.1, 60),
        size=parse_size(args.size),
    )
    print(f"wrote {safe(args.output)}: {frames} frames")
    return 0


COMMANDS = {
    "report": run_report,
    "sweep": run_sweep,
    "scenarios": run_scenarios,
    "screenshot": run_screenshot,
    "record": run_record,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        status = COMMANDS.get(args.command, run_tui)(args)
        sys.stdout.flush()  # here, where a closed pipe can still be caught
        return status
    except BrokenPipeError:
        # The reader has what it wanted (`| head -2`). Point stdout at /dev/null so that the
        # interpreter's last flush of what is still buffered has nowhere to fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ParamError as error:
        _say(error.describe("flag"))
    except FragtuiError as error:
        _say(str(error))
    except KeyboardInterrupt:
        return 130
    return 2


def _say(message: str) -> None:
    """One line on stderr: escaped again here, so that no message can carry a control character."""
    print(f"fragtui: {safe(message, MAX_ERROR)}", file=sys.stderr)
