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

Memory follows the blocks in use, not the pool: reference counts and identities are kept for
the blocks that have them, and the free queue links only blocks handed out at least once; the
blocks never handed out are one run in it (a pool of 16,777,216 blocks costs nothing until used).

Everything is undone exactly from the outcome (see PagedOutcome): the free queue is a doubly
linked list, as vLLM's is, so a block leaves it from anywhere in O(1) and goes back after the
block that preceded it.
"""

from __future__ import annotations

import copy
from itertools import chain, islice, takewhile
from typing import Iterator, Sequence, cast

from fragtui.sim.allocators.outcomes import ADMITTED, FREED, NOOP, POOL_FULL, REJECTED, Identity, PagedOutcome, PrefixOutcome
from fragtui.sim.allocators.free_queues import LowestQueue
from fragtui.sim.allocators.refcounts import RefCounts
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.workload.requests import HASH_BLOCK, Request

_new = tuple.__new__
_NO_BLOCKS: list[int] = []


def _is_not_none(value: object) -> bool:
    return value is not None


def block_identities(request: Request, block_size: int) -> list[Identity]:
    """The identities of a request's full blocks, in block-table order: a shared prefix's
    (its letter and the block's place), then the request's own (its id and place).

    A request named by Mooncake's hash ids (one per full HASH_BLOCK of 512 tokens) maps them onto
    `block_size`: the block starting at token t of hash block h is the number h × 512 + t, so
    the blocks of one 512-token block are shared wherever it is (an id names its prefix too),
    and numbers are never a prefix's or a request's own (tuples); a block of several hash
    blocks is −1 − the last of them. The sizes must divide one the other (workload.build
    refuses the rest). Numbers, in ranges, because a Mooncake prompt is some 800 blocks of 16."""
    full = request.used // block_size
    if request.hashes:
        if block_size <= HASH_BLOCK:
            named: list[Identity] = list(chain.from_iterable(
                range(h * HASH_BLOCK, (h + 1) * HASH_BLOCK, block_size) for h in request.hashes))
        else:
            m = block_size // HASH_BLOCK
            named = [-1 - request.hashes[k] for k in range(m - 1, len(request.hashes), m)]
        del named[full:]
        return named + [(request.id, i) for i in range(len(named), full)]
    shared = request.prefix_len // block_size if request.prefix else 0  # blocks all of the prefix's tokens
    return [(request.prefix, i) for i in range(shared)] + [(request.id, i) for i in range(shared, full)]


END = -1  # the free list's sentinel
UNTOUCHED = -2  # the free list's node for the blocks never handed out: [low, n)


class _FreeList:
    """Free blocks in a doubly linked list (dicts of next and previous, END the sentinel):
    O(1) to push at either end, pop the head, or take a block out from anywhere. Blocks never
    handed out are one node, UNTOUCHED, standing for [low, n) in order, so the list costs the
    blocks that have been used, not the pool."""

    def __init__(self, n: int, filled: bool) -> None:
        self.n = n
        self.low = 0 if filled else n  # blocks from here on were never handed out
        self.nxt: dict[int, int] = {END: END}
        self.prv: dict[int, int] = {END: END}
        if self.low < n:
            self.nxt[END] = self.prv[END] = UNTOUCHED
            self.nxt[UNTOUCHED] = self.prv[UNTOUCHED] = END
        self.count = n - self.low

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[int]:
        nxt = self.nxt
        b = nxt[END]
        while b != END:
            if b == UNTOUCHED:
                yield from range(self.low, self.n)
            else:
                yield b
            b = nxt[b]

    def insert_after(self, block: int, before: int) -> None:
        nxt, prv = self.nxt, self.prv
        after = nxt[before]
        nxt[before], prv[block], nxt[block], prv[after] = block, before, after, block
        self.count += 1

    def push_back(self, block: int) -> None:
        self.insert_after(block, self.prv[END])

    def extend_back(self, blocks: list[int]) -> None:
        """push_back each of `blocks` in turn (in one pass: a long table's release)."""
        nxt, prv = self.nxt, self.prv
        last = prv[END]
        for block in blocks:
            nxt[last] = block
            prv[block] = last
            last = block
        nxt[last], prv[END] = END, last
        self.count += len(blocks)

    def push_front(self, block: int) -> None:
        self.insert_after(block, END)

    def _unlink(self, node: int) -> int:
        nxt, prv = self.nxt, self.prv
        before, after = prv.pop(node), nxt.pop(node)
        nxt[before], prv[after] = after, before
        return before

    def remove(self, block: int) -> int:
        """Take `block` (one handed out before) out; returns the node before it, for undo."""
        self.count -= 1
        return self._unlink(block)

    def take_front(self, n: int) -> list[int]:
        """pop_front `n` times (in one pass where the head is blocks used before)."""
        nxt, prv = self.nxt, self.prv
        taken: list[int] = []
        head = nxt[END]
        while len(taken) < n and head != UNTOUCHED and head != END:
            taken.append(head)
            del prv[head]
            head = nxt.pop(head)
        nxt[END], prv[head] = head, END
        self.count -= len(taken)
        pop = self.pop_front
        taken += [pop() for _ in range(n - len(taken))]  # (from the run never handed out)
        return taken

    def pop_front(self) -> int:
        self.count -= 1
        head = self.nxt[END]
        if head != UNTOUCHED:
            self._unlink(head)
            return head
        block = self.low
        self.low += 1
        if self.low == self.n:
            self._unlink(UNTOUCHED)
        return block

    def unpop_front(self, block: int, low: int) -> None:
        """Undo a `pop_front` that returned `block`, the pops after it undone already; `low`
        is where the untouched run started before the take, so a block at or past it came
        from there and goes back into it."""
        if self.low > low and block == self.low - 1:
            if self.low == self.n:  # the run was used up: it comes back, at the head
                self.insert_after(UNTOUCHED, END)
                self.count -= 1  # (the node itself is not a block)
            self.low = block
            self.count += 1
        else:
            self.push_front(block)


class PrefixCachingAllocator(PagedAllocator):
    """A paged allocator whose blocks are reference-counted and whose freed full blocks stay
    cached until taken. `used` counts the tokens in the blocks held, once each, so used +
    reserved + free + unusable is still the pool; `block_table_entries` counts every table's
    entries, and the difference from the blocks held is what sharing saves.

    `refs` holds the count of every block held (and no other); `identity` the identity of every
    block that has one, held or free; `cache` maps an identity to the blocks holding it, in the
    order they were cached (more than one where vLLM keeps duplicates)."""

    prefix_caching = True

    def __init__(self, total_slots: int, block_size: int, order: str = "fifo") -> None:
        self._setup(total_slots, block_size, order)
        n = self.num_blocks
        self.refs = RefCounts()
        self.identity: dict[int, Identity] = {}
        self.cache: dict[Identity, list[int]] = {}
        self.cached_free: set[int] = set()
        self.hits = self.misses = self.evictions = 0
        self.queried = 0  # tokens admissions looked up (vLLM's queries): their prompts
        self.entries = 0
        # The free queue: with `lowest`, uncached free blocks are flags (handed out lowest
        # first) and the list holds only cached ones, behind them; otherwise the list is all of it.
        self.lowest = LowestQueue(n) if order == "lowest" else None
        self.links = _FreeList(n, filled=self.lowest is None)

    @property
    def block_table_entries(self) -> int:
        return self.entries

    def sharing(self) -> dict[str, int]:
        return {"prefix_hits": self.hits, "prefix_misses": self.misses, "evictions": self.evictions,
                "saved_blocks": self.saved_blocks, "hit_tokens": self.hits * self.block_size,
                "queried_tokens": self.queried}

    def refcount(self, block: int) -> int:
        """How many block tables hold `block` now."""
        return self.refs.of(block)

    def copies(self, block: int) -> int:
        """How many blocks hold the identity `block` holds (more than one: duplicates)."""
        held = self.identity.get(block)
        return 0 if held is None else len(self.cache[held])

    def admit(self, request: Request) -> PagedOutcome:
        bs, used, rid = self.block_size, request.used, request.id
        need = -(-used // bs)
        if need - (used - 1) // bs > self.free_blocks:  # short even if every block but the last were a hit
            self.rejected_pool_full += 1
            return _new(PagedOutcome, (REJECTED, POOL_FULL, rid, _NO_BLOCKS, used))
        identities = block_identities(request, bs)
        cache, refs = self.cache, self.refs
        # The longest run of cached identities from the start, but never the last token's
        # block (it is always computed); of each, the copy cached first, as vLLM's map answers.
        hits = cast(Iterator[list[int]], takewhile(_is_not_none, map(cache.get, islice(identities, (used - 1) // bs))))
        reused = [copies[0] for copies in hits]
        revive = [block for block in reused if block not in refs]  # cached, in the free queue
        new = need - len(reused)
        if new + len(revive) > self.free_blocks:
            self.rejected_pool_full += 1
            return _new(PagedOutcome, (REJECTED, POOL_FULL, rid, _NO_BLOCKS, used))
        revived = tuple((block, self._unqueue(block)) for block in revive)
        for block in reused:
            refs[block] = refs.get(block, 0) + 1
        low = self.links.low
        taken, evicted = self._take_blocks(new)
        for block in taken:
            refs[block] = 1
        blocks = reused + taken
        duplicates, first = 0, len(reused)
        get = cache.get
        for identity, block in zip(identities[first:], blocks[first:]):
            copies = get(identity)
            if copies is None:
                cache[identity] = [block]
            else:  # computed again though cached: vLLM keeps both
                copies.append(block)
                duplicates += 1
        self.identity.update(zip(blocks[first:], identities[first:]))
        self.tables[rid] = (blocks, used)
        self.free_blocks -= new + len(revive)
        self.used += used - (len(reused) - len(revive)) * bs  # (blocks already held are full and counted)
        self.entries += need
        self.hits += len(reused)
        self.misses += new
        self.queried += used
        self.admitted += 1
        return _new(PrefixOutcome, (ADMITTED, None, rid, blocks, used, len(reused), evicted, revived, low,
                                    duplicates))

    def free_request(self, request_id: int) -> PagedOutcome:
        entry = self.tables.pop(request_id, None)
        if entry is None:
            return _new(PagedOutcome, (NOOP, None, request_id, _NO_BLOCKS, 0))
        blocks, used = entry
        bs, refs, identity, links = self.block_size, self.refs, self.identity, self.links
        fifo = self.order == "fifo"
        uncached = []  # released, holding no identity: they go where the free order says
        tail = []  # released to the queue's tail, in release order
        freed = 0
        for i in range(len(blocks) - 1, -1, -1):  # last block first
            block = blocks[i]
            count = refs[block] - 1
            if count:
                refs[block] = count
                continue
            del refs[block]
            freed += 1
            self.used -= max(0, min(bs, used - i * bs))  # (blocks a serving request grew into hold none of it)
            if block in identity:
                tail.append(block)
            elif fifo:  # uncached blocks join the tail too, in the same release order
                tail.append(block)
            else:
                uncached.append(block)
        links.extend_back(tail)
        self.cached_free.update(block for block in tail if block in identity)
        if self.order == "lifo":  # as a group at the head, the table's last block first
            for block in reversed(uncached):
                links.push_front(block)
        elif uncached:
            assert self.lowest is not None
            self.lowest.give(uncached)
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
            for block in new:  # whatever identity a new block holds, this admission cached, last
                held = identity.pop(block, None)
                if held is not None:
                    copies = cache[held]
                    copies.pop()
                    if not copies:
                        del cache[held]
                del refs[block]
            for block, held, at in reversed(outcome.evicted):
                identity[block] = held
                cache.setdefault(held, []).insert(at, block)
            self._untake_blocks(new, outcome.low)
            for block in reused:
                count = refs[block] - 1
                if count:
                    refs[block] = count
                else:
                    del refs[block]
            for block, before in reversed(outcome.revived):
                self.links.insert_after(block, before)
                self.cached_free.add(block)
            self.free_blocks += len(new) + len(outcome.revived)
            self.used -= used - (len(reused) - len(outcome.revived)) * self.block_size
            self.entries -= len(blocks)
            self.hits -= len(reused)
            self.misses -= len(new)
            self.queried -= used
            self.evictions -= len(outcome.evicted)
            self.admitted -= 1
        elif kind == REJECTED:
            self.rejected_pool_full -= 1
        elif kind == FREED:
            bs = self.block_size
            for i, block in enumerate(blocks):
                if block not in refs:  # it went back to the queue: take it out again
                    if block in identity or self.lowest is None:
                        self.links.remove(block)
                        self.cached_free.discard(block)
                    else:
                        self.lowest.ungive([block])
                    self.free_blocks -= 1
                    self.used += max(0, min(bs, used - i * bs))
                refs[block] = refs.get(block, 0) + 1
            self.tables[rid] = (blocks, used)
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
        taken, _ = self._take_blocks(wanted)
        identity, cache, tables, refs = self.identity, self.cache, self.tables, self.refs
        for rid, block in zip(request_ids, taken):
            table = tables[rid][0]
            full = table[-1] if table else None
            if full is not None and full not in identity:  # the block its last token filled
                key = (rid, len(table) - 1)
                identity[full] = key
                cache.setdefault(key, []).append(full)
            table.append(block)
            refs[block] = 1
        self.free_blocks -= wanted
        self.entries += wanted
        self.misses += wanted

    def free_block_ids(self) -> list[int]:
        """Free blocks in the order they will be handed out."""
        head = self.lowest.order() if self.lowest is not None else []
        return head + list(self.links)

    def cached_identities(self) -> tuple[tuple[int, Identity], ...]:
        """(block, identity) for every block holding one, held or free, by block; duplicates too."""
        return tuple(sorted(self.identity.items()))

    # -- the free queue --------------------------------------------------------------------

    def _unqueue(self, block: int) -> int:
        """A cached free block leaves the queue; returns the node before it, for undo."""
        self.cached_free.discard(block)
        return self.links.remove(block)

    def _take_blocks(self, n: int) -> tuple[list[int], tuple[tuple[int, Identity, int], ...]]:
        """`n` blocks from the head of the queue, and what taking them evicted: (block,
        identity, where the block stood among that identity's copies)."""
        taken: list[int] = []
        if self.lowest is not None:  # uncached blocks first, lowest first
            taken = self.lowest.take(min(n, len(self.lowest)))
        taken += self.links.take_front(n - len(taken))
        evicted = []
        identity, cache = self.identity, self.cache
        for block in taken:
            held = identity.pop(block, None)
            if held is not None:
                copies = cache[held]
                at = copies.index(block)
                del copies[at]
                if not copies:
                    del cache[held]
                self.cached_free.discard(block)
                evicted.append((block, held, at))
        self.evictions += len(evicted)
        return taken, tuple(evicted)

    def _untake_blocks(self, blocks: Sequence[int], low: int) -> None:
        """Put back blocks `_take_blocks` handed out (their evicted identities already
        restored); `low`, where the untouched blocks began before the take."""
        if self.lowest is not None:  # uncached ones came from the flags, cached ones from the list
            uncached = [block for block in blocks if block not in self.identity]
            if uncached:
                self.lowest.give(uncached)
            blocks = [block for block in blocks if block in self.identity]
        for block in reversed(blocks):
            self.links.unpop_front(block, low)
            if block in self.identity:
                self.cached_free.add(block)

    def clone(self) -> PrefixCachingAllocator:
        """An independent copy (serving mode's history checkpoints)."""
        twin = PrefixCachingAllocator.__new__(PrefixCachingAllocator)
        twin.__dict__.update(self.__dict__)
        twin.tables = {rid: (blocks.copy(), used) for rid, (blocks, used) in self.tables.items()}
        twin.refs, twin.identity = self.refs.copy(), dict(self.identity)
        twin.cache = {identity: list(copies) for identity, copies in self.cache.items()}
        twin.cached_free = set(self.cached_free)
        twin.lowest = self.lowest.copy() if self.lowest is not None else None
        twin.links = copy.copy(self.links)
        twin.links.nxt, twin.links.prv = dict(self.links.nxt), dict(self.links.prv)
        return twin
