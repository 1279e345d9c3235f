"""The allocator registry: an allocator defined here, in the test, registered with one entry,
is drawn, tallied, narrated, reported, swept, recorded, served and undone exactly, with no
change to any package file; and the registry is where everything else learns the allocators."""

import json
from bisect import insort

import pytest

from fragtui.cli import main
from fragtui.report.runs import report_text, run_to_end
from fragtui.sim.allocators import registry
from fragtui.sim.allocators.adapters import RunPool
from fragtui.sim.allocators.contiguous import reservation_for, run_metrics
from fragtui.sim.allocators.outcomes import ADMITTED, FRAGMENTED, FREED, NOOP, POOL_FULL, REJECTED, ContiguousOutcome
from fragtui.sim.allocators.snapshot import RunSnapshot
from fragtui.sim.config.params import Params
from fragtui.sim.errors import ParamError
from fragtui.sim.config.sides import resolve
from fragtui.sim.engines.lockstep import Simulation
from fragtui.sim.engines.serving.serving_engine import ServingEngine
from fragtui.sim.measures.sweep import parse_axis, vary
from fragtui.sim.workload.build import build_workload
from fragtui.tui.keys import help_rows
from fragtui.view.picture import Picture
from fragtui.view.stage import make_stage
from invariants import check_invariants
from strategies import event_streams


class LastFit:
    """A contiguous allocator written for this test alone: the highest-addressed free run that
    fits, the request placed at its top end. Free runs are a sorted list, merged on free."""

    def __init__(self, total_slots: int, reservation: str = "max") -> None:
        self.total_slots, self.reservation = total_slots, reservation
        self.free_list = [(0, total_slots)] if total_slots else []  # (start, length), by start
        self.allocations: dict[int, tuple[int, int, int]] = {}
        self.admitted = self.rejected_pool_full = self.rejected_fragmented = self.used = self.reserved = 0
        self.runs = self.free_list  # (what the invariants read: not a FreeRuns, so not a max-tree)

    # -- the write side
    def admit(self, request):
        need = reservation_for(self.reservation, request.used, request.max_len)
        fits = [(start, length) for start, length in self.free_list if length >= need]
        if not fits:
            reason = POOL_FULL if self.free < need else FRAGMENTED
            if reason == POOL_FULL:
                self.rejected_pool_full += 1
            else:
                self.rejected_fragmented += 1
            return ContiguousOutcome(REJECTED, reason, request.id, -1, need, request.used, 0, 0, 0, need)
        start, length = fits[-1]
        self.free_list.remove((start, length))
        if length > need:
            insort(self.free_list, (start, length - need))
        placed = start + length - need
        self.allocations[request.id] = (placed, need, request.used)
        self.admitted += 1
        self.used += request.used
        self.reserved += need - request.used
        return ContiguousOutcome(ADMITTED, None, request.id, placed, need, request.used, 0, 0, 0, need)

    def free_request(self, rid):
        entry = self.allocations.pop(rid, None)
        if entry is None:
            return ContiguousOutcome(NOOP, None, rid, -1, 0, 0, 0, 0, 0, 0)
        start, length, used = entry
        self.used -= used
        self.reserved -= length - used
        left = next((n for s, n in self.free_list if s + n == start), 0)
        right = next((n for s, n in self.free_list if s == start + length), 0)
        self.free_list[:] = [(s, n) for s, n in self.free_list if s + n != start and s != start + length]
        insort(self.free_list, (start - left, left + length + right))
        return ContiguousOutcome(FREED, None, rid, start, length, used, left, right, 0, length)

    def undo(self, outcome):
        rid, start, length, used = outcome.request_id, outcome.start, outcome.length, outcome.used
        if outcome.kind == ADMITTED:
            del self.allocations[rid]
            self.admitted -= 1
            self.used -= used
            self.reserved -= length - used
            self._release(start, length)
        elif outcome.kind == REJECTED:
            if outcome.reason == POOL_FULL:
                self.rejected_pool_full -= 1
            else:
                self.rejected_fragmented -= 1
        elif outcome.kind == FREED:
            merged = (start - outcome.left, outcome.left + length + outcome.right)
            self.free_list.remove(merged)
            for piece in ((start - outcome.left, outcome.left), (start + length, outcome.right)):
                if piece[1]:
                    insort(self.free_list, piece)
            self.allocations[rid] = (start, length, used)
            self.used += used
            self.reserved += length - used

    def _release(self, start, length):
        """Give back a run this allocator just cut from a free run (undoing an admission)."""
        for s, n in self.free_list:
            if s + n == start:
                self.free_list.remove((s, n))
                insort(self.free_list, (s, n + length))
                return
        insort(self.free_list, (start, length))

    def clone(self):
        twin = LastFit(self.total_slots, self.reservation)
        twin.__dict__.update(self.__dict__)
        twin.free_list = twin.runs = list(self.free_list)
        twin.allocations = dict(self.allocations)
        return twin

    # -- reading
    @property
    def free(self):
        return self.total_slots - self.used - self.reserved

    @property
    def live(self):
        return len(self.allocations)

    @property
    def largest(self):
        return max((n for _, n in self.free_list), default=0)

    @property
    def holes(self):
        return len(self.free_list)

    def requested(self, rid):
        return self.allocations[rid][1]

    def free_runs(self):
        return list(self.free_list)

    def free_runs_around(self, start, end):
        return [(s, n) for s, n in self.free_list if s <= end and s + n >= start]

    def stranded(self, threshold):
        return sum(n for _, n in self.free_list if n < threshold)

    def run_needed(self, reservation):
        return reservation

    def can_ever_fit(self, reservation):
        return reservation <= self.total_slots

    def tallies(self):
        live = len(self.allocations)
        return (self.admitted, self.rejected_pool_full + self.rejected_fragmented, self.rejected_fragmented, live,
                self.used, self.reserved, self.free, self.largest, live)

    def metrics(self, max_len, holes=True):
        return run_metrics(self, max_len)

    def snapshot(self):
        allocations = sorted((s, n, rid, u) for rid, (s, n, u) in self.allocations.items())
        return RunSnapshot(self.total_slots, tuple(allocations), tuple(self.free_list))

    def pool(self, max_len):
        return RunPool(self, max_len)


@pytest.fixture
def last_fit():
    registry.register(registry.contiguous_spec("last", "the highest-addressed free run that fits, filled from its "
                                               "top", LastFit, describe="last fit"))
    yield
    registry.unregister("last")


def test_one_entry_makes_a_new_allocator_a_side_a_placement_and_a_key(last_fit):
    params = Params(sides="first,last,paged").validated()
    assert [side.label for side in resolve(params)] == ["first", "last", "paged"]
    assert "last" in registry.placements()
    assert Params(placement="last").validated().placement == "last"  # --placement, and so `o`, reach it
    assert any("first → best → worst → next → buddy → last" in what for _, what in help_rows())


def test_it_is_undone_exactly_and_keeps_every_invariant(last_fit):
    from hypothesis import given, settings

    @settings(max_examples=60, deadline=None)
    @given(events=event_streams())
    def check(events):
        params = Params(total_slots=256, max_len=64, used_len=1, sides="last,best,paged").validated()
        sim = Simulation(params, events)
        states = [sim.snapshot()]
        while sim.step_forward():
            check_invariants(sim)
            states.append(sim.snapshot())
        while sim.step_back():
            assert sim.snapshot() == states[sim.step]
        assert sim.snapshot() == states[0]

    check()


def test_it_is_drawn_narrated_reported_and_swept(last_fit):
    params = Params(sides="first,last", ops="+100/128,+50/128,+60/128,-1,+30/128", total_slots=512,
                    max_len=128).validated()
    stage = make_stage(params)
    stage.goto(3)
    # Last fit fills the pool from the top: r0 at 384, r1 at 256, r2 at 128.
    picture = stage.pictures[1]
    assert [picture.owner(slot) for slot in (384, 256, 128, 0)] == [0, 1, 2, -1]
    assert stage.pictures[1].states == Picture(stage.engine.pools[1]).states
    stage.goto(5)
    assert "last: slots 256–383 (30 used, 98 reserved)" in stage.words.narration()
    done = run_to_end(params, build_workload(params).events)
    text = report_text(done, build_workload(params))
    assert text.splitlines()[:2] == ["first: admitted=4 rejected=0 wasted=194", "last: admitted=4 rejected=0 wasted=194"]
    rows = vary(params, [parse_axis("max_len=128,256")])
    assert [m.admitted for m in rows[1].results] == [4, 4] and rows[0].sides == ("first", "last")


def test_it_serves_token_by_token(last_fit):
    params = Params(mode="serving", sides="last,paged", total_slots=2048, max_len=256, arrivals=40,
                    prompt_len="uniform:8:64", output_len="uniform:8:64").validated()
    engine = ServingEngine(params)
    engine.jump(engine.total_steps)
    last, paged = (run.metrics() for run in engine.runs)
    assert last.completed == paged.completed == 40
    assert last.breakdown.total == 2048


def test_it_is_recorded_and_reported_from_the_command_line(last_fit, tmp_path, capsys):
    assert main(["report", "--sides", "last,paged", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sides"] == ["last", "paged"] and data["last"]["admitted"] == 8
    out = tmp_path / "last.cast"
    assert main(["record", "--sides", "last,paged", "--to", "9", "-o", str(out)]) == 0
    assert "last" in out.read_text()


def test_the_registry_is_read_not_repeated():
    """No package module outside an allocator's own tests an allocator's class or compares
    an allocator's name: they read the registry (sides, families, capabilities). (A family is
    not an allocator: `side.allocator.family == "paged"` asks how a side holds memory.)"""
    import ast
    from pathlib import Path

    import fragtui

    root = Path(fragtui.__file__).parent
    concrete = {"ContiguousAllocator", "BuddyAllocator", "PagedAllocator", "PrefixCachingAllocator"}
    names = {"first", "best", "worst", "next", "buddy", "paged"}
    own = {"allocators/contiguous.py", "allocators/buddy.py", "allocators/paged.py", "allocators/prefix_cache.py",
           "allocators/registry.py", "config/sides.py", "lab.py"}
    for path in root.rglob("*.py"):
        rel = str(path.relative_to(root)).replace("sim/", "", 1)
        if rel in own:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                assert not ({getattr(a, "id", "") for a in ast.walk(node.args[1])} & concrete), (rel, ast.unparse(node))
            if isinstance(node, ast.Compare) and not any(
                    isinstance(part, ast.Attribute) and part.attr == "family" for part in ast.walk(node)):
                constants = {c.value for c in ast.walk(node) if isinstance(c, ast.Constant)}
                assert not (constants & names), (rel, ast.unparse(node))


def test_a_side_that_does_not_serve_is_refused_in_serving_mode_with_one_line():
    from dataclasses import replace

    registry.register(replace(registry.contiguous_spec("last", "event mode only", LastFit, describe="last fit"), modes=("event",)))
    try:
        assert Params(sides="last,paged").validated().sides == "last,paged"
        with pytest.raises(ParamError) as caught:
            Params(mode="serving", sides="last,paged").validated()
        assert str(caught.value) == "--sides 'last,paged': side 'last' runs in event mode only, not serving mode"
        assert main(["report", "--mode", "serving", "--sides", "last,paged"]) == 2
    finally:
        registry.unregister("last")
