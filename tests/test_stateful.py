"""A hypothesis state machine over a session: arrive, free, step, step back, change a parameter
and replay. After every rule the invariants hold and the state equals a replay from scratch."""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fragtui.sim.allocators.contiguous import RESERVATIONS
from fragtui.sim.allocators.registry import placements
from fragtui.sim.errors import ParamError
from fragtui.sim.allocators.paged import ORDERS
from fragtui.sim.config.params import Params
from fragtui.sim.engines.event_engine import EventEngine
from fragtui.sim.engines.lockstep import Simulation
from invariants import check_invariants


class SessionMachine(RuleBasedStateMachine):
    @initialize(
        total=st.integers(64, 600),
        block=st.sampled_from([1, 2, 4, 8, 16]),
        frees=st.sampled_from(["none", "every-other", "churn:0.5"]),
        seed=st.integers(0, 5),
    )
    def start(self, total, block, frees, seed):
        params = Params(total_slots=total, max_len=64, used_len=10, block_size=block, arrivals=30,
                        lengths="uniform:1:64", frees=frees, seed=seed)
        self.session = EventEngine(params.validated())

    @rule(n=st.integers(1, 10))
    def step_forward(self, n):
        for _ in range(n):
            self.session.sim.step_forward()

    @rule(n=st.integers(1, 10))
    def step_back(self, n):
        for _ in range(n):
            self.session.sim.step_back()

    @rule()
    def arrive(self):
        before = (self.session.params, self.session.sim.step, self.session.sim.snapshot())
        try:
            self.session.inject_arrival()
        except ParamError:
            # used_len is checked against max_len only when injecting: the lengths come from
            # the distribution, so the parameters may hold a used_len that no request has
            assert self.session.params.used_len > self.session.params.max_len
            assert (self.session.params, self.session.sim.step, self.session.sim.snapshot()) == before

    @rule()
    def free_oldest(self):
        if self.session.sim.allocators[0].allocations or self.session.sim.allocators[1].tables:
            self.session.free_oldest()

    @rule(
        name=st.sampled_from(["block_size", "used_len", "total_slots", "max_len", "placement", "order", "reservation",
                              "prefix_caching", "prefixes"]),
        data=st.data(),
    )
    def change_parameter(self, name, data):
        choices = {
            "block_size": st.integers(1, 32),
            "used_len": st.integers(1, 80),
            "total_slots": st.integers(16, 800),
            "max_len": st.integers(8, 128),
            "placement": st.sampled_from(placements()),
            "order": st.sampled_from(ORDERS),
            "reservation": st.sampled_from(RESERVATIONS),
            "prefix_caching": st.booleans(),
            "prefixes": st.sampled_from([None, "1:8", "2:20", "3:64"]),
        }
        value = data.draw(choices[name])
        before = (self.session.params, self.session.sim.step, self.session.sim.snapshot())
        try:
            self.session.set_params(**{name: value})
        except ParamError:
            # refused: nothing changed
            assert (self.session.params, self.session.sim.step, self.session.sim.snapshot()) == before
            return
        assert self.session.sim.step == min(before[1], self.session.sim.total_steps)

    @invariant()
    def invariants_hold(self):
        check_invariants(self.session.sim)

    @invariant()
    def equals_a_replay_from_scratch(self):
        sim = self.session.sim
        fresh = Simulation(self.session.params, sim.events)
        fresh.goto(sim.step)
        assert fresh.snapshot() == sim.snapshot()
        assert fresh.metrics("contiguous") == sim.metrics("contiguous")
        assert fresh.metrics("paged") == sim.metrics("paged")
        # a what-if on one side keeps the other (Simulation.under): its history must be the same too
        assert [r.outcomes for r in fresh.records] == [r.outcomes for r in sim.records]
        assert [s.flat for s in fresh.series] == [s.flat for s in sim.series]


SessionMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestSession = SessionMachine.TestCase
