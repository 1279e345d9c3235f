"""One picture serves both modes: patched move by move from what each move changed, it always
equals a picture painted from scratch, and it reports every slot whose look changed."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fragtui.sim.allocators.contiguous import RESERVATIONS
from fragtui.sim.allocators.registry import placements
from fragtui.sim.engines.event_engine import EventEngine
from fragtui.sim.allocators.paged import ORDERS
from fragtui.sim.config.params import Params
from fragtui.sim.engines.serving.serving_engine import ServingEngine
from fragtui.sim.engines.lockstep import Simulation
from fragtui.view.picture import Picture
from strategies import event_streams, pool_params, shared_event_streams


def check_patch(picture, pool, before, ranges):
    fresh = Picture(pool)
    assert picture.states == fresh.states
    assert picture.owners == fresh.owners
    assert picture.sharers() == fresh.sharers()
    for mine, theirs in ((picture.holds, fresh.holds), (picture.sums, fresh.sums)):  # (grown as far as drawn)
        assert mine.tobytes().rstrip(b"\0") == theirs.tobytes().rstrip(b"\0")
    touched = set()
    for a, b in ranges:
        touched.update(range(a, b))
    changed = {i for i, (x, y) in enumerate(zip(before, picture.states)) if x != y}
    assert changed <= touched


def walk(engine):
    """Every move to the end and all the way back, each checked against a fresh picture."""
    pictures = [Picture(pool) for pool in engine.pools]
    for move in (engine.forward, engine.back):
        while True:
            before = [bytes(p.states) for p in pictures]
            changes = move()
            if changes is None:
                break
            pools = engine.pools
            for picture, pool, change, old in zip(pictures, pools, changes, before):
                check_patch(picture, pool, old, picture.apply(pool, change))
    assert engine.step == 0


@settings(max_examples=120, deadline=None)
@given(params=pool_params(), events=event_streams())
def test_event_mode_patches_equal_fresh_pictures_forward_and_back(params, events):
    engine = EventEngine(params)
    engine.sim = Simulation(params, events)
    walk(engine)


@settings(max_examples=80, deadline=None)
@given(events=shared_event_streams(), order=st.sampled_from(ORDERS), block=st.sampled_from([1, 4, 8]),
       total=st.integers(16, 320))
def test_prefix_caching_patches_equal_fresh_pictures_forward_and_back(events, order, block, total):
    params = Params(total_slots=total, block_size=block, order=order, max_len=64, prefix_caching=True).validated()
    engine = EventEngine(params)
    engine.sim = Simulation(params, events)
    walk(engine)


@settings(max_examples=60, deadline=None)
@given(
    total=st.integers(40, 600),
    block=st.sampled_from([1, 3, 8, 16]),
    reservation=st.sampled_from(RESERVATIONS),
    placement=st.sampled_from(placements()),
    order=st.sampled_from(ORDERS),
    seed=st.integers(0, 50),
    rate=st.sampled_from([4.0, 20.0, 60.0]),  # requests a second: 0.2, 1 and 3 a tick
    sharing=st.sampled_from([{}, {}, {"samples": 3}, {"beam_width": 2}, {"beam_width": 4},
                             {"prefix_caching": True, "prefixes": "2:8"}]),
)
def test_serving_mode_patches_equal_fresh_pictures_forward_and_back(total, block, reservation, placement, order,
                                                                     seed, rate, sharing):
    params = Params(mode="serving", total_slots=total, block_size=min(block, total), max_len=40, arrivals=12,
                    prompt_len="uniform:1:20", output_len="uniform:1:20", reservation=reservation,
                    placement=placement, order=order, seed=seed, rate=rate, **sharing).validated()
    walk(ServingEngine(params))


@settings(max_examples=40, deadline=None)
@given(params=pool_params(), events=event_streams())
def test_owners_first_asked_after_many_patches_are_a_fresh_pictures(params, events):
    """A picture keeps who holds each block (slot) only once asked, where blocks are not
    shared: made then from what was drawn, it must equal what painting from scratch gives,
    and stay equal as patches go on, forward and back."""
    engine = EventEngine(params)
    engine.sim = Simulation(params, events)
    pictures = [Picture(pool) for pool in engine.pools]
    half = len(events) // 2
    for move in [engine.forward] * half + [engine.back] * (half // 2):
        for picture, pool, change in zip(pictures, engine.pools, move()):
            picture.apply(pool, change)
    assert not any(p.shares or p._owners for p in pictures)  # (not made yet)
    assert [p.owners for p in pictures] == [Picture(pool).owners for pool in engine.pools]
    while (changes := engine.forward()) is not None:
        for picture, pool, change in zip(pictures, engine.pools, changes):
            picture.apply(pool, change)
    assert [p.owners for p in pictures] == [Picture(pool).owners for pool in engine.pools]


class _EveryHolding:
    """A pool that does not count its free blocks: its picture is painted holding by holding."""

    def __init__(self, pool):
        self.pool = pool

    free_block_count = None

    def __getattr__(self, name):
        return getattr(self.pool, name)


@settings(max_examples=60, deadline=None)
@given(params=pool_params(), events=event_streams())
def test_a_mostly_held_pool_painted_from_its_free_blocks_is_painted_as_holding_by_holding(params, events):
    """Both ways of painting a block pool afresh, at every step: drawn used but for the free
    blocks and the holdings' tails, and each holding drawn in full."""
    sim = Simulation(params, events)
    engine = EventEngine(params)
    engine.sim = sim
    held_mostly = 0
    while True:
        for pool in engine.pools:
            if pool.free_block_count is not None:
                held_mostly += 2 * pool.free_block_count * pool.block_size < pool.total_slots - pool.unusable
                assert Picture(pool).states == Picture(_EveryHolding(pool)).states
        if engine.forward() is None:
            break
    assume(held_mostly)
