"""vLLM v1's prefix cache, written out plainly from what its BlockPool and KVCacheManager do
(enable_caching, one KV cache group), as a reference for fragtui's allocator. Lists, not
linked lists: it is for small pools, and its only job is to be obviously right.

- A full block's hash chains the block before it: here the literal (parent, tokens) tuple,
  so two blocks share a hash exactly when their tokens and every block before them agree.
- `cached_block_hash_to_block` maps a hash to the blocks holding it, in the order they were
  inserted; it does not de-duplicate (`BlockHashToBlockMap.insert`), and a lookup answers with
  the first (`get_one_block`).
- An arrival's longest cache hit covers at most (tokens − 1) tokens' full blocks; it fits if
  its new blocks plus the hit blocks sitting in the free queue fit the free blocks; hit blocks
  leave the queue (`touch`); new ones come from its head, and one with a hash is evicted,
  only its own entry removed (`_maybe_evict_cached_block`); then every new full block is
  inserted under its hash (`cache_full_blocks`).
- A free releases the table last block first; a block whose count reaches zero goes to the
  tail if it has a hash. One without a hash goes to the tail too in the vLLM this repository
  calls fifo, and, in current vLLM (lifo), to the head, the released group in release order.
"""

from __future__ import annotations


class VllmBlockPool:
    def __init__(self, num_blocks: int, block_size: int, order: str) -> None:
        assert order in ("fifo", "lifo")
        self.block_size = block_size
        self.order = order
        self.free = list(range(num_blocks))  # the free queue, head first
        self.ref = [0] * num_blocks
        self.hash: list[object] = [None] * num_blocks
        self.cached: dict[object, list[int]] = {}
        self.tables: dict[int, list[int]] = {}

    def block_hashes(self, tokens: list[object]) -> list[object]:
        bs, parent, hashes = self.block_size, None, []
        for i in range(len(tokens) // bs):
            parent = (parent, tuple(tokens[i * bs:(i + 1) * bs]))
            hashes.append(parent)
        return hashes

    def allocate(self, rid: int, tokens: list[object]) -> list[int] | None:
        bs = self.block_size
        hashes = self.block_hashes(tokens)
        hit = []
        for h in hashes[:(len(tokens) - 1) // bs]:
            if h not in self.cached:
                break
            hit.append(self.cached[h][0])
        need = -(-len(tokens) // bs)
        new = need - len(hit)
        if new + sum(self.ref[b] == 0 for b in hit) > len(self.free):
            return None
        for b in hit:
            if self.ref[b] == 0:
                self.free.remove(b)
            self.ref[b] += 1
        taken = []
        for _ in range(new):
            b = self.free.pop(0)
            if self.hash[b] is not None:
                copies = self.cached[self.hash[b]]
                copies.remove(b)
                if not copies:
                    del self.cached[self.hash[b]]
                self.hash[b] = None
            self.ref[b] = 1
            taken.append(b)
        blocks = hit + taken
        for i in range(len(hit), len(hashes)):
            self.hash[blocks[i]] = hashes[i]
            self.cached.setdefault(hashes[i], []).append(blocks[i])
        self.tables[rid] = blocks
        return blocks

    def release(self, rid: int) -> None:
        head = []
        for b in reversed(self.tables.pop(rid)):
            self.ref[b] -= 1
            if self.ref[b]:
                continue
            if self.hash[b] is None and self.order == "lifo":
                head.append(b)
            else:
                self.free.append(b)
        self.free[:0] = head
