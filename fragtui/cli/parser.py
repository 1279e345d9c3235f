"""The command line's grammar: every command and option with its help, and the run they ask for
(`params_from`). A usage mistake is one line (`UsageError`), never argparse's usage block."""

from __future__ import annotations

import argparse
from typing import NoReturn

from fragtui.capture import MAX_FRAMES
from fragtui.sim.config.effects import check_read
from fragtui.sim.config.params import BOOL_FIELDS, PARAM_NAMES, WHOLE_BOUNDS, Params, parse_field
from fragtui.sim.config.scenarios import SCENARIOS, get_scenario
from fragtui.sim.engines.jumps import POSITION_HELP
from fragtui.sim.errors import FragtuiError, ParamError, safe
from fragtui.sim.measures.sweep import MAX_COMBINATIONS
from fragtui.sim.numbers import NumberError, decimal, whole


PARAM_HELP = {
    "block_size": "default 16 (or --total-slots, if that is smaller)",
    "arrivals": "requests to generate (default 64; a trace: all its rows)",
    "lengths": "constant | uniform:A:B | lognormal:MU:SIGMA | azure-conv | azure-code",
    "frees": "none | every-other | churn:P",
    "ops": "an op list such as +32,+64/1024,-0",
    "trace": "a trace file: the Azure CSV, Mooncake's JSON Lines (prompt block ids: prefix caching reuses "
             "them), a CSV with a used/tokens column, or one number per line; gzip too (a regular file of "
             "at most 2 GiB and 1,000,000 rows; see the README for timestamps)",
    "kv_memory": "KV cache size, e.g. 24GiB (with --model: sets --total-slots)",
    "model": "llama-3-8b | llama-3-70b | llama-2-7b | llama-2-13b | mistral-7b | opt-13b | L:H:D:DTYPE",
    "placement": "first | best | worst | next | buddy (a binary buddy allocator, as the paper assumes for Orca)",
    "order": "fifo | lifo | lowest",
    "reservation": "max | pow2 | oracle (Orca Max, Pow2, Oracle; serving Pow2 rounds the output up, the "
                   "paper's rule: prompt + next power of two of the output; event Pow2 rounds the length)",
    "mode": "event | serving (a serving run estimated at more than 100,000,000 busy ticks + block "
            "growths is refused before it starts)",
    "rate": "serving: Poisson arrivals, requests per second (default 20: one a tick)",
    "prompt_len": "serving: constant | N | uniform:A:B | lognormal:MU:SIGMA | sharegpt | alpaca | azure-conv | azure-code",
    "output_len": "serving: as --prompt-len",
    "time_scale": "serving: ticks (decode iterations) per second, for --rate and a trace's timestamps (default 20)",
    "watermark": "serving: share of blocks paged keeps free when it admits, as vLLM (0 to 0.5; default 0)",
    "warmup": "serving: steady-state averages start once this share of requests completed (0 to 0.9; default 0)",
    "prefix_caching": "paged sides keep freed full blocks as a cache later requests hit (vLLM v1's rules)",
    "prefixes": "G:K: each request starts with one of G shared prompts (a, b, …) of K tokens",
    "samples": "serving: parallel samples of each prompt, sharing its blocks (default 1)",
    "beam_width": "serving: beam candidates of each prompt, sharing blocks (default 1)",
}


class UsageError(FragtuiError):
    pass


SESSIONS, MAX_SESSIONS, IDLE = 30, 500, 15  # serve: sessions at once by default, at most; idle minutes
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
    parser = _Parser(prog="fragtui", description="Watch KV-cache fragmentation: contiguous, paged and any other "
                                                 "allocator, side by side.")
    parser.add_argument("--version", action="version", version=f"fragtui {_version()}")
    _add_params(parser)
    _add_presenting(parser)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    report = sub.add_parser("report", help="run to the end and print every metric for every side (--sides)")
    _add_params(report)
    report.add_argument("--json", action="store_true", help="one JSON object, with every step")

    sweep = sub.add_parser("sweep", help="the same workload under many parameters: per block size (paged), "
                                         "or any parameters' combinations (every side)")
    _add_params(sweep)
    sweep.add_argument("--block-sizes", default=None, metavar="1,4,16,64,256",
                       help="block sizes, comma-separated (default 1,4,16,64,256): paged's tail waste and "
                            "block-table entries for each. With --vary, the same as --vary block_size=…")
    sweep.add_argument("--vary", action="append", default=[], metavar="PARAM=V1,V2,…",
                       help="run every combination of these values (repeat for more parameters; at most "
                            f"{MAX_COMBINATIONS} combinations) and print every side's metrics for each. PARAM "
                            "is any run parameter (max_len or max-len); values as its option takes them, "
                            "comma-separated, or semicolon-separated when a value holds commas. "
                            "E.g. --vary max_len=512,1024,2048 --vary placement=first,best,buddy")
    out = sweep.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object")
    out.add_argument("--csv", action="store_true", help="CSV, one record per allocator per combination (with --vary)")

    sub.add_parser("scenarios", help="list the named scenarios and what each shows")

    capacity = sub.add_parser("capacity", help="the prefix cache's hit rate against its capacity, replaying a "
                                               "trace that names its prompt blocks (Mooncake's Fig. 9)")
    capacity.add_argument("--scenario", default=argparse.SUPPRESS, metavar="NAME",
                          help="a scenario that replays such a trace (default mooncake-chat; or mooncake-synthetic)")
    capacity.add_argument("--trace", default=None, metavar="FILE",
                          help="a trace with block ids, such as Mooncake's JSON Lines (gzip too)")
    capacity.add_argument("--capacities", default=None, metavar="10k,1M,3e6,…",
                          help="cache sizes in tokens, comma-separated: 3000000, 3e6 or 3M "
                               "(default 10k,100k,300k,1M,3M,10M,50M,1G: Fig. 9's axis)")
    out = capacity.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object: capacity_tokens and hit_rate for each")
    out.add_argument("--csv", action="store_true", help="CSV, one record per capacity")

    shot = sub.add_parser("screenshot", help="render the app at a step to an SVG file (no web font: the same offline)")
    _add_params(shot)
    shot.add_argument("--at", default=None, metavar="WHERE", help=f"the step to show (default 0): {POSITION_HELP}")
    shot.add_argument("--steps", default=None, metavar="N", help="the step to show (the same as --at N)")
    shot.add_argument("--press", default="", help="keys to press first, comma-separated (e.g. question_mark)")
    shot.add_argument("--script", default=None, metavar="FILE",
                      help="a script, as record takes it: the picture is where it leaves the app, under its last "
                           "caption; instead of --at, --steps and --press")
    _add_look(shot)
    shot.add_argument("-o", "--output", required=True, metavar="FILE.svg", help=REPLACED)

    rec = sub.add_parser("record", help="record the app stepping through a run: asciicast, animated SVG or GIF")
    _add_params(rec)
    rec.add_argument("--format", default=None, metavar="cast|svg|gif",
                     help="what to write (default: the output file's extension). cast: asciicast v2 for asciinema; "
                          "svg: an animation that plays in a browser and on a repository page (no script, no "
                          "network); gif: needs Pillow (pip install 'fragtui[media]')")
    rec.add_argument("--from", dest="start", default="0", metavar="WHERE",
                     help=f"the first step recorded (default 0): {POSITION_HELP}")
    rec.add_argument("--to", dest="stop", default=None, metavar="WHERE",
                     help="the last step recorded, read from --from's step (default: the end; --to +20 is 20 "
                          "steps after --from, --to next-fragmented the first fragmented rejection after it)")
    rec.add_argument("--steps", default=None, metavar="N", help="record N steps after --from (the same as --to +N)")
    rec.add_argument("--every", default="1", metavar="N", help="steps per frame (default 1); the last step is "
                                                               "always a frame: ⌈(to − from) / N⌉ + 1 frames")
    rec.add_argument("--hold", default=None, metavar="SECONDS",
                     help="how long the first and last frames stay, 0 to 600 (default: 1/fps, like the others)")
    rec.add_argument("--fps", default="4", help="frames per second, 0.1 to 60 (default 4)")
    rec.add_argument("--script", default=None, metavar="FILE",
                     help="a script of what to show, a command a line: step N [every K], goto WHERE, press KEYS, "
                          "hold SECONDS, caption TEXT, fps N, # comments (README, 'Recording a demo'); instead of "
                          "--from, --to, --steps, --every and --hold")
    _add_look(rec)
    rec.add_argument("-o", "--output", required=True, metavar="FILE.cast|FILE.svg|FILE.gif",
                     help=REPLACED + f". At most {MAX_FRAMES['cast']:,} frames as .cast, {MAX_FRAMES['svg']:,} as "
                          ".svg or .gif at 160x50 or smaller, fewer in proportion to a larger --size's cells "
                          "(refused before it starts; use --every)")

    serve = sub.add_parser("serve", help="serve the app to web browsers: every tab its own session, the same "
                                         "scenario and options (needs the web extra: pip install 'fragtui[web]')")
    _add_params(serve)
    _add_presenting(serve)
    web = serve.add_argument_group("serving")
    web.add_argument("--host", default="localhost",
                     help="the address to listen on (default localhost: this machine only; 0.0.0.0: every network "
                          "it is on, for a class)")
    web.add_argument("--port", default="8000", help="1 to 65,535, or 0 for any free one (default 8000)")
    web.add_argument("--sessions", default=str(SESSIONS), metavar="N",
                     help=f"the most tabs served at once, 1 to {MAX_SESSIONS:,} (default {SESSIONS}); past it a tab "
                          "is told the class is full, and the sessions running go on")
    web.add_argument("--idle", default=str(IDLE), metavar="MINUTES",
                     help=f"a session with no input (a key, the mouse, a resize) for this long ends, 0.05 to 1,440 "
                          f"(default {IDLE})")
    return parser


def _add_presenting(parser: argparse.ArgumentParser) -> None:
    tui = parser.add_argument_group("presenting")
    tui.add_argument("--autoplay", action="store_true", help="start playing at once")
    tui.add_argument("--speed", default="8", help=f"autoplay steps per second, 1 to {MAX_SPEED:,} (default 8)")
    tui.add_argument("--steps", default="0", help="open at this step")


def _add_look(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", default="160x50", help="WIDTHxHEIGHT (default 160x50)")
    parser.add_argument("--color-mode", default="state", help="state | request (default state)")
    parser.add_argument("--clean", action="store_true",
                        help="for slides: no key bar, no hover hint, no play status")
    parser.add_argument("--caption", default=None, metavar="TEXT",
                        help="a title line on top, centred (the app gets the rest of --size)")


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
    if hasattr(args, "scenario"):
        args.scenario = scenario.name  # as it is spelt (sim/names.py): prefix_cache is prefix-cache
    if "total_slots" in given and "kv_memory" in given:  # each sets the pool's size
        raise ParamError("total_slots", given["total_slots"],
                         f"cannot be combined with --kv-memory {given['kv_memory']} (with --model, the memory "
                         "budget sets the pool's slots); give one of them")
    if "total_slots" in given:  # a slot count typed outright replaces the scenario's memory budget
        given["kv_memory"] = None
    typed = dict(given)
    block = scenario.params.get("block_size", Params.block_size)
    if "block_size" not in given and given.get("total_slots", block) < block:
        given["block_size"] = given["total_slots"]  # a default block no larger than the pool asked for
    try:
        params = scenario.build(**given)
    except ParamError as error:
        if error.name in PARAM_NAMES and error.name not in given:
            own = scenario.name != "seed" and error.name in scenario.params
            error.origin = f"the {scenario.name} scenario's" if own else "the default"
        raise
    # (a value the run has anyway changes nothing, so loses nothing)
    check_read(params, [name for name, value in typed.items() if value != scenario.params.get(name, getattr(Params(), name))])
    return params


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
