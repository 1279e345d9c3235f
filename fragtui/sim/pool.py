"""The one read contract every pool presents, whatever allocator and engine stand behind it.

A pool says what each request holds (its extents, in token order: one run for contiguous,
one extent per block for paged), how many tokens it holds now and how far they will reach,
where free space lies as a placement sees it, what is unusable, and below which length a
free run is stranded. A move (a step, a tick, an undo) says what it changed in a `Change`:
the requests whose holdings were replaced and those that only grew or shrank at their end.
The view draws from these and nothing else, so a new allocator needs only an adapter to
this contract (see `pools.py`), never a new picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterable, Iterator, Protocol, Sequence, overload

from fragtui.sim.allocators.block_runs import BlockRuns


@dataclass(frozen=True, slots=True)
class Holding:
    """What one request holds.

    Its slots, in token order, are `extent` slots from each of `starts`. The first `tokens`
    hold tokens; the rest up to `reach` are held for tokens (event mode: set aside, reserved
    but empty; serving mode: still to come); held slots past `reach` will never be used, and
    of those, the ones past `asked` (what the request asked for; its capacity, unless the
    allocator rounded it up) are rounding slack."""

    id: int
    starts: Sequence[int]
    extent: int
    tokens: int
    reach: int
    asked: int
    place: str = ""  # where else it lives, for hovering: vAttention's virtual range

    @property
    def capacity(self) -> int:
        return len(self.starts) * self.extent


class BlockStarts(Sequence[int]):
    """A block table read as slot starts, without copying it: O(1) to make, however long."""

    __slots__ = ("blocks", "block_size")

    def __init__(self, blocks: Sequence[int], block_size: int) -> None:
        self.blocks = blocks
        self.block_size = block_size

    def __len__(self) -> int:
        return len(self.blocks)

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[int]: ...
    def __getitem__(self, i: int | slice) -> int | Sequence[int]:
        if isinstance(i, slice):
            blocks = self.blocks[i]  # (kept as runs where the table is)
            if self.block_size == 1:  # slots are blocks: the table's slice
                return blocks if isinstance(blocks, BlockRuns) else list(blocks)
            return BlockStarts(blocks, self.block_size)
        return self.blocks[i] * self.block_size

    def __iter__(self) -> Iterator[int]:
        bs = self.block_size
        return (b * bs for b in self.blocks)


class Pool(Protocol):
    """A pool of `total_slots` token slots, read-only."""

    @property
    def total_slots(self) -> int: ...

    @property
    def block_size(self) -> int:
        """Slots per block: the unit a holder owns (1 for a contiguous pool)."""
        ...

    @property
    def unusable(self) -> int:
        """Slots past the last whole block, at the end of the pool: never handed out."""
        ...

    @property
    def stranded_below(self) -> int:
        """Free runs shorter than this are stranded (0: nothing is)."""
        ...

    def holding(self, rid: int) -> Holding | None:
        """What request `rid` holds now; None if it holds nothing."""
        ...

    def holdings(self) -> Iterable[Holding]:
        ...

    def free_runs_around(self, start: int, end: int) -> Iterable[tuple[int, int]]:
        """The free runs (start, length), as a placement sees free space, whose shape taking or
        giving back slots [start, end) may have changed: the runs touching it, and for a buddy
        allocator the buddies a split left. Empty where runs do not matter (paged)."""
        ...

    def free_runs(self) -> Iterable[tuple[int, int]]:
        """Every free run a placement sees (empty where runs do not matter)."""
        ...

    @property
    def free_block_count(self) -> int | None:
        """How many blocks are free, where any free block serves and a block is either free or
        held (a paged pool); None elsewhere."""
        ...

    def free_block_ids(self) -> Iterable[int]:
        """The free blocks, where free_block_count is not None: a picture of a mostly held pool
        draws these rather than every holding's table."""
        ...

    @property
    def shares(self) -> bool:
        """Whether a block here can have several holders or stay cached once free."""
        ...

    def holders(self, block: int) -> int:
        """How many holdings hold block `block` now (0: it is free); only where blocks are shared."""
        ...

    def copies(self, block: int) -> int:
        """How many blocks hold the cached identity block `block` holds: 2 or more where a
        block was computed again though cached (vLLM keeps such duplicates); 0 where none."""
        ...

    def cached_blocks(self) -> Collection[int]:
        """Free blocks that are kept: that still hold a cached block identity (prefix caching),
        as a live view, which a later request can take back without computing them; or pages
        still mapped to an idle virtual range (vAttention), as a frozenset made when asked,
        since they can come and go with no holding changing. Empty elsewhere. (Which blocks
        are shared needs no query: a block in more than one holding is.)"""
        ...

    @property
    def row_slots(self) -> int:
        """Slots each row of its picture should hold, where that is the point of the picture
        (a virtual address space: one request's range a row); 0 where any row will do."""
        ...

    @property
    def kept_as(self) -> str:
        """The state kept blocks are drawn in: "cached" or "retained" (view/states.py)."""
        ...


class Progress(Protocol):
    """How far a request's tokens are now and will reach: serving mode's side of a pool."""

    def tokens(self, rid: int) -> int: ...

    def reach(self, rid: int) -> int: ...


@dataclass(frozen=True, slots=True)
class Change:
    """What one move changed in one pool.

    `replaced`: requests whose holding is new, gone or different (admitted, freed, preempted,
    or such a move undone): drawn again from scratch. A block another holding shares, or that
    stays cached, changes only with such a holding, so this says almost all there is to
    redraw. `resized`: requests that kept their holding but whose tokens moved, or which
    gained or lost extents at its end (serving mode's growth, and any tick undone).
    `appended`: requests that kept their holding and gained exactly one token (serving mode's
    every tick, for most of what runs). `blocks`: blocks held by no holding before or after
    the move whose look may have changed all the same: a request admitted and preempted in
    one tick, with prefix caching, can leave blocks it took cached or uncached."""

    replaced: tuple[int, ...] = ()
    resized: tuple[int, ...] = ()
    appended: tuple[int, ...] = ()
    blocks: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.replaced or self.resized or self.appended or self.blocks)


NOTHING = Change()
