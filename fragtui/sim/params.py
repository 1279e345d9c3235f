"""Every knob of a run, checked in one place so the CLI and the TUI reject the same values."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from fragtui.sim.contiguous import PLACEMENTS, RESERVATIONS
from fragtui.sim.errors import ParamError
from fragtui.sim.paged import ORDERS

MAX_SLOTS = 1 << 24  # 16,777,216: the largest pool the TUI is built to draw
MAX_ARRIVALS = 1_000_000
MODES = ("event", "serving")


@dataclass(frozen=True)
class Params:
    total_slots: int = 4096
    max_len: int = 512
    used_len: int = 32
    block_size: int = 16
    arrivals: int = 64
    seed: int = 0
    placement: str = "first"
    order: str = "fifo"
    reservation: str = "max"
    lengths: str = "constant"
    frees: str = "none"
    ops: str | None = None
    trace: str | None = None
    mode: str = "event"

    def with_(self, **changes: object) -> Params:
        """A copy with `changes`, validated: raises ParamError and leaves self as it was."""
        return replace(self, **changes).validated()

    def validated(self) -> Params:
        _whole("total_slots", self.total_slots, 1, MAX_SLOTS)
        _whole("max_len", self.max_len, 1, MAX_SLOTS)
        _whole("used_len", self.used_len, 1, MAX_SLOTS)
        _whole("block_size", self.block_size, 1, MAX_SLOTS)
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
        return self


INT_FIELDS = frozenset(f.name for f in fields(Params) if f.type == "int")


def parse_field(name: str, text: str) -> object:
    """Turn the text a user typed for `name` into its value, or raise ParamError."""
    if name in INT_FIELDS:
        cleaned = text.strip().replace("_", "").replace(",", "")
        if not cleaned.lstrip("-").isdigit():
            raise ParamError(name, text, "must be a whole number")
        return int(cleaned)
    text = text.strip()
    if name in ("ops", "trace"):
        return text or None
    return text


def _whole(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParamError(name, value, f"must be a whole number from {low:,} to {high:,}")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ParamError(name, value, "must be one of " + ", ".join(allowed))
