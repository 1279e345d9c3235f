"""Every allocator, declared once.

An `AllocatorSpec` says an allocator's name and family, the options it takes, the cell states
it draws, what it can do, how it is made in each mode and how its pane is titled. Everything
else reads this registry: the side spelling (`config/sides.py`), the options' choices and
`--help`, the what-if keys and their cycles, the legend, metrics, narration, reports, sweeps,
snapshots and the invariants. Nothing outside an allocator's own module tests its class or
compares its name; a new allocator is its module plus one entry in `ENTRIES` (a test may
`register` one of its own).

Families are how an allocator holds memory, and so how it is drawn and served:
- `contiguous`: one run of slots per request (a placement picks it; Orca's reservations size
  it). The contiguous family's allocators are the choices of the `placement` option, so
  `--placement`, `o` and the side `contiguous` reach every one of them.
- `paged`: a block table per request, growing a block at a time.
- `vattention`: a contiguous virtual range per request, physical pages mapped into it on demand.

An allocator may declare options of its own (`AllocatorSpec.own`): side options with a default
and no run parameter (`vattention:page_size=64KiB`), read, cycled by a key of their own and
refused as every other option is. Words that depend on how an allocator holds memory come from
its entry too (`explain` for "what to watch"; an outcome with `words` narrates itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from fragtui.sim.errors import ParamError
from fragtui.sim.names import find, one_of

if TYPE_CHECKING:
    from fragtui.sim.allocators.allocator import Allocator
    from fragtui.sim.engines.serving.memory import Memory, Serving

FAMILIES = ("contiguous", "paged", "vattention")

# What an allocator can do (`AllocatorSpec.capabilities`).
STRANDS = "strands"  # free runs too short for a request strand: external fragmentation is possible
PREFIX_CACHING = "prefix_caching"  # takes the prefix_caching option: vLLM's prefix cache
GROWS = "grows"  # serving: a running request takes more memory as it goes
FORKS = "forks"  # serving: runs a request as several sequences (parallel samples, beams)


@dataclass(frozen=True)
class Option:
    """A side option: what it is, how its text is read, and what a key cycles it through.

    The general options are the run's parameters too (config/sides.py). An allocator's own
    option has none: `default` is its value where a side does not pin it, `read` turns text
    into it (raising ParamError), and `key`, if set, cycles it through its choices in the app."""

    name: str
    summary: str
    choices: Callable[[], tuple[object, ...]] | None = None  # a few values, cycled by a key
    word: str = ""  # a switch: what a side's label says when it pins it on ("no " + it when off)
    default: object = None
    read: Callable[[str], object] | None = None
    key: str = ""

    def parse(self, text: str) -> object:
        if self.read is not None:
            value = self.read(text)
        else:
            from fragtui.sim.config.params import parse_field

            value = parse_field(self.name, text)
        allowed = self.choices() if self.choices is not None else None
        if allowed is not None and value not in allowed:
            raise ParamError(self.name, value, "must be one of " + ", ".join(map(str, allowed)))
        return value


@dataclass(frozen=True)
class Setting:
    """What one side's allocator is made from: the pool (and the model it serves, if the run
    names one), and the side's options, every one resolved (pinned by the side, the run's
    parameter, or an own option's default)."""

    total_slots: int
    max_len: int
    options: Mapping[str, Any]
    model: str | None = None

    def __getitem__(self, name: str) -> Any:
        return self.options[name]


@dataclass(frozen=True)
class AllocatorSpec:
    name: str
    family: str
    summary: str  # one line, for help and --help: what it does
    options: tuple[str, ...]  # the side options it reads (config/sides.py: OPTIONS)
    states: tuple[str, ...]  # the cell states it draws besides free (view/states.py names them)
    capabilities: frozenset[str]
    make: Callable[[Setting], Allocator[Any]]  # event mode's allocator
    serve: Callable[[Setting, Serving], Memory]  # serving mode's memory
    describe: Callable[[Setting, str], str]  # its pane's title after the side's label, in a mode
    modes: tuple[str, ...] = ("event", "serving")
    states_with: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # option -> states it adds when on
    own: tuple[Option, ...] = ()  # options only it takes (in `options` too)
    check: Callable[[Setting], None] | None = None  # refuses a setting it cannot run (ParamError)
    # "What to watch": a sentence beginning with its verb, for a setting in a situation ("wave":
    # every request holds `used` tokens; "stream": lengths vary; "serving"); None: its summary.
    explain: Callable[[Setting, str, int], str] | None = None

    def states_for(self, setting: Setting) -> tuple[str, ...]:
        """The states this allocator draws under `setting` (prefix caching adds shared and cached)."""
        extra = tuple(state for option, states in self.states_with.items() if setting.options.get(option)
                      for state in states)
        return self.states + extra

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


def contiguous_spec(name: str, summary: str, make: Callable[[int, str], Allocator[Any]], *, describe: str,
                    states: tuple[str, ...] = ("used", "reserved", "stranded")) -> AllocatorSpec:
    """A contiguous-family entry: one run per request, reserved by the `reservation` policy.
    `make(total_slots, reservation)` makes an empty allocator; `describe` names its placement
    in its pane's title ("first fit"). It serves in serving mode as Orca does."""
    from fragtui.sim.allocators.contiguous import placement_title

    def serve(setting: Setting, serving: Serving) -> Memory:
        from fragtui.sim.engines.serving.memory import contiguous_memory

        # Serving works the reservation out from prompt and output (the paper's Pow2), so the
        # allocator reserves what it is asked for: `max` of a request whose max_len is that.
        return contiguous_memory(lambda: make(setting.total_slots, "max"), setting, serving)

    return AllocatorSpec(
        name, "contiguous", summary, ("reservation",), states, frozenset({STRANDS, FORKS}),
        make=lambda s: make(s.total_slots, s["reservation"]),
        serve=serve,
        describe=lambda s, mode: placement_title(describe, s["reservation"], mode),
    )


def _fits(placement: str) -> Callable[[int, str], Allocator[Any]]:
    def make(total_slots: int, reservation: str) -> Allocator[Any]:
        from fragtui.sim.allocators.contiguous import ContiguousAllocator

        return ContiguousAllocator(total_slots, reservation, placement)
    return make


def _buddy(total_slots: int, reservation: str) -> Allocator[Any]:
    from fragtui.sim.allocators.buddy import BuddyAllocator

    return BuddyAllocator(total_slots, reservation)


def _paged_make(setting: Setting) -> Allocator[Any]:
    from fragtui.sim.allocators.paged import PagedAllocator
    from fragtui.sim.allocators.prefix_cache import PrefixCachingAllocator

    kind = PrefixCachingAllocator if setting["prefix_caching"] else PagedAllocator
    return kind(setting.total_slots, setting["block_size"], setting["order"])


def _paged_serve(setting: Setting, serving: Serving) -> Memory:
    from fragtui.sim.engines.serving.memory import paged_memory

    return paged_memory(setting, serving)


def _paged_describe(setting: Setting, mode: str) -> str:
    cache = " · prefix cache" if setting["prefix_caching"] else ""
    return f"block {setting['block_size']} · {setting['order']}{cache}"


ENTRIES: list[AllocatorSpec] = [
    contiguous_spec("first", "the lowest-addressed free run that fits", _fits("first"), describe="first fit"),
    contiguous_spec("best", "the smallest free run that fits", _fits("best"), describe="best fit"),
    contiguous_spec("worst", "the largest free run", _fits("worst"), describe="worst fit"),
    contiguous_spec("next", "first fit from after the last placement, wrapping", _fits("next"), describe="next fit"),
    contiguous_spec("buddy", "a binary buddy allocator: chunks of powers of two, split and merged (the paper's "
                "assumption for Orca)", _buddy, describe="buddy", states=("used", "reserved", "slack", "stranded")),
    AllocatorSpec(
        "paged", "paged", "ceil(tokens / block_size) blocks from anywhere: vLLM's PagedAttention",
        ("block_size", "order", "prefix_caching", "watermark"), ("used", "reserved", "unusable"),
        frozenset({PREFIX_CACHING, GROWS, FORKS}), make=_paged_make, serve=_paged_serve, describe=_paged_describe,
        states_with={"prefix_caching": ("shared", "cached")},
    ),
]
def _vattention() -> AllocatorSpec:
    from fragtui.sim.allocators import vattention as v

    return AllocatorSpec(
        "vattention", "vattention", "a contiguous virtual range per request, physical pages mapped into it on "
        "demand: vAttention (Prabhu et al., ASPLOS 2025)", ("page_size", "slots", "sync", "space", "watermark"),
        ("used", "reserved", "unusable", "retained"), frozenset({GROWS}), make=v.make, serve=v.serve,
        describe=v.describe, check=v.check, explain=v.explain,
        own=(Option("page_size", "vattention's physical page: 64KiB, 128KiB, 256KiB or 2MiB", lambda: v.PAGE_SIZES,
                    default=v.DEFAULT_PAGE, read=v.read_page_size, key="P"),
             Option("slots", "vattention's virtual request slots (max_batch_size; auto: as many as pages, at "
                    "most 999)", default=None, read=v.read_slots),
             Option("sync", "vattention maps on demand and unmaps idle slots at once (the authors' _sync)",
                    lambda: (False, True), word="sync", default=False, read=lambda text: switch("sync", text)),
             Option("space", "what vattention's pane draws: its physical pages or its virtual address space",
                    lambda: v.SPACES, default="physical", read=str.strip, key="v")),
    )


def switch(name: str, text: str) -> bool:
    """An on/off option's text, read as every switch is (params.parse_switch)."""
    from fragtui.sim.config.params import parse_switch

    return parse_switch(name, text)


ENTRIES.append(_vattention())
REGISTRY: dict[str, AllocatorSpec] = {spec.name: spec for spec in ENTRIES}


def register(spec: AllocatorSpec) -> None:
    """Add an allocator (a test's own, say); its name must be new and its family known."""
    if spec.name in REGISTRY:
        raise ValueError(f"an allocator named {spec.name!r} is registered already")
    if spec.family not in FAMILIES:
        raise ValueError(f"family {spec.family!r}: must be one of {', '.join(FAMILIES)}")
    REGISTRY[spec.name] = spec


def unregister(name: str) -> None:
    del REGISTRY[name]


def family(name: str) -> tuple[AllocatorSpec, ...]:
    """The allocators of family `name`, in the order they were registered."""
    return tuple(spec for spec in REGISTRY.values() if spec.family == name)


def placements() -> tuple[str, ...]:
    """The contiguous family's allocators: the choices of `--placement` and of `o`."""
    return tuple(spec.name for spec in family("contiguous"))


def spec(name: str, option: str = "allocator") -> AllocatorSpec:
    found = find(name, REGISTRY)
    if found is None:
        raise ParamError(option, name, one_of(name, REGISTRY))
    return REGISTRY[found]
