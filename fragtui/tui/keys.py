"""Every key of the app, once: bindings, the help screen, the command palette, the key bar and
the monkey test all derive from this one registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from textual.binding import Binding, BindingType

from fragtui.sim.config.sides import GENERAL, OPTIONS

PARAM_KEYS = (("max_len", "mM"), ("used_len", "uU"), ("block_size", "kK"), ("total_slots", "tT"))

# How each parameter key changes its value: parameter -> (down, up).
PARAM_STEPS: dict[str, tuple[Callable[[int], int], Callable[[int], int]]] = {
    "max_len": (lambda v: v // 2, lambda v: v * 2),
    "used_len": (lambda v: v - 1, lambda v: v + 1),
    "block_size": (lambda v: v // 2, lambda v: v * 2),
    "total_slots": (lambda v: v // 2, lambda v: v * 2),
}


@dataclass(frozen=True)
class Key:
    keys: str  # Textual's key names, comma-separated
    action: str
    title: str  # the command palette's name for it
    shown: str  # how the help screen writes the key (keys sharing a help line share this)
    help: str  # the help screen's line; consecutive keys with the same line are one row
    bar: str = ""  # its word on the key bar, if it is there


# A parameter key that acts in one mode, or only with some options, says where.
WHERE_READ = {"used_len": "; serving: with a constant --prompt-len or --output-len"}


def _param_keys() -> list[Key]:
    words = {"max_len": ("Halve", "Double", "halve / double"), "used_len": ("Decrease", "Increase", "− 1 / + 1"),
             "block_size": ("Halve", "Double", "halve / double"), "total_slots": ("Halve", "Double", "halve / double")}
    out = []
    for name, letters in PARAM_KEYS:
        down, up, both = words[name]
        for direction, (letter, verb) in enumerate(zip(letters, (down, up))):
            out.append(Key(letter, f"param('{name}', {direction})", f"{verb} {name}", f"{letters[0]} / {letters[1]}",
                           f"{name}: {both} (replayed to this step){WHERE_READ.get(name, '')}"))
    return out


def _own_keys() -> list[Key]:
    """A key for each allocator's own option that names one (registry: `Option.key`), cycling
    it on the focused side, or on every side that takes it."""
    return [Key(option.key, f"cycle('{name}')", f"Next {name.replace('_', ' ')}", option.key,
                f"{option.summary}: {_cycle(name)} (the focused side's, or every side's)")
            for name, option in OPTIONS.items() if option.key and name not in GENERAL]


def _cycle(option: str) -> str:
    """What a cycling key goes through, from the registry: `first → best → … → buddy`."""
    choices = OPTIONS[option].choices
    assert choices is not None
    return " → ".join(map(str, choices()))


# ctrl+s and S share a line: the screen now, or the run so far (`fragtui record`, step 0 to here).
SAVE_HELP = "save an SVG screenshot / an animated one of step 0 to here (served: downloaded)"

KEYS: tuple[Key, ...] = (
    Key("space,right", "step", "Step forward", "space / →", "step forward one event (serving: one tick)", bar="step"),
    Key("left,backspace", "step_back", "Step back", "← / backspace", "step back (exact undo)", bar="back"),
    Key("p", "play", "Play or pause", "p", "play / pause", bar="play"),
    Key("left_square_bracket", "slower", "Slower autoplay", "[ / ]", "slower / faster autoplay (1 to 1,024 steps/s)"),
    Key("right_square_bracket", "faster", "Faster autoplay", "[ / ]", "slower / faster autoplay (1 to 1,024 steps/s)"),
    Key("home", "first", "First step", "home / end", "first / last step"),
    Key("end", "last", "Last step", "home / end", "first / last step"),
    Key("g", "goto_step", "Go to a step", "g", "go to a step: 13200, +50, end, next-fragmented, r267 (a request's arrival, the cursor on it), …"),
    Key("n", "jump('rejection', 1)", "Next rejection", "n / N", "next / previous rejection (serving: a queue "
        "blocked, a preemption)"),
    Key("N", "jump('rejection', -1)", "Previous rejection", "n / N", "next / previous rejection (serving: a queue "
        "blocked, a preemption)"),
    Key("x", "jump('fragmented', 1)", "Next fragmented rejection", "x / X", "next / previous fragmented rejection: "
        "enough free, no run long enough"),
    Key("X", "jump('fragmented', -1)", "Previous fragmented rejection", "x / X", "next / previous fragmented "
        "rejection: enough free, no run long enough"),
    Key("r", "reset", "Reset the scenario", "r", "reset the scenario"),
    Key("f", "free", "Free the oldest live request", "f", "free the oldest live request (event mode)"),
    Key("a", "arrive", "Inject an arrival", "a", "inject an arrival of used_len tokens (event mode)"),
    *_param_keys(),
    Key("o", "cycle('placement')", "Next contiguous placement", "o",
        "contiguous placement: {placement} (the focused side's, or every side's)"),
    Key("O", "cycle('order')", "Next paged free order", "O", "paged free order: {order}"),
    Key("R", "cycle('reservation')", "Next reservation policy", "R",
        "contiguous reservation: {reservation} (Orca Max, Pow2, Oracle)"),
    *_own_keys(),
    Key("tab", "app.focus_next", "Focus the next pane", "tab",
        "give the next pane focus (o, O, R, k and K then change its side alone), then the sidebar "
        "(↑ ↓ pgup pgdn scroll it)"),
    Key("i", "inspect", "A cell cursor", "i",
        "a cell cursor on the focused pane: the arrows move it and it says what hovering says (i or escape: off)"),
    Key("h", "toggle_side", "Hide or show the sidebar", "h", "hide / show the sidebar: the pools take the width"),
    Key("w", "whole_pane", "One pane, the whole screen", "w",
        "the focused pane (else the first) takes the whole screen / everything back"),
    Key("V", "toggle_mode", "Switch event / serving mode", "V", "event mode ⇄ serving mode (from step 0)"),
    Key("y", "cycle_chart", "Chart a parameter's sweep", "y",
        "sidebar chart: off → block_size → max_len → placement → reservation (event mode)"),
    Key("s", "pick_scenario", "Pick a scenario", "s", "pick a scenario", bar="scenario"),
    Key("e", "edit_params", "Edit every parameter", "e", "edit every parameter", bar="edit"),
    Key("c", "colour_mode", "Colour by state or by request", "c", "colour by state / by request"),
    Key("z", "zoom", "Zoom: fit or one slot per cell", "z", "zoom: fit the pool / one slot per cell, scrolling"),
    Key("pageup", "scroll_pools(-1)", "Scroll the pools up", "pgup / pgdn", "scroll both pools (zoomed, or the mouse wheel)"),
    Key("pagedown", "scroll_pools(1)", "Scroll the pools down", "pgup / pgdn", "scroll both pools (zoomed, or the mouse wheel)"),
    Key("exclamation_mark", "command_line", "Show the command behind the screen", "!",
        "the fragtui command line that opens this screen: scenario, what-ifs, step (copied where the terminal allows)"),
    Key("question_mark", "help", "Help", "?", "this help", bar="help"),
    Key("ctrl+s", "save_svg", "Save an SVG screenshot", "ctrl+s / S", SAVE_HELP),
    Key("S", "record", "Save a recording of the run so far", "ctrl+s / S", SAVE_HELP),
    Key("q", "quit", "Quit", "q", "quit", bar="quit"),
)

# Keys a widget takes while it has focus, before the app's: the cell cursor's arrows (only
# while `i` shows one; otherwise the arrows step) and the focused sidebar's scrolling.
CURSOR_BINDINGS: list[BindingType] = [
    Binding("up", "cursor(0, -1)", "Cursor up", show=False),
    Binding("down", "cursor(0, 1)", "Cursor down", show=False),
    Binding("left", "cursor(-1, 0)", "Cursor left", show=False),
    Binding("right", "cursor(1, 0)", "Cursor right", show=False),
    Binding("escape", "cursor_off", "Cursor off", show=False),
]
SIDEBAR_BINDINGS: list[BindingType] = [
    Binding(key, action, title, show=False) for key, action, title in (
        ("up", "scroll_up", "Scroll the sidebar up"), ("down", "scroll_down", "Scroll the sidebar down"),
        ("pageup", "page_up", "Page the sidebar up"), ("pagedown", "page_down", "Page the sidebar down"),
        ("home", "scroll_home", "The sidebar's top"), ("end", "scroll_end", "The sidebar's end"))
]

BINDINGS: list[BindingType] = [
    Binding(k.keys, k.action, k.bar or k.title, show=False, priority=k.action == "save_svg") for k in KEYS
]


def help_of(key: Key) -> str:
    """A key's help line, the cycles in it as the registry has them now."""
    return key.help.format(**{option: _cycle(option) for option in ("placement", "order", "reservation")})


def help_rows() -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen: one row per help line, the cycles as the
    registry has them now (an allocator registered later is in them too)."""
    rows: list[tuple[str, str]] = []
    for key in KEYS:
        line = (key.shown, help_of(key))
        if not rows or rows[-1] != line:
            rows.append(line)
    return rows


def bar_keys() -> list[tuple[str, str, str]]:
    """(key as shown, word, action) for the key bar, left to right."""
    return [(key.shown.split(" / ")[0], key.bar, key.action) for key in KEYS if key.bar]


def key_names() -> list[str]:
    """Every key the app binds, as Textual names it (for the monkey test)."""
    return [name for key in KEYS for name in key.keys.split(",")]


PALETTE_KEY = ("^p", "palette", "command_palette")
