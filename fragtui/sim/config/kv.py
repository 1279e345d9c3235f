"""KV-cache sizing: how many token slots a memory budget holds for a model.

bytes per token = 2 (K and V) × layers × kv_heads × head_dim × dtype bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fragtui.sim.errors import ParamError
from fragtui.sim.names import find
from fragtui.sim.numbers import NumberError, ascii_note, decimal, whole

DTYPES = {"fp32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1}
MAX_SHAPE = 4096  # layers, KV heads and head dimension each
MAX_BYTES = 2**60  # 1 EiB: more KV cache than any machine holds
UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}


@dataclass(frozen=True)
class KVShape:
    layers: int
    kv_heads: int
    head_dim: int
    dtype: str = "fp16"

    @property
    def bytes_per_token(self) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * DTYPES[self.dtype]


# Published shapes (config.json of each model), 16-bit KV cache.
MODELS = {
    "llama-3-8b": KVShape(32, 8, 128),  # 128 KiB/token (grouped-query attention)
    "llama-3-70b": KVShape(80, 8, 128),  # 320 KiB/token
    "llama-2-7b": KVShape(32, 32, 128),  # 512 KiB/token
    "llama-2-13b": KVShape(40, 40, 128),  # 800 KiB/token
    "mistral-7b": KVShape(32, 8, 128),  # 128 KiB/token
    "opt-13b": KVShape(40, 40, 128),  # 800 KiB/token: the PagedAttention paper's model
}

MODEL_ALLOWED = (
    "must be one of " + ", ".join(MODELS) + ", or LAYERS:KV_HEADS:HEAD_DIM:DTYPE (DTYPE one of "
    + ", ".join(DTYPES) + ")"
)


def parse_model(text: str) -> KVShape:
    name = text.strip().lower()
    model = find(name, MODELS)
    if model is not None:
        return MODELS[model]
    parts = name.split(":")
    if len(parts) == 4:
        sizes = []
        for part, what in zip(parts, ("LAYERS", "KV_HEADS", "HEAD_DIM")):
            try:
                sizes.append(whole(part, 1, MAX_SHAPE))
            except NumberError as error:
                raise ParamError("model", text, f"{what} {error.shown}: {error.allowed}") from None
        if parts[3] in DTYPES:
            return KVShape(sizes[0], sizes[1], sizes[2], parts[3])
    raise ParamError("model", text, MODEL_ALLOWED)


_AMOUNT = re.compile(r"\s*([0-9][0-9.]*|\.[0-9]+)\s*([a-zA-Z]*)\s*")


def parse_bytes(text: str) -> int:
    allowed = "must be a size such as 24GiB, 512MiB or 80GB"
    match = _AMOUNT.fullmatch(text)
    if not match or match.group(2).lower() not in UNITS:
        raise ParamError("kv_memory", text, allowed + ascii_note(text))
    try:
        amount = decimal(match.group(1), 0, MAX_BYTES)
    except NumberError as error:
        too_big = error.parsed is not None or match.group(1).isdigit()
        raise ParamError("kv_memory", text, "must be at most 1 EiB" if too_big else allowed) from None
    size = int(amount * UNITS[match.group(2).lower()])
    if size <= 0:
        raise ParamError("kv_memory", text, "must be more than 0 bytes")
    if size > MAX_BYTES:
        raise ParamError("kv_memory", text, "must be at most 1 EiB")
    return size


def format_bytes(size: int, compact: bool = False) -> str:
    """Binary units, trimmed: 128 KiB, 12 GiB, 1.5 MiB (`compact`: 128K, 12G, 1.5M, 0B)."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            value = size / scale
            number = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
            return number + unit[0] if compact else f"{number} {unit}"
    return f"{size}B" if compact else f"{size} B"
