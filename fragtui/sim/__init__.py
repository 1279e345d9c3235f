"""The model: pure Python, importing neither textual nor rich."""

from fragtui.sim.contiguous import ContiguousAllocator
from fragtui.sim.errors import FragtuiError, ParamError
from fragtui.sim.metrics import Metrics
from fragtui.sim.paged import PagedAllocator
from fragtui.sim.params import Params
from fragtui.sim.requests import Arrive, Free, Request
from fragtui.sim.simulation import Simulation, StepRecord
from fragtui.sim.workloads import Workload, build_workload

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
