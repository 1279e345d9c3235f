"""Prefix caching in the paged allocator, with vLLM v1's rules (README, *Sharing*).

A full block's identity is its tokens and the identity of the block before it (vLLM hashes the
two). A request's tokens are (prefix letter, position) for its first prefix_len tokens and its
own after that, so the chain has two kinds of links: a block all of prefix `a`'s tokens at
index i is named ("a", i) — the chain to it is prefix a's first i + 1 blocks, whoever holds
them — and a block holding any token of request r's own is named (r, i), since its chain passes
through that token and no other request can ever compute it. Names, unlike hashes, never
collide, and two blocks get the same name exactly when vLLM's chained hashes would be equal.

Admission reuses the longest run of the request's leading full blocks whose identities are
cached, at most (tokens − 1) // block_size of them (the last token is always computed); each
reused block's reference count rises, and a cached block sitting in the free queue leaves it.
The other blocks come from the head of the free queue, and taking a block evicts the identity
it held. The request's new full blocks are then cached under their identities (unless the
identity is cached already, in another block: identities stay unique, where vLLM would keep a
duplicate it never hits). A free releases the table last block first; a block whose count
reaches zero goes to the queue's tail if it holds an identity (so cached blocks are evicted
least recently used first), otherwise where the free order puts it: the tail (`fifo`), the head
(`lifo`: vLLM's BlockPool, uncached blocks handed out next), or, with `lowest`, among the
uncached free blocks, which are all handed out, lowest first, before any cached one.

Everything is undone exactly from the outcome (see PagedOutcome): the free queue is a doubly
linked list, as vLLM's is, so a block leaves it from anywhere in O(1) and goes back after the
block that preceded it.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from fragtui.sim.outcomes import ADMITTED, FREED, NOOP, POOL_FULL, REJECTED, Identity, PagedOutcome, PrefixOutcome
from fragtui.sim.free_queues import LowestQueue
from fragtui.sim.paged import PagedAllocator
from fragtui.sim.requests import Request

_new = tuple.__new__
_NO_BLOCKS: list[int] = []


def block_identities(request: Request, block_size: int) -> list[Identity]:
    """The identities of a request's full blocks, in block-table order."""
    full = request.used // block_size
    shared = request.prefix_len // block_size if request.prefix else 0  # blocks all of the prefix's tokens
    return [(request.prefix, i) for i in range(shared)] + [(request.id, i) for i in range(shared, full)]


class _Links:
    """Blocks in a doubly linked list (arrays of next and previous, the sentinel at index n):
    O(1) to push at either end, pop the head, or take a block out from anywhere."""

    def __init__(self, n: int, filled: bool) -> None:
        self.end = n  # the sentinel
        if filled and n:
            self.nxt = list(range(1, n + 1)) + [0]
            self.prv = [n] + list(range(n - 1)) + [n - 1]
        else:
            self.nxt, self.prv = [n] * (n + 1), [n] * (n + 1)
        self.count = n if filled else 0

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[int]:
        nxt, end = self.nxt, self.end
        b = nxt[end]
        while b != end:
            yield b
            b = nxt[b]

    def insert_after(self, block: int, before: int) -> None:
        nxt, prv = self.nxt, self.prv
        after = nxt[before]
        nxt[before], prv[block], nxt[block], prv[after] = block, before, after, block
        self.count += 1

    def push_back(self, block: int) -> None:
        self.insert_after(block, self.prv[self.end])

    def push_front(self, block: int) -> None:
        self.insert_after(block, self.end)

    def remove(self, block: int) -> int:
        """Take `block` out; returns the block before it (the sentinel if it was the head)."""
        nxt, prv = self.nxt, self.prv
        before, after = prv[block], nxt[block]
        nxt[before], prv[after] = after, before
        self.count -= 1
        return before

    def pop_front(self) -> int:
        block = self.nxt[self.end]
        self.remove(block)
        return block


class PrefixCachingAllocator(PagedAllocator):
    """A paged allocator whose blocks are reference-counted and whose freed full blocks stay
    cached until taken. `used` counts the tokens in the blocks held, once each, so used +
    reserved + free + unusable is still the pool; `block_table_entries` counts every table's
    entries, and the difference from the blocks held is what sharing saves."""

    prefix_caching = True

    def __init__(self, total_slots: int, block_size: int, order: str = "fifo") -> None:
        super().__init__(total_slots, block_size, order)
        n = self.num_blocks
        self.refs = [0] * n
        self.identity: list[Identity | None] = [None] * n
        self.cache: dict[Identity, int] = {}  # identity -> the block holding it, held or free
        self.cached_free: set[int] = set()
        self.hits = self.misses = self.evictions = 0
        self.entries = 0
        # The free queue: with `lowest`, uncached free blocks are flags (handed out lowest
        # first) and the list holds only cached ones, behind them; otherwise the list is all of it.
        self.lowest = LowestQueue(n) if order == "lowest" else None
        self.links = _Links(n, filled=self.lowest is None)

    @property
    def block_table_entries(self) -> int:
        return self.entries

    def admit(self, request: Request) -> PagedOutcome:
        bs, used, rid = self.block_size, request.used, request.id
        need = -(-used // bs)
        identities = block_identities(request, bs)
        cache, refs = self.cache, self.refs
        reused = []
        for identity in identities[:(used - 1) // bs]:  # the last token is always computed
            block = cache.get(identity)
            if block is None:
                break
            reused.append(block)
        revive = [block for block in reused if not refs[block]]  # cached, in the free queue
        new = need - len(reused)
        if new + len(revive) > self.free_blocks:
            self.rejected_pool_full += 1
            return _new(PagedOutcome, (REJECTED, POOL_FULL, rid, _NO_BLOCKS, used))
        revived = tuple((block, self._unqueue(block)) for block in revive)
        for block in reused:
            refs[block] += 1
        taken, evicted = self._take_blocks(new)
        for block in taken:
            refs[block] = 1
        blocks = reused + taken
        for i in range(len(reused), len(identities)):
            identity = identities[i]
            if identity not in cache:
                cache[identity] = blocks[i]
                self.identity[blocks[i]] = identity
        self.tables[rid] = (blocks, used)
        self.free_blocks -= new + len(revive)
        self.used += used - (len(reused) - len(revive)) * bs  # (blocks already held are full and counted)
        self.entries += need
        self.hits += len(reused)
        self.misses += new
        self.admitted += 1
        return _new(PrefixOutcome, (ADMITTED, None, rid, blocks, used, len(reused), evicted, revived))

    def free_request(self, request_id: int) -> PagedOutcome:
        entry = self.tables.pop(request_id, None)
        if entry is None:
            return _new(PagedOutcome, (NOOP, None, request_id, _NO_BLOCKS, 0))
        blocks, used = entry
        bs, refs, identity, links = self.block_size, self.refs, self.identity, self.links
        fifo = self.order == "fifo"
        uncached = []  # released, holding no identity: they go where the free order says
        for i in range(len(blocks) - 1, -1, -1):  # last block first
            block = blocks[i]
            refs[block] -= 1
            if refs[block]:
                continue
            self.used -= min(bs, used - i * bs)
            if identity[block] is not None:
                links.push_back(block)
                self.cached_free.add(block)
            elif fifo:  # uncached blocks join the tail too, in the same release order
                links.push_back(block)
            else:
                uncached.append(block)
        if self.order == "lifo":  # as a group at the head, the table's last block first
            for block in reversed(uncached):
                links.push_front(block)
        elif uncached:
            assert self.lowest is not None
            self.lowest.give(uncached)
        freed = sum(not refs[block] for block in blocks)
        self.free_blocks += freed
        self.entries -= len(blocks)
        return _new(PagedOutcome, (FREED, None, request_id, blocks, used))

    def undo(self, outcome: PagedOutcome) -> None:
        """Exactly reverse `outcome`, which must be the last thing this allocator did."""
        kind, rid, blocks, used = outcome.kind, outcome.request_id, outcome.blocks, outcome.used
        refs, identity, cache = self.refs, self.identity, self.cache
        if kind == ADMITTED:
            del self.tables[rid]
            reused, new = blocks[:outcome.reused], blocks[outcome.reused:]
            for block in new:  # whatever identity a new block holds, this admission cached
                held = identity[block]
                if held is not None:
                    del cache[held]
                    identity[block] = None
                refs[block] = 0
            for block, held in reversed(outcome.evicted):
                identity[block] = held
                cache[held] = block
            self._untake_blocks(new)
            for block in reused:
                refs[block] -= 1
            for block, before in reversed(outcome.revived):
                self.links.insert_after(block, before)
                self.cached_free.add(block)
            self.free_blocks += len(new) + len(outcome.revived)
            self.used -= used - (len(reused) - len(outcome.revived)) * self.block_size
            self.entries -= len(blocks)
            self.hits -= len(reused)
            self.misses -= len(new)
            self.evictions -= len(outcome.evicted)
            self.admitted -= 1
        elif kind == REJECTED:
            self.rejected_pool_full -= 1
        elif kind == FREED:
            bs = self.block_size
            for i, block in enumerate(blocks):
                if not refs[block]:  # it went back to the queue: take it out again
                    if identity[block] is not None or self.lowest is None:
                        self.links.remove(block)
                        self.cached_free.discard(block)
                    else:
                        assert self.lowest is not None
                        self.lowest.ungive([block])
                    self.free_blocks -= 1
                    self.used += min(bs, used - i * bs)
                refs[block] += 1
            self.tables[rid] = (blocks, used)
            self.entries += len(blocks)

    def free_block_ids(self) -> list[int]:
        """Free blocks in the order they will be handed out."""
        head = self.lowest.order() if self.lowest is not None else []
        return head + list(self.links)

    def cached_identities(self) -> tuple[tuple[int, Identity], ...]:
        return tuple(sorted((block, identity) for identity, block in self.cache.items()))

    # -- the free queue --------------------------------------------------------------------

    def _unqueue(self, block: int) -> int:
        """A cached free block leaves the queue; returns the block before it, for undo."""
        self.cached_free.discard(block)
        return self.links.remove(block)

    def _take_blocks(self, n: int) -> tuple[list[int], tuple[tuple[int, Identity], ...]]:
        """`n` blocks from the head of the queue, and the identities taking them evicted."""
        taken: list[int] = []
        if self.lowest is not None:  # uncached blocks first, lowest first
            taken = self.lowest.take(min(n, len(self.lowest)))
        pop = self.links.pop_front
        taken += [pop() for _ in range(n - len(taken))]
        evicted = []
        identity, cache = self.identity, self.cache
        for block in taken:
            held = identity[block]
            if held is not None:
                del cache[held]
                identity[block] = None
                self.cached_free.discard(block)
                evicted.append((block, held))
        self.evictions += len(evicted)
        return taken, tuple(evicted)

    def _untake_blocks(self, blocks: Sequence[int]) -> None:
        """Put back blocks `_take_blocks` handed out (their evicted identities already restored)."""
        if self.lowest is not None:  # uncached ones came from the flags, cached ones from the list
            uncached = [block for block in blocks if self.identity[block] is None]
            if uncached:
                self.lowest.give(uncached)
            blocks = [block for block in blocks if self.identity[block] is not None]
        for block in reversed(blocks):
            self.links.push_front(block)
            if self.identity[block] is not None:
                self.cached_free.add(block)

    def clone(self) -> PagedAllocator:
        raise NotImplementedError("prefix caching is for event mode, whose history is undo, not copies")


def paged_allocator(total_slots: int, block_size: int, order: str, prefix_caching: bool = False) -> PagedAllocator:
    """The paged allocator the parameters ask for."""
    if prefix_caching:
        return PrefixCachingAllocator(total_slots, block_size, order)
    return PagedAllocator(total_slots, block_size, order)
