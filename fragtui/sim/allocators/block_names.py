"""What a request's full blocks are called: the identity a prefix cache knows a block by.

A full block's identity is its tokens and the identity of the block before it (vLLM hashes the
two). A request's tokens are (prefix letter, position) for its first prefix_len tokens and its
own after that, so the chain has two kinds of links: a block all of prefix `a`'s tokens at
index i is named ("a", i) — the chain to it is prefix a's first i + 1 blocks, whoever holds
them — and a block holding any token of request r's own is named (r, i), since its chain passes
through that token and no other request can ever compute it. Names, unlike hashes, never
collide, and two blocks get the same name exactly when vLLM's chained hashes would be equal.
A Mooncake request names its prompt's 512-token blocks by hash ids instead (`name_runs` maps
them onto any block size). Names are kept as runs of a space's indices (cache_map.py), since a
prompt's blocks follow each other.
"""

from __future__ import annotations

from operator import sub

from fragtui.sim.allocators.cache_map import Space, identity
from fragtui.sim.allocators.outcomes import Identity
from fragtui.sim.workload.requests import HASH_BLOCK, Request

NameRun = tuple[Space, int, int]  # (space, index, count): the identities of `count` blocks in a row


def name_runs(request: Request, block_size: int) -> list[NameRun]:
    """The identities of a request's full blocks, in block-table order, as runs of a space's
    indices (cache_map.py): a shared prefix's (its letter and the block's place), then the
    request's own (its id and place).

    A request named by Mooncake's hash ids (one per full HASH_BLOCK of 512 tokens) maps them onto
    `block_size`: the block starting at token t of hash block h is the number h × 512 + t, so
    the blocks of one 512-token block are shared wherever it is (an id names its prefix too),
    and numbers are never a prefix's or a request's own (tuples); a block of several hash
    blocks is −1 − the last of them. The sizes must divide one the other (workload.build
    refuses the rest)."""
    bs, full = block_size, request.used // block_size
    runs: list[NameRun] = []
    if request.hashes:
        hashes = request.hashes
        if bs <= HASH_BLOCK:
            per = HASH_BLOCK // bs  # blocks a hash block: index h × per .. in space None
            cuts = [k for k, step in enumerate(map(sub, hashes[1:], hashes), 1) if step != 1]  # where ids jump
            runs = [(None, hashes[a] * per, (b - a) * per) for a, b in zip([0, *cuts], [*cuts, len(hashes)])]
        else:
            m = bs // HASH_BLOCK
            runs = [(-1 - hashes[k], 0, 1) for k in range(m - 1, len(hashes), m)]
        named, kept = 0, []
        for space, i, n in runs:  # a partial last block has no name
            if named == full:
                break
            kept.append((space, i, min(n, full - named)))
            named += kept[-1][2]
        runs = kept
    else:
        named = min(request.prefix_len // bs if request.prefix else 0, full)
        if named:
            runs.append((request.prefix, 0, named))
    if full > named:
        runs.append((request.id, named, full - named))
    return runs


def block_identities(request: Request, block_size: int) -> list[Identity]:
    """Each full block's identity, in block-table order (`name_runs`, one by one)."""
    return [identity(space, i, block_size) for space, start, n in name_runs(request, block_size)
            for i in range(start, start + n)]
