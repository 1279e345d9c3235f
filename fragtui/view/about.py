"""What to watch: the named scenario's paragraph while the run is that scenario, and words
rebuilt from the parameters once it is not (a student believes the words, so they must
describe the run on screen)."""

from __future__ import annotations

from dataclasses import fields

from fragtui.sim.allocators.contiguous import reservation_for
from fragtui.sim.config.params import Params
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
    """What the parameters make happen, with the arithmetic a student can check."""
    bs = p.block_size
    blocks = p.total_slots // bs
    if p.mode == "serving":
        return (f"requests arrive over time and grow a token a tick in {p.total_slots:,} slots. Contiguous "
                f"(Orca {p.reservation}, {p.placement} fit) reserves each request's run when it is admitted; paged "
                f"takes a block of {bs} at each block boundary, {blocks:,} blocks in all, and preempts the newest "
                "request when none is free.")
    run = reservation_for(p.reservation, p.max_len, p.max_len)
    if p.ops is None and p.trace is None and p.lengths == "constant":
        used = p.used_len
        need = -(-used // bs)
        held = reservation_for(p.reservation, used, p.max_len)
        fit = p.total_slots // held if held else 0
        tail = need * bs - used
        return (f"each request holds {used} tokens. Contiguous reserves {held:,} slots for each "
                f"({p.reservation}), so ⌊{p.total_slots:,} / {held:,}⌋ = {fit:,} fit at once, each with "
                f"{held - used:,} reserved; paged gives each ⌈{used} / {bs}⌉ = {need} block{'s' if need != 1 else ''}"
                f" ({tail} slot{'s' if tail != 1 else ''} of tail waste), so ⌊{blocks:,} / {need}⌋ = "
                f"{blocks // need:,} fit.")
    source = ("the op list" if p.ops is not None else f"the trace {p.trace.rsplit('/', 1)[-1]}" if p.trace
              else f"lengths {p.lengths}")
    return (f"requests come from {source}. Contiguous reserves up to {run:,} slots a request ({p.reservation}, "
            f"{p.placement} fit), so runs strand free space between them; paged takes ⌈tokens / {bs}⌉ blocks "
            f"of {blocks:,} from anywhere, wasting less than a block each.")


def _value(value: object) -> str:
    if isinstance(value, str) and "/" in value:
        return value.rsplit("/", 1)[-1]  # a trace: its file name
    return "none" if value is None else str(value)
