"""What to watch: the named scenario's paragraph while the run is that scenario, and words
rebuilt from the parameters once it is not (a student believes the words, so they must
describe the run on screen)."""

from __future__ import annotations

from dataclasses import fields
from typing import Callable, Sequence, cast

from fragtui.sim.allocators.adapters import RunAllocator
from fragtui.sim.allocators.contiguous import reservation_for
from fragtui.sim.config.params import DEFAULT_ARRIVALS, Params
from fragtui.sim.config.sides import Side, resolve
from fragtui.sim.config.scenarios import Scenario

# Parameters a reader sets; the others are derived (total_slots from a memory budget).
SHOWN = [f.name for f in fields(Params) if f.name not in ("kv_memory",)]


def changes_from(named: Params, params: Params) -> list[str]:
    """`name value (scenario: value)` for each parameter the run changed."""
    out = []
    for name in SHOWN:
        if getattr(params, name) != getattr(named, name):
            out.append(f"{name} {_shown(params, name)} (scenario: {_shown(named, name)})")
    return out


def _shown(params: Params, name: str) -> str:
    value = getattr(params, name)
    if name == "arrivals" and value is None:  # unset: as many as the stream has
        if params.ops is None and params.trace is None:
            return str(DEFAULT_ARRIVALS)
        return "every op" if params.ops is not None else "every row"
    return _value(value)


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
    """What the parameters make happen, side by side, with the arithmetic a student can check.
    Sides that do the same are said together."""
    sides = resolve(p)
    if p.mode == "serving":
        return ("requests arrive over time and grow a token a tick in " f"{p.total_slots:,} slots. "
                + _together(sides, _serving_side))
    if p.ops is None and p.trace is None and p.lengths == "constant":
        return f"each request holds {p.used_len} tokens. " + _together(sides, lambda side: _wave_side(side, p))
    source = ("the op list" if p.ops is not None else f"the trace {p.trace.rsplit('/', 1)[-1]}" if p.trace
              else f"lengths {p.lengths}")
    return f"requests come from {source}. " + _together(sides, lambda side: _stream_side(side, p))


def _together(sides: Sequence[Side], predicate: Callable[[Side], str]) -> str:
    """A sentence per distinct predicate (each begins with its verb, singular, or with ": "),
    its subject every side it is true of: `First and best reserve …`."""
    said: dict[str, list[str]] = {}
    for side in sides:
        said.setdefault(predicate(side), []).append(side.label)
    sentences = []
    for text, labels in said.items():
        subject = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        verb, space, rest = text.partition(" ")
        if len(labels) > 1 and verb.endswith("s"):
            text = verb[:-1] + space + rest
        sentences.append(subject[0].upper() + subject[1:] + ("" if text.startswith(":") else " ") + text)
    return " ".join(sentences)


def _serving_side(side: Side) -> str:
    if side.allocator.explain is not None:
        return side.allocator.explain(side.setting, "serving", 0)
    if side.allocator.family == "contiguous":
        return f"reserves each request's run when it is admitted (Orca {side.options['reservation']}{_by(side)})."
    if side.allocator.family == "paged":
        bs = side.options["block_size"]
        return (f"takes a block of {bs} at each block boundary, {side.setting.total_slots // bs:,} blocks in all, "
                "and preempts the newest request when none is free.")
    return f": {side.allocator.summary}."


def _wave_side(side: Side, p: Params) -> str:
    used = p.used_len
    if side.allocator.explain is not None:
        return side.allocator.explain(side.setting, "wave", used)
    if side.allocator.family == "contiguous":
        policy = side.options["reservation"]
        held = reservation_for(policy, used, p.max_len)
        run = cast(RunAllocator, side.allocator.make(side.setting)).run_needed(held)
        fit = p.total_slots // run if run else 0
        slack = f" and {run - held:,} slack (a run of {run:,})" if run > held else ""
        return (f"reserves {held:,} slots for each ({policy}), so ⌊{p.total_slots:,} / "
                f"{run:,}⌋ = {fit:,} fit at once, each with {held - used:,} reserved{slack}.")
    if side.allocator.family == "paged":
        bs = side.options["block_size"]
        blocks = p.total_slots // bs
        need = -(-used // bs)
        tail = need * bs - used
        return (f"gives each ⌈{used} / {bs}⌉ = {need} block{'s' if need != 1 else ''} "
                f"({tail} slot{'s' if tail != 1 else ''} of tail waste), so ⌊{blocks:,} / {need}⌋ = {blocks // need:,} fit.")
    return f": {side.allocator.summary}."


def _stream_side(side: Side, p: Params) -> str:
    if side.allocator.explain is not None:
        return side.allocator.explain(side.setting, "stream", 0)
    if side.allocator.family == "contiguous":
        policy = side.options["reservation"]
        run = reservation_for(policy, p.max_len, p.max_len)
        return f"reserves up to {run:,} slots a request ({policy}{_by(side)}), so runs strand free space between them."
    if side.allocator.family == "paged":
        bs = side.options["block_size"]
        return f"takes ⌈tokens / {bs}⌉ blocks of {p.total_slots // bs:,} from anywhere, wasting less than a block each."
    return f": {side.allocator.summary}."


def _by(side: Side) -> str:
    """The allocator, where the side's label does not name it (the paper's `max` is a buddy allocator)."""
    return "" if side.label.split()[0] == side.allocator.name else f", {side.allocator.name}"


def _value(value: object) -> str:
    if isinstance(value, str) and "/" in value:
        return value.rsplit("/", 1)[-1]  # a trace: its file name
    return "none" if value is None else str(value)
