"""Which stage a run needs."""

from __future__ import annotations

from fragtui.sim.params import Params
from fragtui.view.stage import EventStage


def make_stage(params: Params, scenario: str = ""):
    if params.mode == "serving":
        from fragtui.view.serving_stage import ServingStage

        return ServingStage(params)
    return EventStage(params, chart=scenario == "block-size")
