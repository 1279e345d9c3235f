"""Sides: the allocators one stream runs through, side by side, and how they are spelt.

`--sides` takes one to six sides, comma-separated, the same on every command. A side is a name
and, after colons, options it pins: `paged:block_size=8`, `best`, `max`. The name is
- an allocator of the registry: `first`, `best`, `worst`, `next`, `buddy`, `paged`;
- `contiguous`: the contiguous family in the run's `--placement`;
- a reservation policy, `max`, `pow2` or `oracle`: contiguous reserving that way (the
  PagedAttention paper's Orca Max, Pow2 and Oracle).
Options a side does not pin are the run's own (`--block-size`, `--order`, …), so the default
`contiguous,paged` is the seed's two sides, and `paged:block_size=8,paged:block_size=16` two
paged pools that differ only in their blocks. Examples: `first,best,worst,next,buddy`;
`max,pow2,oracle,paged` (the paper's four systems).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from fragtui.sim.allocators import registry
from fragtui.sim.allocators.contiguous import RESERVATIONS
from fragtui.sim.allocators.free_queues import ORDERS
from fragtui.sim.allocators.registry import AllocatorSpec, Option, Setting
from fragtui.sim.errors import ParamError, quoted
from fragtui.sim.names import find, one_of, spelling

if TYPE_CHECKING:
    from fragtui.sim.config.params import Params

MAX_SIDES = 6
DEFAULT_SIDES = "contiguous,paged"
FAMILY_ALIAS = "contiguous"  # the contiguous family in the run's placement
PRESETS: dict[str, tuple[str, tuple[tuple[str, object], ...]]] = {  # name -> (alias, pins)
    policy: (FAMILY_ALIAS, (("reservation", policy),)) for policy in RESERVATIONS
}


GENERAL: dict[str, Option] = {option.name: option for option in (
    Option("placement", "which contiguous allocator (the family's members)", registry.placements),
    Option("reservation", "what a contiguous run reserves: max, pow2 or oracle", lambda: RESERVATIONS),
    Option("block_size", "slots a block (paged)"),
    Option("order", "the free-block order: fifo, lifo or lowest", lambda: ORDERS),
    Option("prefix_caching", "vLLM's prefix cache (paged)", lambda: (False, True), word="cache"),
    Option("watermark", "the share of blocks kept free at admission (serving, paged, vattention)"),
)}


class _Options(Mapping[str, Option]):
    """Every side option: the general ones (each also the run's parameter), then each
    registered allocator's own, as the registry has them now."""

    def _all(self) -> dict[str, Option]:
        own = {option.name: option for spec in registry.REGISTRY.values() for option in spec.own}
        return {**GENERAL, **own}

    def __getitem__(self, name: str) -> Option:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


OPTIONS: Mapping[str, Option] = _Options()
SIDE_ALLOWED = ("NAME or NAME:OPTION=VALUE[:OPTION=VALUE…], NAME one of {names}; one to "
                f"{MAX_SIDES}, comma-separated (e.g. first,best,buddy,paged or paged:block_size=8,paged:block_size=16)")


@dataclass(frozen=True)
class SideSpec:
    """A side as spelt: its name and the options it pins, in the order given."""

    name: str
    pins: tuple[tuple[str, object], ...] = ()

    @property
    def text(self) -> str:
        return ":".join([self.name, *(f"{key}={_shown(value)}" for key, value in self.pins)])

    def pinned(self) -> dict[str, object]:
        """Every option this side fixes, its preset's included."""
        base = dict(PRESETS[self.name][1]) if self.name in PRESETS else {}
        if self.name in registry.REGISTRY and registry.REGISTRY[self.name].family == FAMILY_ALIAS:
            base["placement"] = self.name  # a contiguous allocator named outright
        return {**base, **dict(self.pins)}

    def with_pin(self, name: str, value: object) -> SideSpec:
        """This side with option `name` pinned to `value`, spelt as it was where it can be:
        `o` on `best` gives `worst`, `R` on `max` gives `pow2`, `k` on `paged` `paged:block_size=8`."""
        preset = PRESETS.get(self.name)
        if preset is not None and name not in dict(preset[1]):
            return SideSpec(self.name, _replaced(self.pins, name, value))
        if name == "placement" and self.name in registry.REGISTRY and self.family_name() == FAMILY_ALIAS:
            return SideSpec(str(value), self.pins)
        if preset is None and name not in self.pinned():
            return SideSpec(self.name, _replaced(self.pins, name, value))
        pins = self.pinned()
        pins[name] = value
        return canonical(pins, self.family_name())

    def family_name(self) -> str:
        if self.name in PRESETS:
            return PRESETS[self.name][0]
        return registry.REGISTRY[self.name].family if self.name in registry.REGISTRY else self.name


def _replaced(pins: tuple[tuple[str, object], ...], name: str, value: object) -> tuple[tuple[str, object], ...]:
    """`pins` with `name` set to `value`, in place if it was there, else last."""
    if any(key == name for key, _ in pins):
        return tuple((key, value if key == name else old) for key, old in pins)
    return (*pins, (name, value))


def canonical(pins: dict[str, object], family: str) -> SideSpec:
    """The simplest spelling of a side of `family` pinning `pins`: a preset where one says what
    the pins say, else a contiguous allocator by its placement's name."""
    pins = dict(pins)
    if family == FAMILY_ALIAS:
        for name, (_, fixed) in PRESETS.items():
            if all(pins.get(key) == value for key, value in fixed):
                return SideSpec(name, tuple((k, v) for k, v in pins.items() if (k, v) not in fixed))
        placement = pins.pop("placement", None)
        if placement is not None:
            return SideSpec(str(placement), tuple(pins.items()))
        return SideSpec(FAMILY_ALIAS, tuple(pins.items()))
    return SideSpec(family, tuple(pins.items()))


@dataclass(frozen=True)
class Side:
    """A side resolved against a run: its allocator and every option it reads."""

    index: int
    spec: SideSpec
    allocator: AllocatorSpec
    setting: Setting
    label: str  # what the side is called on screen: its name, told apart from its twins

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.setting.options)

    def takes(self, option: str) -> bool:
        return option == "placement" and self.allocator.family == FAMILY_ALIAS or option in self.allocator.options

    def title(self, mode: str) -> str:
        """The pane's title: `best · best fit · reserve max`."""
        return f"{self.label} · {self.allocator.describe(self.setting, mode)}"

    @property
    def states(self) -> tuple[str, ...]:
        return self.allocator.states_for(self.setting)


def parse_sides(text: str, option: str = "sides") -> tuple[SideSpec, ...]:
    """`--sides` text → the sides it spells; ParamError naming the part that is wrong."""
    parts = [part.strip() for part in text.split(",")]
    names = ", ".join([*registry.REGISTRY, FAMILY_ALIAS, *PRESETS])
    if not text.strip() or any(not part for part in parts):
        raise ParamError(option, text, SIDE_ALLOWED.format(names=names))
    if len(parts) > MAX_SIDES:
        raise ParamError(option, text, f"takes one to {MAX_SIDES} sides, found {len(parts)}")
    specs = []
    for part in parts:
        name, *rest = (piece.strip() for piece in part.split(":"))
        known = [*registry.REGISTRY, FAMILY_ALIAS, *PRESETS]
        found = find(name, known)
        if found is None:
            hint = one_of(name, known).partition("; ")[2]
            raise ParamError(option, text, f"{quoted(name)} is not a side; a side is one of {names}"
                             + (f"; {hint}" if hint else ""))
        name = found
        takes = _options_of(name)
        pins: list[tuple[str, object]] = []
        for piece in rest:
            key, equals, value = piece.partition("=")
            key = spelling(key).replace("-", "_")
            if not equals or not value.strip():
                raise ParamError(option, text, f"{quoted(piece)} in side {quoted(part)}: an option is OPTION=VALUE")
            if key not in takes:
                offered = ", ".join(takes) or "none"
                raise ParamError(option, text, f"side {quoted(name)} takes no option {quoted(key)}; it takes {offered}")
            try:
                pins.append((key, OPTIONS[key].parse(value)))
            except ParamError as error:
                raise ParamError(option, text, f"side {quoted(part)}: {error.describe('field')}") from None
        specs.append(SideSpec(name, tuple(pins)))
    return tuple(specs)


def _options_of(name: str) -> tuple[str, ...]:
    """The options a side of this name may pin."""
    if name == FAMILY_ALIAS or name in PRESETS or registry.REGISTRY[name].family == FAMILY_ALIAS:
        return ("placement", *registry.family(FAMILY_ALIAS)[0].options)
    return registry.REGISTRY[name].options


def pinned_everywhere(text: str, option: str, value: object) -> str:
    """`--sides` text with `option` pinned to `value` on every side that takes it (an
    allocator's own option has no run value to set); ParamError if no side takes it."""
    specs = parse_sides(text)
    taken = [option in _options_of(spec.name) for spec in specs]
    if not any(taken):
        raise ParamError(option, value, f"no side takes it (--sides {text})")
    return sides_text(tuple(spec.with_pin(option, value) if takes else spec for spec, takes in zip(specs, taken)))


def sides_text(specs: tuple[SideSpec, ...]) -> str:
    return ",".join(spec.text for spec in specs)


@lru_cache(maxsize=64)
def resolve(params: Params) -> tuple[Side, ...]:
    """The run's sides, every option resolved: pinned, or the run's parameter of that name."""
    run = {name: getattr(params, name) for name in GENERAL}
    return make_sides(parse_sides(params.sides), params.total_slots, params.max_len, run, params.model)


def make_sides(specs: tuple[SideSpec, ...], total_slots: int, max_len: int,
               run: dict[str, object], model: str | None = None) -> tuple[Side, ...]:
    """Sides from their spelling, on a pool of `total_slots` with `max_len` (serving `model`,
    if named); `run` gives every general option a side does not pin, and an allocator's own
    options not pinned take their defaults."""
    resolved = []
    for spec in specs:
        chosen = {**run, **spec.pinned()}
        allocator = registry.spec(str(chosen["placement"]) if spec.family_name() == FAMILY_ALIAS else spec.name,
                                  "placement")
        defaults = {option.name: option.default for option in allocator.own}
        options = {name: chosen.get(name, defaults.get(name)) for name in allocator.options}
        resolved.append((spec, allocator, Setting(total_slots, max_len, options, model)))
    labels = _labels([spec for spec, _, _ in resolved])
    return tuple(Side(i, spec, allocator, setting, label)
                 for i, ((spec, allocator, setting), label) in enumerate(zip(resolved, labels)))


RUN_DEFAULTS: dict[str, object] = {"placement": "first", "reservation": "max", "block_size": 16, "order": "fifo",
                                   "prefix_caching": False, "watermark": 0.0}  # = Params' defaults (a test keeps them so)


def one_side(text: str, total_slots: int, max_len: int, model: str | None = None, **run: object) -> Side:
    """One side from its spelling, with the run's options given outright (for code and tests
    that serve a stream without a Params)."""
    (spec,) = parse_sides(text)
    return make_sides((spec,), total_slots, max_len, {**RUN_DEFAULTS, **run}, model)[0]


def _labels(specs: list[SideSpec]) -> list[str]:
    """Each side's name, and where two share a name, the values they pin: `paged 8`, `paged 16`."""
    counts: dict[str, int] = {}
    for spec in specs:
        counts[spec.name] = counts.get(spec.name, 0) + 1
    labels = []
    for spec in specs:
        label = spec.name
        if counts[spec.name] > 1 and spec.pins:
            label += " " + " ".join(_pinned(key, value) for key, value in spec.pins)
        labels.append(label)
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):  # still twins (the same side twice): number them
        if labels.count(label) > 1:
            seen[label] = seen.get(label, 0) + 1
            labels[i] = f"{label} #{seen[label]}"
    return labels


def _pinned(key: str, value: object) -> str:
    """A pinned option in a label: its value (`8`), or a switch's word (`cache`, `no cache`)."""
    word = OPTIONS[key].word
    if word and isinstance(value, bool):
        return word if value else f"no {word}"
    return _shown(value)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)
