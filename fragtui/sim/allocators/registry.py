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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from fragtui.sim.errors import ParamError
from fragtui.sim.names import find, one_of

if TYPE_CHECKING:
    from fragtui.sim.allocators.allocator import Allocator
    from fragtui.sim.engines.serving.memory import Memory, Serving

FAMILIES = ("contiguous", "paged")

# What an allocator can do (`AllocatorSpec.capabilities`).
STRANDS = "strands"  # free runs too short for a request strand: external fragmentation is possible
PREFIX_CACHING = "prefix_caching"  # takes the prefix_caching option: vLLM's prefix cache
GROWS = "grows"  # serving: a running request takes more memory as it goes


@dataclass(frozen=True)
class Setting:
    """What one side's allocator is made from: the pool, and the side's options, every one
    resolved (pinned by the side, or the run's parameter)."""

    total_slots: int
    max_len: int
    options: Mapping[str, Any]

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
        name, "contiguous", summary, ("reservation",), states, frozenset({STRANDS}),
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
        frozenset({PREFIX_CACHING, GROWS}), make=_paged_make, serve=_paged_serve, describe=_paged_describe,
        states_with={"prefix_caching": ("shared", "cached")},
    ),
]
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
