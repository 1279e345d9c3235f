"""Named scenarios: parameters that tell one story each, and what to watch for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fragtui.sim.names import find, one_of
from fragtui.sim.errors import ParamError
from fragtui.sim.config.params import Params


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    about: str  # what to watch, one paragraph
    params: dict[str, Any] = field(default_factory=dict)  # overrides of the seed's parameters
    chart: str | None = None  # a parameter whose sweep the sidebar charts: "block_size"
    paper: bool = False  # the report sets the PagedAttention paper's figures beside ours
    fig15: bool = False  # ... and the paper's Fig. 15, memory saved by sharing, for widths 2, 4 and 6

    def build(self, **overrides: object) -> Params:
        """The scenario's parameters with `overrides` on top, validated."""
        return Params(**{**self.params, **overrides}).validated()


MOONCAKE = Path(__file__).parents[1] / "data" / "mooncake"  # the Mooncake traces, shipped (NOTICE.md there)

# Eight requests of varied length, each with its own max_len of 512, fill 4,096 slots; the
# even ones leave, so four 512-slot holes (2,048 free) sit between live runs; then a request
# with max_len 1024 needs one 1,024-slot run. Then r1 leaves and merges with both holes beside it.
EXTERNAL_FRAG_OPS = (
    "+64/512,+96/512,+48/512,+128/512,+80/512,+64/512,+112/512,+72/512,"
    "-0,-2,-4,-6,"
    "+300,"
    "-1,+300,"
    "+500"
)

# The PagedAttention paper's sharing runs (Fig. 15): OPT-13B, 12 GiB of KV cache, Alpaca's lengths.
_FIG15_SETTING: dict[str, object] = {"mode": "serving", "kv_memory": "12GiB", "model": "opt-13b", "max_len": 2048,
                                     "prompt_len": "alpaca", "output_len": "alpaca", "arrivals": 400, "rate": 20.0}

# The PagedAttention paper's serving setting (OPT-13B, 12 GiB, its four systems), shared by its
# workloads: each scenario adds its lengths and request rate.
PAPER_SETTING: dict[str, Any] = {
    "mode": "serving", "kv_memory": "12GiB", "model": "opt-13b", "max_len": 2048, "arrivals": 2000,
    "time_scale": 20.0, "placement": "buddy", "watermark": 0.01, "warmup": 0.1, "sides": "max,pow2,oracle,paged",
}

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario(
            "seed",
            "one wave of 64 short requests",
            "64 requests of 32 tokens arrive into 4,096 slots. Contiguous reserves max_len = 512 "
            "slots for each, so after 8 admissions the pool is full: each run holds 32 used slots "
            "and 480 reserved ones, and the other 56 requests are rejected. Paged gives each "
            "request 2 blocks of 16 and admits all 64, using half the pool.",
        ),
        Scenario(
            "tail-waste",
            "paged's only waste: the last block",
            "Like the seed, but each request holds 33 tokens: one more than two blocks. Paged now "
            "needs 3 blocks per request and wastes 15 slots in each last block (64 × 15 = 960), "
            "still less than one block per request. Try k/K to halve or double block_size and "
            "watch that tail waste move.",
            {"used_len": 33},
        ),
        Scenario(
            "external-frag",
            "free space that cannot be used",
            "Eight requests reserve 512 slots each and fill the pool; the even ones leave, so "
            "2,048 slots are free, but in four separate 512-slot holes (stranded, in their own "
            "colour). At step 13 a request with max_len 1024 arrives: contiguous rejects it as "
            "fragmented although free ≥ its reservation, while paged admits it in 19 blocks. "
            "When r1 leaves, it and the holes on either side merge into one 1,536-slot run and "
            "the next such request fits; the one after that is fragmented again.",
            {"max_len": 1024, "ops": EXTERNAL_FRAG_OPS},
        ),
        Scenario(
            "churn",
            "requests come and go",
            "300 requests of 16 to 256 tokens arrive while random live ones leave (churn 0.8). "
            "Contiguous reserves the next power of two (Orca Pow2), so its runs differ in size and "
            "leaving requests leave holes of every size: watch ext frag %, the stranded slots and "
            "the rejections marked fragmented. Press c to colour by request: paged's blocks end "
            "up scattered across the pool, and it does not matter.",
            {"lengths": "uniform:16:256", "arrivals": 300, "frees": "churn:0.8", "reservation": "pow2"},
        ),
        Scenario(
            "azure-conv",
            "real conversation lengths",
            "Request lengths drawn from the Azure LLM inference trace 2023 (conversation service; "
            "prompt + output, median about 1,100 tokens) into 65,536 slots with max_len 8,192, "
            "with churn. A few requests longer than max_len are dropped before they arrive. "
            "Contiguous fits only 8 requests at a time; paged fits dozens.",
            {"lengths": "azure-conv", "total_slots": 65536, "max_len": 8192, "arrivals": 400,
             "frees": "churn:0.5"},
        ),
        Scenario(
            "azure-code",
            "real code-completion lengths",
            "Request lengths from the Azure trace's code-completion service: long prompts (median "
            "about 1,500 tokens) and short outputs, into 65,536 slots with max_len 8,192, with "
            "churn. Reserving max_len for requests this uneven wastes most of the pool.",
            {"lengths": "azure-code", "total_slots": 65536, "max_len": 8192, "arrivals": 400,
             "frees": "churn:0.5"},
        ),
        Scenario(
            "paper",
            "serving, token by token: the PagedAttention paper's case",
            "Serving mode in the paper's setting: OPT-13B with 12 GiB of KV cache (800 KiB a token: "
            "15,728 slots), max_len 2,048, block 16, 2,000 ShareGPT-like requests (lognormal, sigma 1 "
            "our assumption, means 161 prompt and 338 output tokens among those that fit, as the "
            "paper's) arriving at 2 a second, 20 ticks a second (our assumption for an A100). The four "
            "panes are the paper's four systems: Orca reserving max_len (max), the next power of two "
            "(pow2) or exactly the final length (oracle), each placing its runs with a buddy allocator "
            "as the paper assumes, whose rounding slack has its own colour; and vLLM (paged), which "
            "keeps 1 % of its blocks free at admission. Each tick every running request appends a token; "
            "Orca reserves up front, paged grows block by block and preempts when full. The command "
            "fragtui report --scenario paper sets the four beside the paper's Fig. 2 and Fig. 13, over "
            "the steady state after 10 % of the requests completed.",
            {**PAPER_SETTING, "prompt_len": "sharegpt", "output_len": "sharegpt", "rate": 2.0},
            paper=True,
        ),
        Scenario(
            "paper-alpaca",
            "the paper's other workload: Alpaca at 30 requests a second",
            "The PagedAttention paper's Fig. 13 Alpaca row, every setting as the paper gives it: "
            "OPT-13B with 12 GiB of KV cache (15,728 slots), max_len 2,048, block 16, Alpaca's own "
            "lengths as OPT tokenizes them (means 19.31 prompt and 58.45 output tokens, as the paper's "
            "Fig. 11 gives them), 30 requests a second; 20 ticks a second (our assumption for an A100, "
            "as in the paper scenario). "
            "Short requests shrink what Orca wastes per request but not its reservation rule: Orca "
            "Max still reserves 2,048 slots each and runs 7 at a time. fragtui report --scenario "
            "paper-alpaca sets the four beside the paper's batches (7.00, 43.24, 72.75, 132.44).",
            {**PAPER_SETTING, "prompt_len": "alpaca", "output_len": "alpaca", "rate": 30.0},
            paper=True,
        ),
        Scenario(
            "vllm-gauges",
            "what vLLM's gauges say, and what they do not",
            "Requests of 17 tokens, the first 12 a shared system prompt, at block 16 with prefix "
            "caching. Each holds two blocks for 17 tokens, so when 128 of them fill the pool vLLM's "
            "own KV-usage gauge (1 − free blocks / blocks) reads 100 % while only 53.1 % of the "
            "slots hold a token (utilization): the gauge counts blocks, not tokens. And the cache "
            "hit rate is 0: the shared prompt never fills a block, and only full blocks are cached. "
            "Press k for blocks of 8: the prompt's first 8 tokens fill a block, every later request "
            "hits it (46.8 % of its tokens), and all 160 fit.",
            {"used_len": 17, "prefixes": "1:12", "prefix_caching": True, "arrivals": 160, "sides": "paged"},
        ),
        Scenario(
            "shared-prefix",
            "one system prompt, held once",
            "64 requests of 48 tokens, each starting with the same 32-token system prompt, into "
            "4,096 slots with max_len 64, with prefix caching on. Contiguous reserves 64 slots "
            "per request and admits all 64, so it holds the system prompt 64 times: 2,048 slots "
            "of identical tokens. Paged computes the prompt once, in r0's first two blocks "
            "(green: shared), and every later request's block table points at them: each takes "
            "one block of its own, and the sidebar counts 126 cache hits and 126 blocks saved by "
            "sharing. Hover over block 0 to see how many requests share it.",
            {"max_len": 64, "used_len": 48, "prefixes": "1:32", "prefix_caching": True},
        ),
        Scenario(
            "mooncake-chat",
            "real prefix reuse: an hour of Kimi's conversations",
            "The Mooncake conversation trace (Kimi's serving cluster, FAST 2025; shipped with fragtui, "
            "Apache-2.0): 12,031 requests, prompts of 12,035 tokens on average, each 512-token block "
            "named by an id (equal ids: equal tokens, and an equal prefix before them). They arrive "
            "into 16,777,216 slots at block 512, one block a trace block, and half the time an "
            "arrival frees a random live request (churn 0.5). Both panes are paged; the right one "
            "keeps freed blocks cached, as vLLM's prefix caching does, so a prompt that continues "
            "an earlier conversation finds its first blocks cached (blue) or held by a request still "
            "live (green: shared). By the end it has admitted 8,009 requests to plain paged's 7,069, "
            "with 36.8 % of the tokens it looked up found in the cache, near the paper's "
            "'approximately 40 %'. Press k to halve the block size: each trace block is then two "
            "blocks, shared together.",
            {"trace": str(MOONCAKE / "conversation_trace.jsonl.gz"), "total_slots": 1 << 24, "max_len": 131072,
             "block_size": 512, "frees": "churn:0.5", "sides": "paged,paged:prefix_caching=true"},
        ),
        Scenario(
            "mooncake-synthetic",
            "serving Kimi's requests with a prefix cache",
            "Serving mode on the Mooncake synthetic trace (3,993 requests over 17 minutes, prompts of "
            "15,326 tokens on average, outputs of 149; shipped, Apache-2.0), at its own arrival times, "
            "into 4,194,304 slots at block 512. Both panes are vLLM; the right one caches: a finished "
            "request's blocks stay in the free queue, cached (blue), until taken, and a later prompt "
            "that starts with them takes them back instead of computing them. 37.7 % of the prompt "
            "tokens it looks up are hits. Beside the token states, the sidebar shows what vLLM's "
            "own gauge would read (1 − free blocks / blocks), which counts a cached block as free. "
            "fragtui capacity --scenario mooncake-synthetic shows how the hit rate grows with the "
            "cache's size.",
            {"mode": "serving", "trace": str(MOONCAKE / "synthetic_trace.jsonl.gz"), "total_slots": 1 << 22,
             "max_len": 200000, "block_size": 512, "sides": "paged,paged:prefix_caching=true"},
        ),
        Scenario(
            "prefix-cache",
            "freed blocks stay cached",
            "120 requests of 130 to 400 tokens, each starting with one of three 128-token prompts "
            "(a, b, c: 8 blocks each), arrive while most of the live ones leave (churn 0.9), with "
            "prefix caching and vLLM's lifo free order. A freed full block keeps its identity "
            "(dark blue: cached) and goes to the back of the free queue, so when the next request "
            "with the same prompt arrives it takes those blocks back out of the free pool instead "
            "of computing them: the narration says how many. New blocks come from the front, "
            "evicting the least recently freed cached blocks first. Watch the hit rate settle "
            "near half: the prompts are cached, each request's own tokens never are of use.",
            {"lengths": "uniform:130:400", "prefixes": "3:128", "frees": "churn:0.9", "arrivals": 120,
             "order": "lifo", "prefix_caching": True},
        ),
        Scenario(
            "parallel-sampling",
            "four samples of every prompt share it",
            "Serving mode in the paper's setting (OPT-13B, 12 GiB of KV cache = 15,728 slots, "
            "block 16) with Alpaca's lengths (mean 19 prompt and 58 output tokens) "
            "and 4 samples of each prompt. Paged lays a prompt out once: its full blocks are "
            "shared (green) by all four samples' block tables for as long as they run; its last, "
            "partial block is copied on write when the samples write their first, different, "
            "tokens, so only three copies are made, and from then on each sample fills blocks of "
            "its own. Orca reserves a whole run for every sample. Alpaca's prompts are short, so "
            "sharing saves about a tenth of the blocks: the paper's Fig. 15 reports 6.1-9.8 %, "
            "and fragtui report --scenario parallel-sampling sets ours beside it.",
            {**_FIG15_SETTING, "samples": 4},
            fig15=True,
        ),
        Scenario(
            "beam-search",
            "beam candidates share their history",
            "Serving mode as in parallel-sampling, but each request runs a beam search of width 4. "
            "Every tick each new candidate extends one of the current beams: some beams are "
            "picked by several candidates and fork (their tables are copied, their blocks' counts "
            "rise, and a shared last block is copied on write), others by none and are dropped, "
            "their blocks freed unless another candidate still holds them. So candidates share "
            "their common history, most of their blocks (green), and differ only in their last "
            "few. Orca reserves a run per candidate. The paper's Fig. 15 reports 37.6-55.2 % of "
            "blocks saved for widths 2 to 6; fragtui report --scenario beam-search sets ours "
            "beside it. Our beams pick their parents at random (seeded), which merges histories "
            "faster than a real model's beams do: we save more.",
            {**_FIG15_SETTING, "beam_width": 4},
            fig15=True,
        ),
        Scenario(
            "placements",
            "every contiguous placement on one stream",
            "The churn stream (300 requests of 16 to 256 tokens, reserving the next power of two, "
            "random live ones leaving) through every contiguous placement side by side: first, best, "
            "worst and next fit, and a buddy allocator. The same frees leave different holes in each "
            "pool: watch the stranded slots and the fragmented rejections. At the end best fit has "
            "admitted the most (231) and worst fit the fewest (219): worst fit cuts the largest run "
            "every time, so it strands the most (992 slots in 12 holes, ext frag 83.9 %) and is "
            "turned away as fragmented 81 times. Press Tab to focus a pane and o to change just its "
            "placement.",
            {"lengths": "uniform:16:256", "arrivals": 300, "frees": "churn:0.8", "reservation": "pow2",
             "sides": "first,best,worst,next,buddy"},
        ),
        Scenario(
            "paged-blocks",
            "paged at three block sizes, side by side",
            "The seed's wave with 33-token requests through paged allocation at block sizes 4, 16 and "
            "64. All three admit all 64 requests; what differs is the last block of each: 3, 15 and "
            "31 slots of tail waste per request (192, 960 and 1,984 in all), against 576, 192 and 64 "
            "block-table entries. Small blocks waste little and cost long tables; big blocks the "
            "reverse. Press Tab to focus a pane and k or K to move just its block size.",
            {"used_len": 33, "sides": "paged:block_size=4,paged:block_size=16,paged:block_size=64"},
        ),
        Scenario(
            "third-way",
            "contiguous, paged and vAttention on the seed",
            "The seed's wave through the three ways, for Llama-2-7B (512 KiB a token: the 4,096 "
            "slots are 2 GiB). Contiguous reserves 512 slots a request, so 8 fit; paged gives each "
            "2 blocks of 16 and all 64 fit. vAttention keeps each request contiguous in virtual "
            "memory and maps physical pages into it on demand, so nothing strands; but the stock "
            "driver maps 2 MB pages, one a layer for K and one for V, and for this model such a "
            "step holds 256 tokens. Each request maps one page, 224 slots of it empty: 16 fit. "
            "Press P for the smaller pages of the authors' driver (64 KB: 8 tokens), and all 64 "
            "fit; v shows its virtual ranges.",
            {"model": "llama-2-7b", "sides": "contiguous,paged,vattention"},
        ),
        Scenario(
            "page-size",
            "vAttention's page size against paged's block",
            "ShareGPT-like requests served from 4 GiB of Llama-3-8B's KV cache (32,768 slots): paged "
            "at block 16, and vAttention with the authors' 64 KB pages (32 tokens) and the stock "
            "2 MB ones (1,024 tokens). 64 KB pages run nearly paged's batch (75 against 78 while "
            "requests wait); 2 MB pages waste most of each request's last page (internal frag 37 "
            "%) and run 31. Pages are mapped 9 tokens before they are needed, and a finished "
            "request's pages stay mapped to its slot (retained) until memory runs short.",
            {"mode": "serving", "kv_memory": "4GiB", "model": "llama-3-8b", "max_len": 2048,
             "prompt_len": "sharegpt", "output_len": "sharegpt", "arrivals": 400,
             "sides": "paged,vattention:page_size=64KiB,vattention:page_size=2MiB"},
        ),
        Scenario(
            "block-size",
            "the block-size trade-off",
            "The seed's wave with 33-token requests. The chart shows, for block_size 1, 4, 16, 64 "
            "and 256, paged's tail waste against its block-table entries: small blocks waste "
            "nothing but need many table entries; big blocks need few entries but waste most of "
            "each last block, and at 256 only 16 requests fit. Press k/K to move along it.",
            {"used_len": 33},
            chart="block_size",
        ),
    ]
}



def get_scenario(name: str) -> Scenario:
    found = find(name, SCENARIOS)
    if found is None:
        raise ParamError("scenario", name, one_of(name, SCENARIOS))
    return SCENARIOS[found]
