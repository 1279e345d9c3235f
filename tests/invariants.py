"""The model's invariants, checked against an independent expansion of each pool."""

from fragtui.sim.allocators.contiguous import reservation_for
from fragtui.sim.allocators.free_runs import FreeRuns
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, REJECTED
from fragtui.sim.allocators.snapshot import BlockSnapshot, RunSnapshot
from fragtui.sim.allocators.vattention import VirtualSnapshot
from fragtui.sim.engines.lockstep import TRACKED, Simulation
from fragtui.sim.measures.metrics import SERIES_FIELDS

FREE, USED, RESERVED, UNUSABLE = "free", "used", "reserved", "unusable"


def slot_map(snap) -> list[str]:
    """The pool expanded to a state per slot, independently of the view's picture; raises if
    a slot is held twice."""
    states = [FREE] * snap.total_slots
    held = [False] * snap.total_slots

    def hold(start, length, used):
        assert not any(held[start:start + length]), f"slots {start}..{start + length - 1} held twice"
        held[start:start + length] = [True] * length
        states[start:start + length] = [USED] * used + [RESERVED] * (length - used)

    if hasattr(snap, "allocations"):
        for start, length, _, used in snap.allocations:
            hold(start, length, used)
    elif hasattr(snap, "mapped"):  # vAttention: a request's pages in token order, mapped anywhere
        page = snap.page
        usable = snap.total_slots // page * page
        states[usable:] = [UNUSABLE] * (snap.total_slots - usable)
        for _, _, pages, used in snap.tables:
            for p in pages:
                hold(p * page, page, min(used, page))
                used = max(0, used - page)
    else:
        bs = snap.block_size
        usable = snap.total_slots // bs * bs
        states[usable:] = [UNUSABLE] * (snap.total_slots - usable)
        seen = set()  # a shared block is held once, however many tables hold it
        for _, blocks, used in snap.tables:
            for block in blocks:
                if block not in seen:
                    seen.add(block)
                    hold(block * bs, bs, min(used, bs))
                elif used < bs:
                    raise AssertionError(f"block {block} shared but not full")
                used = max(0, used - bs)
    return states


def check_invariants(sim: Simulation) -> None:
    """Every side's pool against its own expansion, whatever its allocator: the slots add up,
    the tallies count the outcomes, and each shape of pool keeps its own rules."""
    total = sim.params.total_slots
    for i, (snap, allocator) in enumerate(zip(sim.snapshot(), sim.allocators)):
        states = slot_map(snap)
        m = sim.metrics(i)
        assert m.used + m.reserved + m.free + m.unusable == total
        assert (states.count(USED), states.count(RESERVED)) == (m.used, m.reserved)
        assert states.count(FREE) == m.free and states.count(UNUSABLE) == m.unusable
        outcomes = [r.outcomes[i] for r in sim.records]
        assert m.admitted == sum(o.kind == ADMITTED for o in outcomes)
        assert m.rejected == sum(o.kind == REJECTED for o in outcomes)
        assert m.rejected_fragmented == sum(o.reason == FRAGMENTED for o in outcomes)
        assert tuple(getattr(m, name) for name in TRACKED) == sim.series[i].row(-1)
        if isinstance(snap, RunSnapshot):
            check_runs(snap, allocator, m)
        elif isinstance(snap, VirtualSnapshot):
            check_pages(snap, m, sim.params.max_len)
        else:
            check_blocks(snap, allocator, m, sim.sides[i].options.get("prefix_caching", False))


def check_runs(snap: RunSnapshot, pool, m) -> None:
    """A run per request: waste = Σ(run − used); the free runs are exactly the slots no run
    holds (maximal where they are kept as merged runs) and the largest is the largest."""
    assert pool.reserved == sum(n - u for _, n, _, u in snap.allocations)
    held = set()
    for start, length, _, used in snap.allocations:
        assert used <= length
        held.update(range(start, start + length))
    runs = snap.free_runs
    free = [slot for start, length in runs for slot in range(start, start + length)]
    assert len(free) == len(set(free)) and set(free) == set(range(snap.total_slots)) - held
    if isinstance(pool.runs, FreeRuns):  # merged runs, indexed by a max-tree
        check_tree(pool.runs)
        assert all(a + n < b for (a, n), (b, _) in zip(runs, runs[1:])), "adjacent free runs not merged"
    assert m.largest_free_run == max((n for _, n in runs), default=0)
    assert m.live == len(snap.allocations)


def check_pages(snap: VirtualSnapshot, m, max_len: int) -> None:
    """vAttention: every page mapped to one slot or on the free stack, once; a request's pages
    are ⌈used / page⌉, the first of its slot's, within its virtual range; what slots map beyond
    their requests' need is retained, and counted free; nothing strands."""
    page = snap.page
    pages = [p for mapped in snap.mapped for p in mapped]
    assert sorted(pages + list(snap.free)) == list(range(snap.total_slots // page)), "a page mapped twice or lost"
    held = sum(len(pages_) for _, _, pages_, _ in snap.tables)
    assert held * page == m.used + m.reserved  # the pages requests hold: their tokens and the empty rest
    assert m.retained == (len(pages) - held) * page
    assert m.largest_free_run == m.free and m.stranded == 0  # any free or retained page serves
    for _, slot, table, used in snap.tables:
        assert len(table) == -(-used // page) and snap.mapped[slot][:len(table)] == table
        assert len(snap.mapped[slot]) <= -(-max_len // page)  # within its virtual range


def check_blocks(snap: BlockSnapshot, pool, m, caching: bool) -> None:
    """Block tables: tail waste below one block per request; every block free or held, once."""
    bs, total = snap.block_size, snap.total_slots
    entries = [b for _, blocks, _ in snap.tables for b in blocks]
    held = sorted(set(entries))
    assert sorted(held + list(snap.free_queue)) == list(range(total // bs)), "a block both free and held"
    for _, blocks, used in snap.tables:
        assert 0 <= len(blocks) * bs - used < bs
        assert len(set(blocks)) == len(blocks)
    assert m.block_table_entries == len(entries)
    free_ids = sorted(snap.free_queue)  # holes: runs of consecutive free block ids
    assert pool.metrics(0).holes == sum(1 for i, b in enumerate(free_ids) if i == 0 or free_ids[i - 1] != b - 1)
    assert m.saved_blocks == len(entries) - len(held)
    if caching:
        check_prefix_cache(pool, entries)
    else:
        assert len(held) == len(entries), "nothing is shared without prefix caching"


def check_prefix_cache(pool, entries) -> None:
    """Reference counts equal the tables holding each block (and are kept for held blocks
    only); the cache maps each identity to exactly the blocks naming it, each once, in the
    order they were cached; cached free blocks are exactly the free ones holding an identity."""
    counts = {}
    for block in entries:
        counts[block] = counts.get(block, 0) + 1
    assert pool.counts.held() == counts
    held = list(pool.cache.items())
    named = dict(held)
    assert len(named) == len(held), "a block holding two identities"
    listed = [(block, identity) for identity, copies in pool.cache.lists().items() for block in copies]
    assert len(listed) == len(set(listed)) and dict(listed) == named
    free = set(pool.free_block_ids())
    assert pool.cached_free == {b for b in named if b in free}
    assert len(free) == pool.free_blocks == len(pool.free_block_ids())


def check_rejection_reasons(sim: Simulation) -> None:
    """Replays the stream, checking each contiguous rejection's reason against the pool before it."""
    sim.goto(0)
    while not sim.at_end:
        pool = sim.allocators[0]
        free, largest = pool.free, pool.largest
        record = sim.step_forward()
        c = record.outcomes[0]
        if c.kind == REJECTED:
            need = pool.run_needed(reservation_for(sim.params.reservation, c.used, record.event.request.max_len))
            assert c.length == need
            if c.reason == FRAGMENTED:
                assert free >= need > largest
            else:
                assert free < need


def check_tree(index):
    tree, leaves = index._tree, index._leaves
    for bucket, starts in enumerate(index._buckets):
        assert starts == sorted(starts)
        assert all(s // index._width == bucket for s in starts)
        assert tree[leaves + bucket] == max((index.by_start[s] for s in starts), default=0)
    for i in range(leaves - 1, 0, -1):
        assert tree[i] == max(tree[2 * i], tree[2 * i + 1])


def stepped_peaks(sim: Simulation) -> tuple[dict[str, int], ...]:
    """Each side's highest SERIES_FIELDS tallies over `sim`'s stream, stepped from where it
    stands one event at a time (where it stands counted): what a report's peaks must be."""
    highs = [list(row) for row in sim.tallies()]
    while sim.step_forward() is not None:
        for high, row in zip(highs, sim.tallies()):
            high[:] = map(max, high, row)
    return tuple(dict(zip(SERIES_FIELDS, high)) for high in highs)
