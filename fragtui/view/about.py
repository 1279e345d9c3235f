"""What to watch: the named scenario's paragraph while the run is that scenario, and words
rebuilt from the parameters once it is not (a student believes the words, so they must
describe the run on screen)."""

from __future__ import annotations

from dataclasses import fields

from fragtui.sim.allocators.contiguous import reservation_for
from fragtui.sim.config.params import Params
from fragtui.sim.config.sides import Side, resolve
from fragtui.sim.config.scenarios import Scenario

# Parameters a reader sets; the others are derived (total_slots from a memory budget).
SHOWN = [f.name for f in fields(Params) if f.name not in ("kv_memory",)]


def changes_from(named: Params, params: Params) -> list[str]:
    """`name value (scenario: value)` for each parameter the run changed."""
    out = []
    for name in SHOWN:
        mine, theirs = getattr(params, name), getattr(named, name)
        if mine != theirs:
            out.append(f"{name} {_value(mine)} (scenario: {_value(theirs)})")
    return out


def what_to_watch(scenario: Scenario | None, named: Params | None, params: Params, manual: bool) -> str:
    """The paragraph for the sidebar."""
    if scenario is not None and named is not None and params == named and not manual:
        return scenario.about
    lines = []
    if scenario is not None and named is not None:
        changed = changes_from(named, params) + (["events added by hand"] if manual else [])
        lines.append(f"The {scenario.name} scenario, changed: {'; '.join(changed)}. In this run:")
    lines.append(describe(params))
    return " ".join(lines)


def describe(p: Params) -> str:
    """What the parameters make happen, side by side, with the arithmetic a student can check."""
    sides = resolve(p)
    if p.mode == "serving":
        return ("requests arrive over time and grow a token a tick in " f"{p.total_slots:,} slots. "
                + " ".join(_serving_side(side) for side in sides))
    if p.ops is None and p.trace is None and p.lengths == "constant":
        return f"each request holds {p.used_len} tokens. " + " ".join(_wave_side(side, p) for side in sides)
    source = ("the op list" if p.ops is not None else f"the trace {p.trace.rsplit('/', 1)[-1]}" if p.trace
              else f"lengths {p.lengths}")
    return f"requests come from {source}. " + " ".join(_stream_side(side, p) for side in sides)


def _serving_side(side: Side) -> str:
    if side.allocator.family == "contiguous":
        return (f"{side.label.capitalize()} (Orca {side.options['reservation']}, {side.allocator.name}) reserves each "
                "request's run when it is admitted.")
    if side.allocator.family == "paged":
        bs = side.options["block_size"]
        return (f"{side.label.capitalize()} takes a block of {bs} at each block boundary, "
                f"{side.setting.total_slots // bs:,} blocks in all, and preempts the newest request when none is free.")
    return f"{side.label.capitalize()}: {side.allocator.summary}."


def _wave_side(side: Side, p: Params) -> str:
    used = p.used_len
    if side.allocator.family == "contiguous":
        policy = side.options["reservation"]
        held = reservation_for(policy, used, p.max_len)
        fit = p.total_slots // held if held else 0
        return (f"{side.label.capitalize()} reserves {held:,} slots for each ({policy}), so ⌊{p.total_slots:,} / "
                f"{held:,}⌋ = {fit:,} fit at once, each with {held - used:,} reserved.")
    if side.allocator.family == "paged":
        bs = side.options["block_size"]
        blocks = p.total_slots // bs
        need = -(-used // bs)
        tail = need * bs - used
        return (f"{side.label.capitalize()} gives each ⌈{used} / {bs}⌉ = {need} block{'s' if need != 1 else ''} "
                f"({tail} slot{'s' if tail != 1 else ''} of tail waste), so ⌊{blocks:,} / {need}⌋ = {blocks // need:,} fit.")
    return f"{side.label.capitalize()}: {side.allocator.summary}."


def _stream_side(side: Side, p: Params) -> str:
    if side.allocator.family == "contiguous":
        policy = side.options["reservation"]
        run = reservation_for(policy, p.max_len, p.max_len)
        return (f"{side.label.capitalize()} reserves up to {run:,} slots a request ({policy}, {side.allocator.name}), "
                "so runs strand free space between them.")
    if side.allocator.family == "paged":
        bs = side.options["block_size"]
        return (f"{side.label.capitalize()} takes ⌈tokens / {bs}⌉ blocks of {p.total_slots // bs:,} from anywhere, "
                "wasting less than a block each.")
    return f"{side.label.capitalize()}: {side.allocator.summary}."


def _value(value: object) -> str:
    if isinstance(value, str) and "/" in value:
        return value.rsplit("/", 1)[-1]  # a trace: its file name
    return "none" if value is None else str(value)
