"""The help screen: the sides, the two kinds of waste, in this app's own numbers, and the keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from fragtui.tui.modal import modal_css

LESSON = """\
# What you are looking at

Every pane is the same pool of **token slots** (one slot holds one token's KV entry), fed
the same requests: one pane a **side**, and only the way memory is handed out differs.

**Contiguous** (the seed's left pane) gives every request one unbroken run of `max_len`
slots, because it cannot know how long the request will grow. **Paged** (the right) cuts the
pool into blocks of `block_size` slots and gives a request only the blocks its tokens fill,
from anywhere. `--sides` sets up to six side by side: `first,best,worst,next,buddy` (every
contiguous placement), `max,pow2,oracle,paged` (the paper's four systems, the `paper`
scenario) or `paged:block_size=8,paged:block_size=32`. `Tab` gives a pane focus: `o`, `O`,
`R`, `k` and `K` then change that side alone; without focus, every side they apply to.

## Internal fragmentation: waste inside an allocation

In the seed, each request holds 32 tokens but contiguous reserves 512 slots for it:
512 − 32 = **480 reserved slots** nobody can use. Eight such runs fill the 4,096-slot pool
(⌊4096 / 512⌋ = 8), wasting 8 × 480 = **3,840 slots**, while 56 requests are turned away.

Paged gives each request ⌈32 / 16⌉ = 2 blocks: no slot reserved, all 64 requests admitted
in 128 of the 256 blocks. Its only internal waste is the unfilled tail of a request's last
block, always less than one block: press `U` for 33 tokens and each request wastes 15 slots
in its third block (64 × 15 = 960).

## External fragmentation: waste between allocations

When requests leave, contiguous gets holes. A new request needs one run as long as its
reservation; if free space is plentiful but split into runs that are each too short, it is
rejected as **fragmented**, and those free slots are **stranded** (drawn in their own colour).
`ext frag % = 1 − largest free run / free`. Paged has none: any free block will do.

## Serving mode (`--mode serving`, the `paper` scenario)

Here a step is a **tick**: every running request appends one token. Contiguous (Orca) must
reserve at admission: `max` (max_len), `pow2` (the prompt plus the next power of two of the
output: the paper's rule; in event mode, where a request has no prompt and output, the next
power of two of its length) or `oracle` (exactly its final length). So its held memory splits
into token states, **future tokens** (reserved, will be used), **internal frag** (reserved,
never used), **rounding slack** (a `buddy` allocator's chunk past the reservation, never
used) and, while requests wait, **stranded** free runs too short for the head of the queue. Paged takes blocks as tokens come and, when none is
free, preempts the newest request. The sidebar's bars are the paper's Fig. 2.

## The third way: vAttention (the `third-way` scenario)

`vattention` keeps each request contiguous in *virtual* memory and maps physical pages into
it as it grows, so nothing strands and attention kernels keep their layout. Its waste is the
page: the stock driver's 2 MB, one a layer for K and one for V, holds 256 tokens of
Llama-2-7B, so a 32-token request leaves 224 slots of its page empty. `P` steps the page size
(the authors' 64 KB pages hold 8), `v` draws the virtual ranges instead of the physical pages.

## Colours

used · reserved (held, empty) · slack (a buddy allocator's rounding: held, never asked
for) · free · stranded (free, but in a run too short for a max_len request) · unusable
(past the last whole block) · retained (vAttention: free, but still mapped to the virtual
range of a request that finished, for the next one there). `c` colours by request instead,
so you can see paged's blocks scattered across the pool.

## Keys
"""


class HelpScreen(ModalScreen):
    # Each screen carries its own styles, parsed only when it first opens.
    DEFAULT_CSS = modal_css("HelpScreen", "#help-body", height="90%")
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close help")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = "| key | does |\n|---|---|\n" + "".join(
            f"| `{key}` | {what} |\n" for key, what in self.keys
        )
        with VerticalScroll(id="help-body"):
            yield Markdown(LESSON + table + "\nPress `escape` or `?` to close.")
