"""Every key of the app, what the help screen says about it, and the palette's extra commands."""

from __future__ import annotations

from textual.binding import Binding

# How each parameter key changes its value: parameter -> (down, up).
PARAM_STEPS = {
    "max_len": (lambda v: v // 2, lambda v: v * 2),
    "used_len": (lambda v: v - 1, lambda v: v + 1),
    "block_size": (lambda v: v // 2, lambda v: v * 2),
    "total_slots": (lambda v: v // 2, lambda v: v * 2),
}

BINDINGS = [
    Binding("space,right", "step", "step", id="step"),
    Binding("left,backspace", "back", "back", id="back"),
    Binding("p", "play", "play", id="play"),
    Binding("left_square_bracket", "slower", "slower", show=False, id="slower"),
    Binding("right_square_bracket", "faster", "faster", show=False, id="faster"),
    Binding("home", "first", "first step", show=False, id="first"),
    Binding("end", "last", "last step", show=False, id="last"),
    Binding("r", "reset", "reset", show=False, id="reset"),
    Binding("f", "free", "free oldest", show=False, id="free"),
    Binding("a", "arrive", "inject arrival", show=False, id="arrive"),
    *[
        Binding(key, f"param('{name}', {up})", f"{name} {'up' if up else 'down'}", show=False)
        for name, keys in (("max_len", "mM"), ("used_len", "uU"), ("block_size", "kK"), ("total_slots", "tT"))
        for up, key in enumerate(keys)
    ],
    Binding("o", "cycle('placement')", "placement", show=False, id="placement"),
    Binding("O", "cycle('order')", "free order", show=False, id="order"),
    Binding("s", "pick_scenario", "scenario", id="scenario"),
    Binding("e", "edit_params", "edit", id="edit"),
    Binding("c", "colour_mode", "colour", show=False, id="colour"),
    Binding("z", "zoom", "zoom", show=False, id="zoom"),
    Binding("pageup", "scroll_pools(-1)", "scroll up", show=False),
    Binding("pagedown", "scroll_pools(1)", "scroll down", show=False),
    Binding("question_mark", "help", "help", id="help"),
    Binding("ctrl+s", "screenshot", "screenshot", show=False, priority=True, id="screenshot"),
    Binding("q", "quit", "quit", id="quit"),
]

# (keys, what they do, the action the command palette runs or None): the help screen's table.
KEY_HELP = [
    ("space / →", "step forward one event", "step"),
    ("← / backspace", "step back (exact undo)", "back"),
    ("p", "play / pause", "play"),
    ("[ / ]", "slower / faster autoplay", None),
    ("home / end", "first / last step", None),
    ("r", "reset the scenario", "reset"),
    ("f", "free the oldest live request", "free"),
    ("a", "inject an arrival of used_len tokens", "arrive"),
    ("m / M", "max_len halve / double", None),
    ("u / U", "used_len − 1 / + 1", None),
    ("k / K", "block_size halve / double", None),
    ("t / T", "total_slots halve / double", None),
    ("o", "contiguous placement: first → best → worst → next", None),
    ("O", "paged free order: fifo → lifo → lowest", None),
    ("s", "pick a scenario", "pick_scenario"),
    ("e", "edit every parameter", "edit_params"),
    ("c", "colour by state / by request", "colour_mode"),
    ("z", "zoom: fit the pool / one slot per cell, scrolling", "zoom"),
    ("pgup / pgdn", "scroll both pools (zoomed, or the mouse wheel)", None),
    ("?", "this help", "help"),
    ("ctrl+s", "save an SVG screenshot", "screenshot"),
    ("q", "quit", "quit"),
]

# Palette commands for the keys whose help line covers two actions.
EXTRA_COMMANDS = [
    ("Slower autoplay", "slower"),
    ("Faster autoplay", "faster"),
    ("First step", "first"),
    ("Last step", "last"),
    ("Cycle contiguous placement", "cycle('placement')"),
    ("Cycle paged free order", "cycle('order')"),
    ("Scroll the pools up", "scroll_pools(-1)"),
    ("Scroll the pools down", "scroll_pools(1)"),
] + [
    (f"{name} {'down' if up == 0 else 'up'}", f"param('{name}', {up})") for name in PARAM_STEPS for up in (0, 1)
]

# The keys line: (key as shown, what it does, action), and the palette at the far right.
KEY_BAR = [
    ("space", "step", "step"),
    ("←", "back", "back"),
    ("p", "play", "play"),
    ("s", "scenario", "pick_scenario"),
    ("e", "edit", "edit_params"),
    ("?", "help", "help"),
    ("q", "quit", "quit"),
]
KEY_BAR_RIGHT = ("^p", "palette", "command_palette")
