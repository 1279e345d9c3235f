"""Which parameters a run reads. A value the run would never read is refused where it is typed
(the command line, a sweep's axis) and its key greyed out in the app, rather than silently
ignored: `report --scenario churn --used-len 1000` would otherwise run as if it were not there.

Where telling needs the trace itself (whether it has timestamps, an output column), the
parameter counts as read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from fragtui.sim.errors import ParamError

from fragtui.sim.config.sides import GENERAL, resolve
from fragtui.sim.workload.lengths import EMPIRICAL

if TYPE_CHECKING:
    from fragtui.sim.config.params import Params

SERVING_ONLY = ("prompt_len", "output_len", "rate", "time_scale", "samples", "beam_width", "warmup", "watermark")


def unread(p: Params) -> dict[str, str]:
    """Each parameter this run does not read, and why (words that follow "has no effect here: ")."""
    out: dict[str, str] = {}
    serving = p.mode == "serving"
    if not serving:
        for name in SERVING_ONLY:
            out[name] = "it is read in serving mode only (--mode serving)"
    if p.ops is not None:
        for name in ("used_len", "arrivals", "seed", "lengths"):
            out[name] = "the op list gives every request"
    elif serving:
        _serving_stream(p, out)
    else:
        _event_stream(p, out)
    sides = resolve(p)
    for name in GENERAL:  # (an allocator's own options have no run parameter)
        takers = [side for side in sides if side.takes(name)]
        if name == "prefix_caching" or any(name not in side.spec.pinned() for side in takers):
            continue
        out.setdefault(name, f"every side that takes it pins its own (--sides {p.sides})" if takers
                       else f"no side takes it (--sides {p.sides})")
    return out


def check_read(params: Params, changed: Iterable[str]) -> None:
    """Refuse a `changed` parameter that `params` does not read, naming why."""
    why = unread(params)
    for name in changed:
        if name in why:
            raise ParamError(name, getattr(params, name), f"has no effect here: {why[name]}")


def _event_stream(p: Params, out: dict[str, str]) -> None:
    if p.trace is not None:
        out["used_len"] = "the trace gives every request's length"
    elif p.lengths != "constant":
        out["used_len"] = f"lengths come from --lengths {p.lengths}"
    random_lengths = p.trace is None and p.lengths != "constant"
    if not (random_lengths or p.prefixes is not None or p.frees.startswith("churn")):
        out["seed"] = "nothing in this run is drawn at random (constant lengths, no churn, no prefixes)"


def _serving_stream(p: Params, out: dict[str, str]) -> None:
    if p.lengths in EMPIRICAL:
        for name in ("prompt_len", "output_len"):
            out[name] = f"--lengths {p.lengths} gives prompts and outputs"
    if p.trace is not None:
        out["prompt_len"] = "the trace gives every prompt"
    constant = [name for name in ("prompt_len", "output_len") if name not in out and getattr(p, name) == "constant"]
    if not constant or p.lengths in EMPIRICAL:
        out["used_len"] = "in serving mode it is the length of a constant --prompt-len or --output-len, and neither is"
