"""Every knob of a run, split by concern and checked in one place, so the CLI and the TUI reject
the same values."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal, get_args

from fragtui.sim.allocators.contiguous import RESERVATIONS, Reservation
from fragtui.sim.allocators.registry import FORKS, placements
from fragtui.sim.errors import ParamError
from fragtui.sim.names import find, one_of
from fragtui.sim.config.kv import parse_bytes, parse_model
from fragtui.sim.config.sides import DEFAULT_SIDES
from fragtui.sim.workload.lengths import EMPIRICAL, parse_lengths, parse_token_lengths
from fragtui.sim.numbers import MAX_TOKENS, NumberError, ascii_note, decimal, whole
from fragtui.sim.allocators.free_queues import ORDERS, Order
from fragtui.sim.workload.requests import PREFIX_LETTERS

MAX_SLOTS = 1 << 24  # 16,777,216: the largest pool the TUI is built to draw
MAX_ARRIVALS = 1_000_000

DEFAULT_ARRIVALS = 64
FREES_ALLOWED = "must be none, every-other or churn:P with 0 ≤ P ≤ 1"
# What each number may be: checked where text is read (parse_field) and where a Params is
# validated, whoever built it.
WHOLE_BOUNDS = {
    "total_slots": (1, MAX_SLOTS),
    "max_len": (1, MAX_SLOTS),
    "used_len": (1, MAX_SLOTS),
    "block_size": (1, MAX_SLOTS),
    "arrivals": (0, MAX_ARRIVALS),
    "seed": (0, 2**63 - 1),
    "samples": (1, 64),
    "beam_width": (1, 64),
}
NUMBER_BOUNDS = {"rate": (1e-6, 1e6), "time_scale": (1e-6, 1e6), "watermark": (0, 0.5), "warmup": (0, 0.9)}


Mode = Literal["event", "serving"]
MODES: tuple[Mode, ...] = get_args(Mode)


@dataclass(frozen=True)
class PoolParams:
    """The pool: its size in slots (or in memory, for a model), and the longest request."""

    total_slots: int = 4096
    max_len: int = 512
    kv_memory: str | None = None  # with model: sets total_slots
    model: str | None = None


@dataclass(frozen=True)
class SideParams:
    """How memory is handed out: the sides (config/sides.py), and the options each side takes
    that it does not pin itself."""

    sides: str = DEFAULT_SIDES
    placement: str = "first"  # one of the contiguous family's allocators (the registry's)
    reservation: Reservation = "max"
    block_size: int = 16
    order: Order = "fifo"
    prefix_caching: bool = False  # paged keeps freed full blocks as a cache (vLLM v1's rules)
    watermark: float = 0.0  # share of blocks paged keeps free when it admits, serving (vLLM: 0.01)


@dataclass(frozen=True)
class StreamParams:
    """What arrives: how many requests, how long, from where, when they leave (event mode) or
    arrive (serving mode), and what they share."""

    used_len: int = 32
    arrivals: int | None = None  # None: 64 generated requests, or every row of a trace
    seed: int = 0
    lengths: str = "constant"
    frees: str = "none"
    ops: str | None = None
    trace: str | None = None
    prefixes: str | None = None  # "G:K": each request starts with one of G prompts of K tokens
    prompt_len: str = "constant"  # serving: constant (= used_len), N, uniform, lognormal, sharegpt, azure-*
    output_len: str = "constant"
    rate: float = 20.0  # serving: Poisson arrivals, requests per second (20 a second is one a tick)
    time_scale: float = 20.0  # serving: ticks (decode iterations) per second, for --rate and timestamps


@dataclass(frozen=True)
class RunParams:
    """How the run goes and is measured: a step an event or a tick, the sequences each request
    runs as (PagedAttention §4.4), and the steady state averaged over."""

    mode: Mode = "event"
    samples: int = 1  # serving: parallel samples of each prompt
    beam_width: int = 1  # serving: beam candidates of each prompt
    warmup: float = 0.0  # serving: steady-state averages start once this share of requests completed


@dataclass(frozen=True)
class Params(RunParams, StreamParams, SideParams, PoolParams):
    """Every knob of a run, by concern (the pool, the sides, the stream, the run), checked in
    one place so the CLI, the editor, the what-if keys and sweeps refuse the same values."""

    @property
    def rate_per_tick(self) -> float:
        return self.rate / self.time_scale

    def with_(self, **changes: Any) -> Params:
        """A copy with `changes`, validated: raises ParamError and leaves self as it was.

        Setting total_slots directly drops a kv_memory budget that would override it; setting
        both at once is refused, since each sets the pool's size."""
        if "total_slots" in changes:
            if changes.get("kv_memory") is not None:
                raise ParamError("total_slots", changes["total_slots"],
                                 f"cannot be set with kv_memory {changes['kv_memory']}: each sets the pool's size")
            changes["kv_memory"] = None
        return replace(self, **changes).validated()

    def validated(self) -> Params:
        params = self
        if self.kv_memory is not None:
            if self.model is None:
                raise ParamError("kv_memory", self.kv_memory, "needs --model to know the bytes per token")
            slots = parse_bytes(self.kv_memory) // parse_model(self.model).bytes_per_token
            if not 1 <= slots <= MAX_SLOTS:
                raise ParamError(
                    "kv_memory", self.kv_memory,
                    f"gives {slots:,} slots for {self.model}; allowed: 1 to {MAX_SLOTS:,}",
                )
            params = replace(self, total_slots=slots)
        params._check()
        return params

    @property
    def arrival_count(self) -> int:
        return DEFAULT_ARRIVALS if self.arrivals is None else self.arrivals

    @property
    def bytes_per_token(self) -> int | None:
        return parse_model(self.model).bytes_per_token if self.model else None

    def _check(self) -> None:
        for name, (low, high) in WHOLE_BOUNDS.items():
            if name != "arrivals" or self.arrivals is not None:
                _whole(name, getattr(self, name), low, high)
        if self.used_len > self.max_len and self.lengths_from_used_len:
            raise ParamError("used_len", self.used_len, f"must be ≤ max_len ({self.max_len})")
        _choice("placement", self.placement, placements())
        _choice("order", self.order, ORDERS)
        _choice("reservation", self.reservation, RESERVATIONS)
        _choice("mode", self.mode, MODES)
        self._check_sides()
        for name, (least, most) in NUMBER_BOUNDS.items():
            _number(name, getattr(self, name), least, most)
        lengths = parse_lengths(self.lengths, self.used_len)
        if self.mode == "event" and lengths.kind != "constant" and lengths.minimum > self.max_len:
            raise ParamError("lengths", self.lengths,
                             f"gives no request that fits max_len ({self.max_len:,}): the shortest is {lengths.minimum:,}")
        prompts = parse_token_lengths(self.prompt_len, self.used_len, "prompt", "prompt_len")
        outputs = parse_token_lengths(self.output_len, self.used_len, "output", "output_len")
        parse_frees(self.frees)
        self._check_sharing()
        if self.model is not None:
            parse_model(self.model)
        sources = [name for name in ("ops", "trace") if getattr(self, name) is not None]
        if self.lengths != "constant":
            sources.append("lengths")
        if len(sources) > 1:
            first, second = sources[:2]
            raise ParamError(second, getattr(self, second), f"cannot be combined with --{first}")
        if self.mode == "serving":
            if self.ops is not None:
                raise ParamError("ops", self.ops, "is for event mode; serving mode takes --prompt-len and --output-len")
            if self.frees != "none":
                raise ParamError("frees", self.frees, "is for event mode; in serving mode requests leave when they finish")
            if self.lengths not in ("constant", "azure-conv", "azure-code"):
                raise ParamError("lengths", self.lengths,
                                 "in serving mode must be constant, azure-conv or azure-code (or use --prompt-len/--output-len)")
            if self.trace is None:
                self._check_serving_fits(prompts.minimum, outputs.minimum)
        if self.ops is not None:
            if self.frees != "none":
                raise ParamError("frees", self.frees, "cannot be combined with --ops (an op list says its own frees)")
            from fragtui.sim.workload.ops import parse_ops

            parse_ops(self.ops, self.max_len)

    def _check_sides(self) -> None:
        """Every side runs: it takes this mode, and its own options are allowed here; a switch
        that only some allocators take is on only where a side takes it."""
        from fragtui.sim.config.sides import resolve

        sides = resolve(self)
        if self.prefix_caching and not any(side.takes("prefix_caching") for side in sides):
            raise ParamError("prefix_caching", True, f"no side takes it (--sides {self.sides})")
        for side in sides:
            if self.mode not in side.allocator.modes:
                raise ParamError("sides", self.sides, f"side {side.label!r} runs in {' and '.join(side.allocator.modes)} "
                                 f"mode only, not {self.mode} mode")
            if side.allocator.check is not None:
                try:
                    side.allocator.check(side.setting)
                except ParamError as error:  # an own option has no flag of its own: name the side
                    raise ParamError("sides", self.sides, f"side {side.label!r}: {error.describe('field')}") from None
            block = side.options.get("block_size")
            if block is not None and block > self.total_slots:
                where = "block_size" if "block_size" not in side.spec.pinned() else "sides"
                value = block if where == "block_size" else self.sides
                raise ParamError(where, value, f"must be ≤ total_slots ({self.total_slots})"
                                 + (f" (side {side.label!r} has block_size {block})" if where == "sides" else ""))

    def _check_sharing(self) -> None:
        if not isinstance(self.prefix_caching, bool):
            raise ParamError("prefix_caching", self.prefix_caching, BOOL_ALLOWED)
        if self.prefixes is not None:
            parse_prefixes(self.prefixes)
            if self.ops is not None:
                raise ParamError("prefixes", self.prefixes, "cannot be combined with --ops (an op list names its "
                                 "own prefixes: +N:aK)")
        if self.mode == "serving":
            if self.sequences > 1:
                from fragtui.sim.config.sides import resolve

                single = [side.label for side in resolve(self) if not side.allocator.can(FORKS)]
                if single:
                    name = "samples" if self.samples > 1 else "beam_width"
                    raise ParamError(name, getattr(self, name), f"side {single[0]!r} runs each request as one "
                                     "sequence (it shares no memory between sequences)")
            if self.prefix_caching and self.sequences > 1:
                name = "samples" if self.samples > 1 else "beam_width"
                raise ParamError(name, getattr(self, name), "cannot be combined with --prefix-caching "
                                 "(a request's sequences share its blocks by their own rules)")
        else:
            for name in ("samples", "beam_width"):
                if getattr(self, name) > 1:
                    raise ParamError(name, getattr(self, name), "is for serving mode (--mode serving)")
        if self.samples > 1 and self.beam_width > 1:
            raise ParamError("beam_width", self.beam_width, "cannot be combined with --samples (one or the other)")

    @property
    def sequences(self) -> int:
        """Sequences per request in serving mode: its samples or its beam candidates."""
        return max(self.samples, self.beam_width)

    @property
    def lengths_from_used_len(self) -> bool:
        """Whether some request's length is used_len: only then is used_len ≤ max_len checked,
        so an op list or a trace with a small max_len is not refused for a default it never uses.
        (Serving mode checks prompt + output instead.)"""
        return self.mode == "event" and self.ops is None and self.trace is None and self.lengths == "constant"

    def _check_serving_fits(self, shortest_prompt: int, shortest_output: int) -> None:
        """Refuse generated lengths whose shortest prompt and output together exceed max_len:
        every request would be dropped."""
        need = shortest_prompt + shortest_output
        if need <= self.max_len:
            return
        too_long = f"{need:,} tokens, more than max_len ({self.max_len:,})"
        if self.lengths in EMPIRICAL:
            raise ParamError("lengths", self.lengths, f"its shortest prompt and output make {too_long}")
        if self.prompt_len == self.output_len == "constant":
            raise ParamError("used_len", self.used_len,
                             f"serving mode's prompt and output of used_len tokens each make {too_long}")
        name, other = ("prompt_len", "output_len") if self.output_len == "constant" else ("output_len", "prompt_len")
        raise ParamError(name, getattr(self, name),
                         f"with --{other.replace('_', '-')} {getattr(self, other)} every request needs at least {too_long}")


PREFIXES_ALLOWED = f"must be G:K, G prompts (1 to {len(PREFIX_LETTERS)}) of K tokens each (1 to {MAX_TOKENS:,})"
BOOL_ALLOWED = "must be on or off (true/false, yes/no, 1/0)"
_BOOLS = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}


def parse_prefixes(text: str) -> tuple[int, int]:
    """`G:K` → (G, K): G shared prompts, named a, b, c, …, of K tokens each."""
    count, colon, length = text.partition(":")
    try:
        if colon:
            return whole(count, 1, len(PREFIX_LETTERS)), whole(length, 1, MAX_TOKENS)
    except NumberError:
        pass
    raise ParamError("prefixes", text, PREFIXES_ALLOWED + ascii_note(text))


def parse_frees(text: str) -> tuple[str, float]:
    """`none`, `every-other` or `churn:P` → (kind, P)."""
    if text in ("none", "every-other"):
        return text, 0.0
    kind, _, rest = text.partition(":")
    if kind == "churn":
        try:
            return "churn", decimal(rest, 0, 1)
        except NumberError:
            pass
    raise ParamError("frees", text, FREES_ALLOWED)


PARAM_NAMES = tuple(f.name for f in fields(Params))
OPTIONAL_FIELDS = frozenset(f.name for f in fields(Params) if "None" in f.type)
BOOL_FIELDS = frozenset(f.name for f in fields(Params) if f.type == "bool")


def parse_field(name: str, text: str) -> object:
    """Turn the text a user typed for `name` into its value, or raise ParamError."""
    if name in OPTIONAL_FIELDS and text.strip() in ("", "none", "None", "all"):
        return None
    if name in BOOL_FIELDS:
        return parse_switch(name, text)
    try:
        if name in WHOLE_BOUNDS:
            return whole(text, *WHOLE_BOUNDS[name])
        if name in NUMBER_BOUNDS:
            return decimal(text, *NUMBER_BOUNDS[name])
    except NumberError as error:
        raise number_error(name, error) from None
    allowed = _choices().get(name)
    if allowed is not None:  # one spelling rule (sim/names.py); a miss is refused by _choice
        return find(text, allowed) or text.strip()
    return text.strip()


def parse_switch(name: str, text: str) -> bool:
    """`on`/`off` (true/false, yes/no, 1/0) for switch `name`, or ParamError."""
    value = _BOOLS.get(text.strip().lower())
    if value is None:
        raise ParamError(name, text, BOOL_ALLOWED)
    return value


def number_error(name: str, error: NumberError) -> ParamError:
    """The ParamError for parameter `name` whose text `error` refused."""
    return ParamError(name, error.text if error.parsed is None else error.parsed, error.allowed)


def _whole(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParamError(name, value, f"must be a whole number from {low:,} to {high:,}")


def _number(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ParamError(name, value, f"must be a number from {low:g} to {high:g}")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ParamError(name, value, one_of(value, allowed))


def _choices() -> dict[str, tuple[str, ...]]:
    return {"placement": placements(), "order": ORDERS, "reservation": RESERVATIONS, "mode": MODES}
