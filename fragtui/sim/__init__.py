"""The model: pure Python, importing neither textual nor rich."""

from fragtui.sim.allocators.contiguous import ContiguousAllocator
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.measures.metrics import Metrics
from fragtui.sim.allocators.paged import PagedAllocator
from fragtui.sim.config.params import Params
from fragtui.sim.workload.requests import Arrive, Free, Request
from fragtui.sim.engines.lockstep import Simulation, StepRecord
from fragtui.sim.workload.build import Workload, build_workload

__all__ = [
    "Arrive",
    "ContiguousAllocator",
    "FragtuiError",
    "Free",
    "Metrics",
    "PagedAllocator",
    "ParamError",
    "Params",
    "Request",
    "Simulation",
    "StepRecord",
    "Workload",
    "build_workload",
]
