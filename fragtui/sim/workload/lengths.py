"""Request-length distributions: how many tokens each generated request holds.

`constant` (every request holds used_len), `uniform:A:B` (inclusive), `lognormal:MU:SIGMA`
(of ln tokens, rounded, at least 1), `azure-conv` / `azure-code`: the Azure LLM inference
trace 2023's percentiles, sampled by inverse CDF with linear interpolation between percentiles
(figures embedded with attribution in data/azure_percentiles.json), and, in serving mode,
`alpaca`: Alpaca's 52,002 requests as OPT tokenizes them, a length drawn as a request drawn
at random has it (counts a length, with attribution, in data/alpaca_lengths.json; made by
scripts/alpaca_lengths.py).
"""

from __future__ import annotations

import json
import math
import random
from typing import Any, Callable
from bisect import bisect_right
from itertools import accumulate
from statistics import NormalDist
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

from fragtui.sim.errors import ParamError
from fragtui.sim.workload.draws import below, between
from fragtui.sim.numbers import MAX_TOKENS, NumberError, ascii_note, decimal, is_whole, whole

ALLOWED = "must be constant, uniform:A:B, lognormal:MU:SIGMA, azure-conv or azure-code"
TOKEN_ALLOWED = ("must be constant, N, uniform:A:B, lognormal:MU:SIGMA, sharegpt, alpaca, azure-conv or "
                 "azure-code")
# ShareGPT as the PagedAttention paper reports it: mean 161 prompt and 338 output tokens. Its
# spread is our assumption: lognormal with sigma 1 (ShareGPT's lengths are long-tailed).
SHAREGPT_MEANS: dict[str, float] = {"prompt": 161.31, "output": 337.99}  # the paper's Table 1, after its filter
SHAREGPT_SIGMA = 1.0
# Alpaca as the paper reports it (Fig. 11: means 19.31 prompt and 58.45 output tokens); drawn
# from the data set itself, whose means (19.3122, 58.4522) are these.
ALPACA_MEANS = {"prompt": 19.31, "output": 58.45}
DATASETS: dict[str, dict[str, float]] = {"sharegpt": SHAREGPT_MEANS, "alpaca": ALPACA_MEANS}  # the paper's means
EMPIRICAL = ("azure-conv", "azure-code")


@dataclass(frozen=True)
class Lengths:
    """A length distribution; `sample(rng)` draws one length in tokens."""

    kind: str
    a: float = 0
    b: float = 0
    percentiles: tuple[int, ...] = ()
    counts: tuple[tuple[int, int], ...] = ()  # `counted`: (tokens, requests with that many), ascending

    def sample(self, rng: random.Random) -> int:
        return self.sampler(rng)()

    def sampler(self, rng: random.Random) -> Callable[[], int]:
        """Draws from `rng`, bound once: a workload draws hundreds of thousands."""
        a, b = self.a, self.b
        if self.kind == "constant":
            return partial(int, a)
        if self.kind == "uniform":
            return between(rng, int(a), int(b))
        if self.kind == "lognormal":
            return lambda: max(1, round(rng.lognormvariate(a, b)))
        if self.kind == "counted":
            lengths = [tokens for tokens, _ in self.counts]
            upto = list(accumulate(n for _, n in self.counts))  # requests up to and including each length
            pick, total = below(rng), upto[-1]
            return lambda: lengths[bisect_right(upto, pick(total))]
        return partial(sample_percentiles, self.percentiles, rng)

    @property
    def minimum(self) -> int:
        """The shortest length `sample` can give."""
        if self.kind in ("constant", "uniform"):
            return int(self.a)
        if self.kind == "lognormal":
            return 1
        if self.kind == "counted":
            return self.counts[0][0]
        return max(1, self.percentiles[0])

    @property
    def mean(self) -> float:
        if self.kind == "constant":
            return self.a
        if self.kind == "uniform":
            return (self.a + self.b) / 2
        if self.kind == "lognormal":
            return math.exp(self.a + self.b**2 / 2)
        if self.kind == "counted":
            return sum(tokens * n for tokens, n in self.counts) / sum(n for _, n in self.counts)
        p = self.percentiles
        return sum((p[i] + p[i + 1]) / 2 for i in range(100)) / 100


def sample_percentiles(percentiles: tuple[int, ...], rng: random.Random) -> int:
    """Inverse CDF through 101 percentile points (0..100), linear between them."""
    u = rng.random() * 100
    i = min(int(u), 99)
    low, high = percentiles[i], percentiles[i + 1]
    return max(1, round(low + (high - low) * (u - i)))


@lru_cache(maxsize=1)
def azure_percentiles() -> dict[str, Any]:
    text = (Path(__file__).parent.parent / "data" / "azure_percentiles.json").read_text(encoding="utf-8")
    figures: dict[str, Any] = json.loads(text)
    return figures


@lru_cache(maxsize=2)
def alpaca(column: str) -> Lengths:
    """Alpaca's `column` ("prompt" or "output") lengths, counted."""
    text = (Path(__file__).parent.parent / "data" / "alpaca_lengths.json").read_text(encoding="utf-8")
    counts = json.loads(text)["alpaca"][column]
    return Lengths("counted", counts=tuple((int(tokens), int(n)) for tokens, n in counts))


def azure(kind: str, column: str) -> Lengths:
    """`kind` "conv"/"code"; `column` "context", "generated" or "total"."""
    return Lengths("empirical", percentiles=tuple(azure_percentiles()[kind][f"{column}_percentiles"]))


def parse_lengths(text: str, used_len: int, name: str = "lengths") -> Lengths:
    """Parse a --lengths value; `constant` means every request holds used_len tokens."""
    text = text.strip()
    if text == "constant":
        return Lengths("constant", used_len)
    if text in EMPIRICAL:
        return azure(text.split("-")[1], "total")
    kind, _, rest = text.partition(":")
    parts = rest.split(":")
    try:
        if kind == "uniform" and len(parts) == 2 and all(is_whole(p) for p in parts):
            try:
                a, b = whole(parts[0], 1, MAX_TOKENS), whole(parts[1], 1, MAX_TOKENS)
            except NumberError:
                a, b = 1, 0  # out of range: said just below
            if not a <= b:
                raise ParamError(name, text, f"uniform:A:B needs whole numbers 1 ≤ A ≤ B ≤ {MAX_TOKENS:,}")
            return Lengths("uniform", a, b)
        if kind == "lognormal" and len(parts) == 2:
            mu, sigma = decimal(parts[0], -1e9, 1e9), decimal(parts[1], -1e9, 1e9)
            if not (0 <= sigma <= 5 and -5 <= mu <= 20):
                raise ParamError(name, text, "lognormal:MU:SIGMA needs −5 ≤ MU ≤ 20 and 0 ≤ SIGMA ≤ 5")
            return Lengths("lognormal", mu, sigma)
    except NumberError:
        pass
    raise ParamError(name, text, ALLOWED + ascii_note(text))


def parse_token_lengths(text: str, used_len: int, column: str, name: str) -> Lengths:
    """A serving-mode --prompt-len/--output-len value; `column` is "prompt" or "output"."""
    text = text.strip()
    if is_whole(text):
        try:
            return Lengths("constant", whole(text, 1, MAX_TOKENS))
        except NumberError as error:
            raise ParamError(name, text if error.parsed is None else error.parsed, error.allowed) from None
    if text == "alpaca":
        return alpaca(column)
    if text in DATASETS:
        sigma = SHAREGPT_SIGMA
        return Lengths("lognormal", math.log(DATASETS[text][column]) - sigma**2 / 2, sigma)
    if text in EMPIRICAL:
        return azure(text.split("-")[1], "context" if column == "prompt" else "generated")
    try:
        return parse_lengths(text, used_len, name)
    except ParamError as error:
        if error.allowed.startswith("must be"):
            raise ParamError(name, text, TOKEN_ALLOWED + ascii_note(text)) from None
        raise


@lru_cache(maxsize=8)
def sharegpt(max_len: int) -> tuple[Lengths, Lengths]:
    """Prompt and output lengths like the paper's ShareGPT: lognormal (σ = 1, our assumption
    about the spread), with means chosen so that among the requests that fit max_len (prompt +
    output ≤ max_len: the paper drops longer ones) they are the paper's 161.31 and 337.99.

    Worked out, not sampled: the two lengths on a grid of normal quantiles, rounded as the
    sampler rounds them, the pairs that fit counted, and the means moved until they match."""
    quantiles = [NormalDist().inv_cdf((i + 0.5) / GRID) for i in range(GRID)]
    target_p, target_o = SHAREGPT_MEANS["prompt"], SHAREGPT_MEANS["output"]
    mu_p, mu_o = math.log(target_p) - 0.5, math.log(target_o) - 0.5
    for _ in range(60):
        prompts = sorted(max(1, round(math.exp(mu_p + SHAREGPT_SIGMA * z))) for z in quantiles)
        outputs = sorted(max(1, round(math.exp(mu_o + SHAREGPT_SIGMA * z))) for z in quantiles)
        totals = list(accumulate(outputs, initial=0))
        count = sum_p = sum_o = 0
        for p in prompts:  # the outputs that fit beside this prompt are a prefix of the sorted list
            fit = bisect_right(outputs, max_len - p)
            count, sum_p, sum_o = count + fit, sum_p + p * fit, sum_o + totals[fit]
        if not count:
            break
        mean_p, mean_o = sum_p / count, sum_o / count
        if abs(mean_p / target_p - 1) < 1e-4 and abs(mean_o / target_o - 1) < 1e-4:
            break
        mu_p += math.log(target_p / mean_p)
        mu_o += math.log(target_o / mean_o)
    return Lengths("lognormal", mu_p, SHAREGPT_SIGMA), Lengths("lognormal", mu_o, SHAREGPT_SIGMA)


GRID = 600  # quantiles per length: the grid's means sit within 0.1 % of the exact ones
