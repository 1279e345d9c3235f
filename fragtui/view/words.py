"""The per-mode part of the stage: everything that is words and panels, nothing that moves.

Event mode and serving mode draw the same pictures through the same stage; what differs is
what they say: the narration, the sidebar's panels, the legend's labels, the pane titles,
and which manual actions and parameters mean something.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol

from fragtui.view.charts import Chart


Row = tuple[str, tuple[str, ...]]  # a label and one value per side


@dataclass
class SidebarData:
    headings: tuple[str, ...]  # each side's name, as its column is headed
    rows: list[Row]
    ratio: str
    spark_title: str = ""
    sparks: list[tuple[str, list[float], float]] = field(default_factory=list)  # a side: 0..1 points over time, and now
    bars_title: str = ""
    bars: list[tuple[str, dict[int, float]]] = field(default_factory=list)  # a side: state -> share of the pool
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)


class Words(Protocol):
    @property
    def legend(self) -> tuple[tuple[int, str], ...]:
        """(state, label), in the legend's order."""
        ...

    @property
    def narrow_labels(self) -> Mapping[int, str]:
        """What the legend calls a state where its label does not fit (default: its name)."""
        ...

    @property
    def manual(self) -> frozenset[str]:
        """Manual actions that exist here: "free", "arrive"."""
        ...

    @property
    def charts(self) -> tuple[str, ...]:
        """Parameters whose sweep the sidebar can chart here (view.charts)."""
        ...

    chart: str | None  # the one it charts now

    def chart_now(self) -> Chart | None:
        """The chart of `chart`, worked out now; raises FragtuiError if nothing can be charted."""
        ...

    def narration(self) -> str: ...

    def sidebar(self, compact: bool) -> SidebarData: ...

    def request_detail(self, rid: int) -> str:
        """How full request `rid` is, for hovering: "32/512"."""
        ...

    def holder_name(self, rid: int) -> str:
        """What to call holding `rid` (a request, or one of its sequences): "r7", "r7.2"."""
        ...

    def source(self) -> str:
        """Where the requests come from, in a few words."""
        ...

    def pane_title(self, side: int) -> str:
        """Side `side`'s pane title: its label and what it is."""
        ...
