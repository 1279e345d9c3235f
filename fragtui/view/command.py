"""The command behind the screen: the `fragtui …` line that opens what is on screen now.

The scenario, each parameter that differs from it (every what-if, the mode), and the step;
a parameter is written as its option is (`--max-len 256`, `--no-prefix-caching`). Running the
line opens the same screen. Manual frees and arrivals (`f`, `a`) are not parameters: a line
cannot replay them, and the caller says so.
"""

from __future__ import annotations

import shlex

from fragtui.sim.config.params import PARAM_NAMES, Params


def command_line(scenario: str, named: Params, params: Params, step: int) -> str:
    """`fragtui --scenario NAME [--option value …] [--steps N]`: `named` is the scenario's
    parameters as it opens, `params` those on screen, `step` the step on screen."""
    words = ["fragtui", *option_words(scenario, named, params)]
    if step:
        words += ["--steps", str(step)]
    return shlex.join(words)


def option_words(scenario: str, named: Params, params: Params) -> list[str]:
    """The options that make `params` from scenario `scenario` (whose parameters are `named`):
    `--scenario NAME` unless it is the seed, then each parameter that differs, as its option
    is written. Any command that takes the run's options reads them (the app's `S` gives them
    to `fragtui record`)."""
    words = ["--scenario", scenario] if scenario != "seed" else []
    for name in PARAM_NAMES:
        value = getattr(params, name)
        if value == getattr(named, name):
            continue
        if name == "total_slots" and params.kv_memory is not None:
            continue  # (the memory budget and the model set the pool's slots)
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            words.append(flag if value else "--no-" + flag[2:])
        else:
            words += [flag, "none" if value is None else _written(value)]
    return words


def _written(value: object) -> str:
    """A value as its option reads it: 20.0 as 20."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
