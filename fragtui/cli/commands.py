"""What each command does with its parsed options: `COMMANDS` maps a command's name to its
runner (the app itself when none is named). Each returns the exit status; a mistake raises."""

from __future__ import annotations

import argparse
import os
import sys

from fragtui.capture import Look
from fragtui.cli.parser import (MAX_SESSIONS, MAX_SPEED, UsageError, number_option, params_from,
                                whole_option)
from fragtui.sim.config.params import PARAM_NAMES, Params
from fragtui.sim.config.scenarios import get_scenario
from fragtui.sim.engines.jumps import MAX_STEP
from fragtui.sim.errors import FragtuiError, ParamError, safe
from fragtui.stopping import handed_to


def run_report(args: argparse.Namespace) -> int:
    from fragtui.report.runs import report_text, run_to_end, write_report_json
    from fragtui.sim.workload.build import build_workload

    params = params_from(args)
    if params.mode == "serving":
        return run_serving_report(args, params)
    workload = build_workload(params)
    if args.json:
        write_report_json(sys.stdout, params, workload, getattr(args, "scenario", "seed"))
    else:
        print(report_text(run_to_end(params, workload.events), workload))
    return 0


def run_serving_report(args: argparse.Namespace, params: Params) -> int:
    from fragtui.report.runs import serving_json, serving_text
    from fragtui.sim.config.sides import resolve
    from fragtui.sim.engines.serving.side_by_side import compare_params
    from fragtui.sim.workload.build import build_workload

    workload = build_workload(params)
    results = compare_params(params, workload.requests)
    sides = resolve(params)
    scenario = getattr(args, "scenario", "seed")
    saturated = None
    if get_scenario(scenario).paper:  # the paper's figures, and the same requests arriving faster
        from fragtui.report.paper import SATURATED

        fast = params.with_(rate=SATURATED * params.rate)
        saturated = compare_params(fast, build_workload(fast).requests)
    savings = None
    if get_scenario(scenario).fig15 and params.sequences > 1:  # the paper's Fig. 15: widths 2, 4, 6
        from fragtui.sim.engines.serving.side_by_side import sharing_savings

        kind = "samples" if params.samples > 1 else "beam_width"
        savings = kind, sharing_savings(workload.requests, kind=kind, total_slots=params.total_slots,
                                        max_len=params.max_len, block_size=params.block_size, order=params.order,
                                        seed=params.seed)
    if args.json:
        print(serving_json(params, workload, sides, results, scenario, saturated, savings))
    else:
        print(serving_text(params, workload, sides, results, saturated, savings))
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    from fragtui.report.sweeps import sweep_json, sweep_text
    from fragtui.sim.measures.sweep import DEFAULT_BLOCK_SIZES, parse_block_sizes, sweep
    from fragtui.sim.workload.build import build_workload

    params = params_from(args)
    if args.vary:
        return run_vary(args, params)
    if args.csv:
        raise UsageError("--csv is for sweep --vary; the block-size sweep prints a table or --json")
    sizes = DEFAULT_BLOCK_SIZES if args.block_sizes is None else parse_block_sizes(args.block_sizes, params.total_slots)
    workload = build_workload(params)
    rows = sweep(params, workload.events, sizes)
    print(sweep_json(params, rows) if args.json else sweep_text(params, rows, workload))
    return 0


def run_vary(args: argparse.Namespace, params: Params) -> int:
    from fragtui.report.sweeps import vary_csv, vary_json, vary_text
    from fragtui.sim.measures.sweep import parse_axis, parse_block_sizes, vary

    axes = [parse_axis(text) for text in args.vary]
    if args.block_sizes is not None:  # the shorthand joins in as one more axis
        if any(axis.name == "block_size" for axis in axes):
            raise UsageError("--block-sizes is --vary block_size=… again; give the block sizes once")
        sizes = parse_block_sizes(args.block_sizes, params.total_slots)
        axes.append(parse_axis("block_size=" + ",".join(map(str, sizes))))
    rows = vary(params, axes)
    print(vary_json(params, axes, rows) if args.json else vary_csv(axes, rows) if args.csv
          else vary_text(params, axes, rows))
    return 0


def run_scenarios(args: argparse.Namespace) -> int:
    from fragtui.report.runs import scenarios_text

    print(scenarios_text())
    return 0


def run_capacity(args: argparse.Namespace) -> int:
    from fragtui.report.capacity import capacity_csv, capacity_json, capacity_text
    from fragtui.sim.measures.capacity import DEFAULT_CAPACITIES, capacity_curve, parse_capacities, prompts_of
    from fragtui.sim.workload.traces import load_trace

    if args.trace is not None and hasattr(args, "scenario"):
        raise ParamError("trace", args.trace, f"cannot be combined with --scenario {args.scenario}; give one of them")
    path = args.trace
    if path is None:
        scenario = get_scenario(getattr(args, "scenario", "mooncake-chat"))
        path = scenario.params.get("trace")
        if path is None:
            raise ParamError("scenario", scenario.name, "replays no trace; the capacity curve needs one that names "
                             "its prompt blocks: mooncake-chat, mooncake-synthetic, or --trace FILE")
    capacities = DEFAULT_CAPACITIES if args.capacities is None else parse_capacities(args.capacities)
    prompts = prompts_of(load_trace(path))
    points, top = capacity_curve(prompts, capacities)
    name = safe(path.rsplit("/", 1)[-1], 60)
    if args.json:
        print(capacity_json(name, len(prompts), points, top))
    elif args.csv:
        print(capacity_csv(name, points, top))
    else:
        print(capacity_text(name, len(prompts), points, top))
    return 0


def _app_options(args: argparse.Namespace) -> tuple[Params, float, int]:
    """The app's run, autoplay speed and opening step, checked."""
    return (params_from(args), number_option("speed", args.speed, 1, MAX_SPEED),
            whole_option("steps", args.steps, 0, 10**7))


def run_tui(args: argparse.Namespace) -> int:
    params, speed, steps = _app_options(args)
    served = os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver")  # a browser's tab (fragtui serve)
    not_terminals = [name for name, f in (("stdin", sys.stdin), ("stdout", sys.stdout)) if f is None or not f.isatty()]
    if not_terminals and not served:
        which = " and ".join(not_terminals)
        raise FragtuiError(f"the app needs a terminal, and {which} {'is not one' if len(not_terminals) == 1 else 'are not terminals'}; "
                           "for files use fragtui report, screenshot or record")
    from fragtui.tui.app import FragApp

    app = FragApp(params, scenario=getattr(args, "scenario", "seed"), autoplay=args.autoplay,
                  speed=speed, start_step=steps)
    with handed_to(app):  # a stop signal quits it as `q` does
        app.run()
    return app.return_code or 0


def run_serve(args: argparse.Namespace) -> int:
    from importlib.util import find_spec

    _app_options(args)  # (checked once here, before any tab opens)
    port = whole_option("port", args.port, 0, 65535)
    sessions = whole_option("sessions", args.sessions, 1, MAX_SESSIONS)
    idle = number_option("idle", args.idle, 0.05, 1440)
    if find_spec("textual_serve") is None:
        raise FragtuiError("serve needs the web extra, which is not installed: pip install 'fragtui[web]'")
    from fragtui.serve import serve

    return serve(_app_argv(args), host=args.host, port=port, sessions=sessions, idle=idle * 60)


def _app_argv(args: argparse.Namespace) -> list[str]:
    """The app's own options among `args`, as a command line: what every served tab runs."""
    argv = [f"--scenario={args.scenario}"] if hasattr(args, "scenario") else []
    for name in PARAM_NAMES:  # (flag=value: a value may start with a dash, as an op list's -0 does)
        if hasattr(args, name):
            value, flag = getattr(args, name), "--" + name.replace("_", "-")
            argv.append((flag if value else "--no-" + flag[2:]) if isinstance(value, bool) else f"{flag}={value}")
    return argv + ["--autoplay"] * args.autoplay + [f"--speed={args.speed}", f"--steps={args.steps}"]


def _look(args: argparse.Namespace, kind: str) -> tuple[Look, tuple[int, int]]:
    """How a capture to a `kind` file shows the app, and its size (a caption takes one row of it)."""
    from fragtui.capture import check_caption, parse_size

    if args.color_mode not in ("state", "request"):
        raise ParamError("color_mode", args.color_mode, "must be state or request")
    caption = None if args.caption is None else check_caption(args.caption, kind)
    size = parse_size(args.size, rows_taken=0 if caption is None else 1)
    return Look(args.color_mode, args.clean, caption), size


def _steps_or(args: argparse.Namespace, dest: str, flag: str, prefix: str = "") -> str | None:
    """`--steps N`, the older spelling, as the position it stands for (`--at N`, `--to +N`)."""
    if args.steps is None:
        return getattr(args, dest)
    if getattr(args, dest) is not None:
        raise ParamError("steps", args.steps, f"is another spelling of --{flag}; give one of them")
    return prefix + str(whole_option("steps", args.steps, 0, MAX_STEP))


def run_screenshot(args: argparse.Namespace) -> int:
    from fragtui.capture import parse_press, screenshot

    params = params_from(args)
    look, size = _look(args, "svg")
    script = _script(args, (("--at", args.at, None), ("--steps", args.steps, None), ("--press", args.press, "")))
    path = screenshot(
        params,
        args.output,
        scenario=getattr(args, "scenario", "seed"),
        at=_steps_or(args, "at", "at") or "0",
        size=size,
        look=look,
        press=parse_press(args.press),
        script=script,
    )
    print(f"wrote {safe(path)}")
    return 0


def _script(args: argparse.Namespace, instead_of: tuple[tuple[str, object, object], ...]) -> tuple[str, str] | None:
    """--script FILE's name and text; refused beside an option it stands instead of."""
    if args.script is None:
        return None
    from fragtui.script import read_script

    given = [flag for flag, value, default in instead_of if value != default]
    if given:
        raise ParamError("script", args.script, f"cannot be combined with {given[0]}: the script says what to "
                                                "show, step by step")
    return safe(args.script, 60), read_script(args.script)


def run_record(args: argparse.Namespace) -> int:
    from fragtui.capture import record, record_format
    from fragtui.files import check_writable

    params = params_from(args)
    check_writable(args.output)
    kind = record_format(args.output, args.format)
    look, size = _look(args, kind)
    script = _script(args, (("--from", args.start, "0"), ("--to", args.stop, None), ("--steps", args.steps, None),
                            ("--every", args.every, "1"), ("--hold", args.hold, None)))
    done = record(
        params,
        args.output,
        scenario=getattr(args, "scenario", "seed"),
        fmt=kind,
        start=args.start,
        stop=_steps_or(args, "stop", "to", "+"),
        every=whole_option("every", args.every, 1, MAX_STEP),
        hold=None if args.hold is None else number_option("hold", args.hold, 0, 600),
        fps=number_option("fps", args.fps, 0.1, 60),
        size=size,
        look=look,
        script=script,
    )
    merged = f" ({done.written} after merging repeats)" if kind != "cast" and done.written != done.frames else ""
    frames = "1 frame" if done.frames == 1 else f"{done.frames} frames"
    print(f"wrote {safe(args.output)}: {frames}{merged}, {done.unit}s {done.first} to {done.last}")
    return 0


COMMANDS = {
    "report": run_report,
    "sweep": run_sweep,
    "scenarios": run_scenarios,
    "capacity": run_capacity,
    "screenshot": run_screenshot,
    "record": run_record,
    "serve": run_serve,
}
