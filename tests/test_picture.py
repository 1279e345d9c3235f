"""The per-slot picture, patched step by step, always equals one painted from scratch, and
reports every slot whose look changed."""

from hypothesis import given, settings

from fragtui.sim.simulation import Simulation
from fragtui.view.picture import ContiguousPicture, PagedPicture
from strategies import event_streams, pool_params


def fresh(sim):
    return ContiguousPicture(sim.contiguous, sim.params.max_len), PagedPicture(sim.paged)


def check_patch(picture, before, ranges, after_fresh):
    assert picture.states == after_fresh.states
    touched = set()
    for a, b in ranges:
        touched.update(range(a, b))
    changed = {i for i, (x, y) in enumerate(zip(before, picture.states)) if x != y}
    assert changed <= touched


@settings(max_examples=120, deadline=None)
@given(params=pool_params(), events=event_streams())
def test_patched_pictures_equal_fresh_ones_forward_and_back(params, events):
    sim = Simulation(params, events)
    contiguous, paged = fresh(sim)
    for move, undone in ((sim.step_forward, False), (sim.step_back, True)):
        while True:
            c_before, p_before = bytes(contiguous.states), bytes(paged.states)
            record = move()
            if record is None:
                break
            c_fresh, p_fresh = fresh(sim)
            check_patch(contiguous, c_before, contiguous.apply(record.contiguous, undone), c_fresh)
            check_patch(paged, p_before, paged.apply(record.paged, undone), p_fresh)
            assert contiguous.owners == c_fresh.owners and paged.block_owners == p_fresh.block_owners
