"""Serving mode: the pool over time, token by token (the PagedAttention paper's setting).

A request arrives at a tick with P prompt tokens and will generate O output tokens (final
length F = P + O). Ticks are numbered from 0; `ServingRun.tick` is how many have run. Tick t:
  1. requests that finished (appended all O tokens) free their memory;
  2. arrivals with arrival_tick ≤ t join the waiting queue (by arrival tick, then id);
  3. the queue admits first come, first served until the first request that does not fit;
  4. every running request (admitted this tick too) appends one token.

Contiguous (Orca) reserves one run at admission, sized by policy (`max`, `pow2`, `oracle`,
from F), and never grows. Paged takes ⌈tokens/block_size⌉ blocks at admission and one more
when a token crosses a block boundary; with no block free it preempts the most recently
admitted running request (blocks freed, back to the front of the queue, KV recomputed on
readmission, generated tokens kept) until the growth succeeds or the grower itself is out.

Choices where the issue is silent (what vLLM / nano-vllm do, unless said otherwise):
- Admission is prefill plus the first output token: a request admitted at tick t holds
  P + generated tokens at step 3 and one more after step 4 of the same tick.
- A request that completes at tick t keeps its memory until step 1 of tick t + 1. The run is
  over (step() returns None) after the tick that gives back the last memory: it ends with
  every pool empty and nothing running.
- prompt ≥ 1 and output ≥ 1 (vLLM refuses empty prompts and max_tokens < 1); F ≤ max_len.
  Anything else raises ValueError.
- A request that could not fit even in an empty pool (contiguous: reservation > total_slots;
  paged: ⌈F/block_size⌉ > blocks) is rejected when it reaches the head of the queue, like
  vLLM's "ignored" prompts, and counted in `rejected` instead of blocking the queue forever.
- Step 4 serves running requests in admission order, oldest first. The preemption victim is
  the last admitted; it has not appended yet this tick and does not. Several victims in one
  tick each go to the front, so the earliest admitted of them ends up first (nano-vllm's
  appendleft). A readmission is an admission: the request moves to the back of that order.
- The batch, and *running*, is one figure: the requests that appended a token in the tick,
  those that appended their last included (they free at the next tick) and those preempted
  in step 4 not (they did not run: vLLM preempts while it schedules). The narration, the
  sidebar, the pane and the averages all count it; `tokens_generated` is its sum.
- A tick is *queued* (memory-bound) when the waiting queue is non-empty at its end, the moment
  the breakdown is taken; `stranded` measures against that queue's head. For contiguous that
  head is one that did not fit, so then every free slot is stranded (the paper's external
  fragmentation) and `free` is 0.
- Σ batch over a whole run is Σ output whatever the allocator, so `mean_batch`
  (over all ticks, as the paper's Fig. 13) mostly says how long the run took;
  `mean_batch_queued` (over queued ticks) is the memory-bound batch.
- Averages over "all ticks" include idle ticks (before the first arrival, gaps between).
  An average over nothing is 0.0.

How it stays fast: nothing is done per token. A running request holds `base + tick` tokens,
so totals are sums kept incrementally. Only ticks that free memory or change the queue (a
free, an arrival, the tick after a preemption) and ticks whose growths would need a
preemption are run one by one; everything between (appends, completions, growths that find
blocks) is run as one stretch, arithmetic series for the tallies and one take from the free
queue for all its growths.

History: a checkpoint (a copy of the engine) every `checkpoint_every` events; `goto` restores
the nearest checkpoint at or before the target and replays forward, which skips quiet ticks,
so a step back costs at most that many events. The run is deterministic, so the completion
order is one shared log that replays only extend.
"""

import importlib
from typing import TYPE_CHECKING, Any

from fragtui.sim.engines.serving.types import RequestState

if TYPE_CHECKING:
    from fragtui.sim.engines.serving.side_by_side import compare
    from fragtui.sim.engines.serving.run import ServingRun

__all__ = ["RequestState", "ServingRun", "compare"]


def __getattr__(name: str) -> Any:
    """The engine (run.py, and multiprocessing with it) loads when first asked for: an app that
    starts in event mode reads only the types, and starts about 10 ms sooner for it."""
    home = {"ServingRun": "run", "compare": "side_by_side"}.get(name)
    if home is not None:
        return getattr(importlib.import_module(f"fragtui.sim.engines.serving.{home}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
