"""Prefix caching in the paged allocator, with vLLM v1's rules (README, *Sharing*).

A full block is cached under its identity, what it is called (block_names.py).

Admission reuses the longest run of the request's leading full blocks whose identities are
cached, at most (tokens − 1) // block_size of them (the last token is always computed); each
reused block's reference count rises, and a cached block sitting in the free queue leaves it.
The other blocks come from the head of the free queue, and taking a block evicts the identity
it held. Every new full block is then cached under its identity, even where another block holds
that identity already: vLLM's map keeps both copies (`BlockHashToBlockMap.insert` does not
de-duplicate, so that block tables stay append-only), a lookup answers with the copy inserted
first that is still there, and each copy is freed to the tail and evicted on its own. (A block-
aligned arrival that is all prefix makes one: its last block is computed again. nano-vllm's map
keeps only the newest copy; we follow vLLM.) A free releases the table last block first; a
block whose count reaches zero goes to the queue's tail if it holds an identity (so cached
blocks are evicted least recently used first), otherwise where the free order puts it: the tail
(`fifo`), the head (`lifo`: vLLM's BlockPool, uncached blocks handed out next), or, with
`lowest`, among the uncached free blocks, which are all handed out, lowest first, before any
cached one.

Everything is kept in runs, since a Mooncake prompt is some 800 blocks of 16 whose identities
follow each other (a hash id's 32 sub-blocks, and hash ids that follow each other) and whose
blocks come out of the free queue in runs: each step costs the runs it touches, not the blocks
(issue 21). The cache maps runs of identities to runs of blocks (cache_map.py); the free queue
is a doubly linked list of pieces, runs of blocks with their identities, as vLLM's is of
blocks, so blocks leave it from anywhere (piece_list.py); the reference counts are a byte a
block, counted a run at a time (refcounts.BlockCounts). A table remembers its identities as
runs too (`block_names.name_runs`): a block's identity is its request's at its place in the table.

Memory follows the blocks in use, not the pool: the counts and the queue's index reach the
highest block ever handed out, and the blocks never handed out are one piece in the queue (a
pool of 16,777,216 blocks costs nothing until used).

Everything is undone exactly from the outcome (see PrefixOutcome): the cache from the log of
what an admission changed in it, the queue by putting blocks back after the blocks that
preceded them.
"""

from __future__ import annotations

from itertools import chain
from typing import Callable, Collection, Iterator

from fragtui.sim.allocators.block_names import NameRun, name_runs
from fragtui.sim.allocators.block_runs import BlockRuns, Run, RunSet, Table, joined, runs_of
from fragtui.sim.allocators.cache_map import CacheMap, Log, identity, runs_in
from fragtui.sim.allocators.free_queues import LowestQueue
from fragtui.sim.allocators.outcomes import (ADMITTED, FREED, NOOP, POOL_FULL, REJECTED, Identity, PagedOutcome,
                                             PrefixOutcome)
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.allocators.piece_list import Name, Piece, PieceList
from fragtui.sim.allocators.refcounts import BlockCounts
from fragtui.sim.workload.requests import Request

_new = tuple.__new__
_NO_BLOCKS: list[int] = []

class Named(Collection[tuple[int, Identity]]):
    """Pieces' blocks with their identities, read as (block, identity) (made when read): what
    an admission evicted or took back out of the free queue."""

    def __init__(self, pieces: list[Piece], block_size: int) -> None:
        self.pieces = [(run, name) for run, name in pieces if name is not None]
        self.block_size = block_size
        self.size = sum(len(run) for run, _ in self.pieces)

    def __len__(self) -> int:
        return self.size

    def __contains__(self, item: object) -> bool:
        return any(item == pair for pair in self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Named) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[tuple[int, Identity]]:
        for run, name in self.pieces:
            assert name is not None
            space, first, step = name
            for k, block in enumerate(run):
                yield block, identity(space, first + k * step, self.block_size)


class CachedFree(RunSet):
    """The free blocks that still hold a cached identity: a live view of the free queue."""

    def __init__(self, links: PieceList) -> None:
        self.links = links

    def __contains__(self, block: object) -> bool:
        return isinstance(block, int) and self.links.is_named(block)

    def __iter__(self) -> Iterator[int]:
        return chain.from_iterable(self.runs())

    def __len__(self) -> int:
        return self.links.named

    def runs(self) -> list[Run]:
        return [run for run, name in self.links.pieces() if name is not None]


class PrefixCachingAllocator(PagedAllocator):
    """A paged allocator whose blocks are reference-counted and whose freed full blocks stay
    cached until taken. `used` counts the tokens in the blocks held, once each, so used +
    reserved + free + unusable is still the pool; `block_table_entries` counts every table's
    entries, and the difference from the blocks held is what sharing saves.

    `counts` holds how many tables hold each block; `cache` which blocks hold each identity,
    in the order they were cached (more than one where vLLM keeps duplicates); `links` the
    free queue with the identities its blocks still hold; `names` each table's identities."""

    prefix_caching = True

    def __init__(self, total_slots: int, block_size: int, order: str = "fifo") -> None:
        self._setup(total_slots, block_size, order)
        n = self.num_blocks
        self.counts = BlockCounts()
        self.cache = CacheMap(block_size)
        self.names: dict[int, list[NameRun]] = {}
        self.hits = self.misses = self.evictions = 0
        self.queried = 0  # tokens admissions looked up (vLLM's queries): their prompts
        self.entries = 0
        # The free queue: with `lowest`, uncached free blocks are flags (handed out lowest
        # first) and the list holds only cached ones, behind them; otherwise the list is all of it.
        self.lowest = LowestQueue(n) if order == "lowest" else None
        self.links = PieceList(n, filled=self.lowest is None)
        self.cached_free = CachedFree(self.links)

    @property
    def block_table_entries(self) -> int:
        return self.entries

    def sharing(self) -> dict[str, int]:
        return {"prefix_hits": self.hits, "prefix_misses": self.misses, "evictions": self.evictions,
                "saved_blocks": self.saved_blocks, "hit_tokens": self.hits * self.block_size,
                "queried_tokens": self.queried}

    def refcount(self, block: int) -> int:
        """How many block tables hold `block` now."""
        return self.counts.of(block)

    def copies(self, block: int) -> int:
        """How many blocks hold the identity `block` holds (more than one: duplicates)."""
        named = self.cache.named(block)
        return 0 if named is None else self.cache.copies(*named)

    def admit(self, request: Request) -> PagedOutcome:
        bs, used, rid = self.block_size, request.used, request.id
        need = -(-used // bs)
        if need - (used - 1) // bs > self.free_blocks:  # short even if every block but the last were a hit
            self.rejected_pool_full += 1
            return _new(PagedOutcome, (REJECTED, POOL_FULL, rid, _NO_BLOCKS, used))
        names = name_runs(request, bs)
        # The longest run of cached identities from the start, but never the last token's
        # block (it is always computed); of each, the copy cached first, as vLLM's map answers.
        hits = self.cache.lookup(names, (used - 1) // bs)
        reused = sum(map(len, hits))
        revive = [part for run in hits for _, part in self.counts.free_in(run)]  # cached, in the free queue
        back = sum(map(len, revive))
        new = need - reused
        if new + back > self.free_blocks:
            self.rejected_pool_full += 1
            return _new(PagedOutcome, (REJECTED, POOL_FULL, rid, _NO_BLOCKS, used))
        revived = [taken for run in revive for taken in self.links.remove(run)]
        self.counts.hold(hits)
        low = self.links.low
        taken = self._take_pieces(new)
        log: Log = []
        evicted = Named(taken, bs)
        for run, name in evicted.pieces:
            self._evict(run, name, log)
        fresh = [run for run, _ in taken]
        self.counts.hold(fresh)
        duplicates = self._name(names, reused, used // bs, fresh, log)
        blocks = _table(hits + fresh, need)
        self.tables[rid] = (blocks, used)
        self.names[rid] = names
        self.free_blocks -= new + back
        self.used += used - (reused - back) * bs  # (blocks already held are full and counted)
        self.entries += need
        self.hits += reused
        self.misses += new
        self.queried += used
        self.evictions += len(evicted)
        self.admitted += 1
        return _new(PrefixOutcome, (ADMITTED, None, rid, blocks, used, reused, evicted,
                                    Named([piece for _, piece in revived], bs) if revived else (), duplicates, names,
                                    (hits, taken, revived, log, low)))

    def free_request(self, request_id: int) -> PagedOutcome:
        entry = self.tables.pop(request_id, None)
        if entry is None:
            return _new(PagedOutcome, (NOOP, None, request_id, _NO_BLOCKS, 0))
        blocks, used = entry
        names = self.names.pop(request_id)
        released, tokens = self._released(blocks, used, names, self.counts.let_go)
        if self.order == "fifo":  # uncached blocks join the tail too, in the same release order
            self.links.push_back(released)
        else:
            self.links.push_back([piece for piece in released if piece[1] is not None])
            uncached = [piece for piece in released if piece[1] is None]
            if self.lowest is not None:
                if uncached:
                    self.lowest.give(_runs([run for run, _ in uncached]))
            else:  # lifo: as a group at the head, the table's last block first
                self.links.push_front(uncached)
        self.free_blocks += sum(len(run) for run, _ in released)
        self.used -= tokens  # (blocks a serving request grew into hold none of it)
        self.entries -= len(blocks)
        return _new(PrefixOutcome, (FREED, None, request_id, blocks, used, 0, (), (), 0, names, None))

    def undo(self, outcome: PagedOutcome) -> None:
        """Exactly reverse `outcome`, which must be the last thing this allocator did."""
        kind, rid, blocks, used = outcome.kind, outcome.request_id, outcome.blocks, outcome.used
        if kind == ADMITTED:
            assert isinstance(outcome, PrefixOutcome)
            hits, taken, revived, log, low = outcome.undo
            del self.tables[rid], self.names[rid]
            self.cache.undo(log)
            for run, _ in taken:
                self.counts.let_go(run)
            self._untake_pieces(taken, low)
            for run in hits:
                self.counts.let_go(run)
            for prior, piece in reversed(revived):
                self.links.insert_after(prior, piece)
            back = sum(len(run) for _, (run, _) in revived)
            self.free_blocks += len(blocks) - outcome.reused + back
            self.used -= used - (outcome.reused - back) * self.block_size
            self.entries -= len(blocks)
            self.hits -= outcome.reused
            self.misses -= len(blocks) - outcome.reused
            self.queried -= used
            self.evictions -= len(outcome.evicted)
            self.admitted -= 1
        elif kind == REJECTED:
            self.rejected_pool_full -= 1
        elif kind == FREED:
            assert isinstance(outcome, PrefixOutcome)
            names = outcome.names
            released, tokens = self._released(blocks, used, names, self.counts.free_in)
            cached = sum(len(run) for run, name in released if name is not None)
            if self.order == "fifo":
                self.links.pop_back(sum(len(run) for run, _ in released))
            else:
                self.links.pop_back(cached)
                uncached = [run for run, name in released if name is None]
                if self.lowest is not None:
                    if uncached:
                        self.lowest.ungive(_runs(uncached))
                else:
                    self.links.pop_front(sum(map(len, uncached)))
            self.counts.hold(runs_of(blocks))
            self.tables[rid] = (blocks, used)
            self.names[rid] = names
            self.free_blocks -= sum(len(run) for run, _ in released)
            self.used += tokens
            self.entries += len(blocks)

    # -- serving mode: growth ---------------------------------------------------------------

    def grow(self, request_id: int) -> int:
        """One more block for a live request whose blocks its tokens fill (serving mode's
        growth), from the head of the queue; the block that just filled is cached, as vLLM
        caches blocks as they fill. Returns the new block."""
        self.grow_each([request_id])
        return self.tables[request_id][0][-1]

    def grow_each(self, request_ids: list[int]) -> None:
        """As `grow` for each of `request_ids` in turn. Raises ValueError if too few blocks are free."""
        wanted = len(request_ids)
        if wanted > self.free_blocks:
            raise ValueError(f"{wanted} blocks wanted, {self.free_blocks} free")
        taken = self._take_pieces(wanted)
        evicted = Named(taken, self.block_size)
        for run, name in evicted.pieces:
            self._evict(run, name, [])
        tables, names = self.tables, self.names
        for rid, block in zip(request_ids, chain.from_iterable(run for run, _ in taken)):
            table = tables[rid][0]
            place = len(table) - 1
            if table and sum(n for _, _, n in names[rid]) == place:  # the block its last token filled
                self.cache.add(rid, place, range(table[-1], table[-1] + 1), [])
                names[rid] = _named_on(names[rid], rid, place)
            table.append(block)
        self.counts.hold(run for run, _ in taken)
        self.free_blocks -= wanted
        self.entries += wanted
        self.misses += wanted
        self.evictions += len(evicted)

    def free_block_ids(self) -> list[int]:
        """Free blocks in the order they will be handed out."""
        head = self.lowest.order() if self.lowest is not None else []
        return head + list(self.links)

    def clone(self) -> PrefixCachingAllocator:
        """An independent copy (serving mode's history checkpoints)."""
        twin = PrefixCachingAllocator.__new__(PrefixCachingAllocator)
        twin.__dict__.update(self.__dict__)
        twin.tables = {rid: (blocks.copy(), used) for rid, (blocks, used) in self.tables.items()}
        twin.names = dict(self.names)  # (lists replaced, never changed: outcomes hold them)
        twin.counts, twin.cache, twin.links = self.counts.copy(), self.cache.copy(), self.links.copy()
        twin.lowest = self.lowest.copy() if self.lowest is not None else None
        twin.cached_free = CachedFree(twin.links)
        return twin

    def cached_identities(self) -> tuple[tuple[int, Identity], ...]:
        """(block, identity) for every block holding one, held or free, by block; duplicates too."""
        return tuple(sorted(self.cache.items()))

    # -- inside ------------------------------------------------------------------------------

    def _take_pieces(self, n: int) -> list[Piece]:
        """`n` blocks from the head of the queue, as the pieces they were in (with the
        identities they held, which the caller evicts)."""
        taken: list[Piece] = []
        if self.lowest is not None:  # uncached blocks first, lowest first
            k = min(n, len(self.lowest))
            if k:
                taken = [(run, None) for run in runs_of(self.lowest.take_table(k))]
            n -= k
        if n:
            taken += self.links.take(n)
        return taken

    def _untake_pieces(self, taken: list[Piece], low: int) -> None:
        """Put back what `_take` handed out (their evicted identities restored already);
        `low`, where the untouched blocks began before the take."""
        if self.lowest is not None:  # uncached ones came from the flags, cached ones from the list
            flagged = [run for run, name in taken if name is None]
            if flagged:
                self.lowest.give(_runs(flagged))
            taken = [piece for piece in taken if piece[1] is not None]
        self.links.untake(taken, low)

    def _evict(self, run: Run, name: Name, log: Log) -> None:
        """The blocks of `run` (in queue order, holding `name`) no longer hold it."""
        assert name is not None
        space, first, step = name
        if step > 0 or len(run) == 1:
            self.cache.remove(space, first, run, log)
        else:  # (in the cache's order: identities ascending)
            self.cache.remove(space, first - len(run) + 1, run[::-1], log)

    def _name(self, names: list[NameRun], start: int, stop: int, fresh: list[Run], log: Log) -> int:
        """Cache the identities of table places start .. stop − 1 in the new blocks `fresh`
        (from place `start` on); how many were cached already (duplicates)."""
        duplicates, runs = 0, iter(fresh)
        run: Run = next(runs, range(0))
        for space, i, n in runs_in(names, start, stop):
            while n:
                if not run:
                    run = next(runs)
                k = min(n, len(run))
                duplicates += self.cache.add(space, i, run[:k], log)
                run, i, n = run[k:], i + k, n - k
        return duplicates

    def _released(self, blocks: Table, used: int, names: list[NameRun],
                  parts: Callable[[Run], list[tuple[int, Run]]]) -> tuple[list[Piece], int]:
        """What freeing a table gives back, in release order (last block first): the pieces of
        the blocks `parts` says no table holds, each run with its identities, and the tokens
        they held."""
        bs, named = self.block_size, sum(n for _, _, n in names)
        released: list[Piece] = []
        tokens, end = 0, len(blocks)
        k, low = len(names), named  # names[k] covers table places low .. (walked down)
        for run in reversed(runs_of(blocks)):
            end -= len(run)
            for place, part in reversed(parts(run)):
                a = end + place  # its first block's place in the table
                b = a + len(part)
                tokens += max(0, min(used, b * bs) - a * bs)
                if b > named:  # the last blocks hold no identity
                    released.append((part[max(0, named - a):][::-1], None))
                    b = named
                while b > a:  # the rest, a piece per run of names
                    while low >= b:
                        k -= 1
                        low -= names[k][2]
                    space, i, _ = names[k]
                    start = max(a, low)
                    released.append((part[start - a:b - a][::-1], (space, i + b - 1 - low, -1)))
                    b = start
        return released, tokens


def _runs(runs: list[Run]) -> BlockRuns:
    return BlockRuns(list(runs))


def _table(runs: list[Run], need: int) -> Table:
    """A block table of `runs`, ranges joined where they carry on: its runs, unless they are so
    short that a list costs less, and is what a short paged table is (a list at the end
    copied: serving growth appends to it)."""
    kept: list[Run] = []
    for run in runs:
        both = joined(kept[-1], run) if kept and type(kept[-1]) is range and type(run) is range else None
        if both is None:
            kept.append(run)
        else:
            kept[-1] = both
    if len(kept) * 4 > need:  # fewer than four blocks a run
        return list(chain.from_iterable(kept))
    if type(kept[-1]) is list:
        kept[-1] = list(kept[-1])
    return BlockRuns(kept)


def _named_on(names: list[NameRun], rid: int, place: int) -> list[NameRun]:
    """`names` with request `rid`'s own block at `place` named too (a new list: an outcome may
    hold the old one)."""
    if names and names[-1][0] == rid and names[-1][1] + names[-1][2] == place:
        return names[:-1] + [(rid, names[-1][1], names[-1][2] + 1)]
    return names + [(rid, place, 1)]
