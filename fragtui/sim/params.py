"""Every knob of a run, checked in one place so the CLI and the TUI reject the same values."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from fragtui.sim.contiguous import PLACEMENTS, RESERVATIONS
from fragtui.sim.errors import ParamError
from fragtui.sim.kv import parse_bytes, parse_model
from fragtui.sim.lengths import parse_lengths, parse_token_lengths
from fragtui.sim.paged import ORDERS

MAX_SLOTS = 1 << 24  # 16,777,216: the largest pool the TUI is built to draw
MAX_ARRIVALS = 1_000_000
MODES = ("event", "serving")
DEFAULT_ARRIVALS = 64
FREES_ALLOWED = "must be none, every-other or churn:P with 0 ≤ P ≤ 1"


@dataclass(frozen=True)
class Params:
    total_slots: int = 4096
    max_len: int = 512
    used_len: int = 32
    block_size: int = 16
    arrivals: int | None = None  # None: 64 generated requests, or every row of a trace
    seed: int = 0
    placement: str = "first"
    order: str = "fifo"
    reservation: str = "max"
    lengths: str = "constant"
    frees: str = "none"
    ops: str | None = None
    trace: str | None = None
    kv_memory: str | None = None  # with model: sets total_slots
    model: str | None = None
    mode: str = "event"
    # serving mode
    rate: float = 1.0  # Poisson arrivals per tick
    prompt_len: str = "constant"  # constant (= used_len), N, uniform, lognormal, sharegpt, azure-*
    output_len: str = "constant"
    time_scale: float = 20.0  # ticks per second of a trace's timestamps

    def with_(self, **changes: object) -> Params:
        """A copy with `changes`, validated: raises ParamError and leaves self as it was.

        Setting total_slots directly drops a kv_memory budget that would override it."""
        if "total_slots" in changes and "kv_memory" not in changes:
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
        _whole("total_slots", self.total_slots, 1, MAX_SLOTS)
        _whole("max_len", self.max_len, 1, MAX_SLOTS)
        _whole("used_len", self.used_len, 1, MAX_SLOTS)
        _whole("block_size", self.block_size, 1, MAX_SLOTS)
        if self.arrivals is not None:
            _whole("arrivals", self.arrivals, 0, MAX_ARRIVALS)
        _whole("seed", self.seed, 0, 2**63 - 1)
        if self.used_len > self.max_len:
            raise ParamError("used_len", self.used_len, f"must be ≤ max_len ({self.max_len})")
        if self.block_size > self.total_slots:
            raise ParamError("block_size", self.block_size, f"must be ≤ total_slots ({self.total_slots})")
        _choice("placement", self.placement, PLACEMENTS)
        _choice("order", self.order, ORDERS)
        _choice("reservation", self.reservation, RESERVATIONS)
        _choice("mode", self.mode, MODES)
        _number("rate", self.rate, 1e-6, 1e6)
        _number("time_scale", self.time_scale, 1e-6, 1e6)
        parse_lengths(self.lengths, self.used_len)
        parse_token_lengths(self.prompt_len, self.used_len, "prompt", "prompt_len")
        parse_token_lengths(self.output_len, self.used_len, "output", "output_len")
        parse_frees(self.frees)
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
        if self.ops is not None:
            if self.frees != "none":
                raise ParamError("frees", self.frees, "cannot be combined with --ops (an op list says its own frees)")
            from fragtui.sim.ops import parse_ops

            parse_ops(self.ops, self.max_len)


def parse_frees(text: str) -> tuple[str, float]:
    """`none`, `every-other` or `churn:P` → (kind, P)."""
    if text in ("none", "every-other"):
        return text, 0.0
    kind, _, rest = text.partition(":")
    if kind == "churn":
        try:
            p = float(rest)
        except ValueError:
            p = -1.0
        if 0 <= p <= 1:
            return "churn", p
    raise ParamError("frees", text, FREES_ALLOWED)


INT_FIELDS = frozenset(f.name for f in fields(Params) if f.type in ("int", "int | None"))
FLOAT_FIELDS = frozenset(f.name for f in fields(Params) if f.type == "float")
OPTIONAL_FIELDS = frozenset(f.name for f in fields(Params) if "None" in f.type)


def parse_field(name: str, text: str) -> object:
    """Turn the text a user typed for `name` into its value, or raise ParamError."""
    if name in OPTIONAL_FIELDS and text.strip() in ("", "none", "None", "all"):
        return None
    if name in INT_FIELDS:
        cleaned = text.strip().replace("_", "").replace(",", "")
        if not cleaned.lstrip("-").isdigit():
            raise ParamError(name, text, "must be a whole number")
        return int(cleaned)
    if name in FLOAT_FIELDS:
        try:
            return float(text.strip())
        except ValueError:
            raise ParamError(name, text, "must be a number") from None
    return text.strip()


def _whole(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParamError(name, value, f"must be a whole number from {low:,} to {high:,}")


def _number(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ParamError(name, value, f"must be a number from {low:g} to {high:g}")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ParamError(name, value, "must be one of " + ", ".join(allowed))
