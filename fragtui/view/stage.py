"""What the app shows, whatever the mode: one stage turns an engine into pictures and words.

The app only moves a stage (forward, back, goto, what-ifs) and hands what the stage reports it
changed to its widgets. The engine (event or serving) does the moving and says what each move
changed; the stage patches one picture per pool from that; the words (event or serving) say
what it means. Pure: no Textual here.
"""

from __future__ import annotations

from fragtui.sim.engines.engine import Engine, ManualEngine
from fragtui.sim.errors import FragtuiError
from fragtui.sim.engines.event_engine import EventEngine
from fragtui.sim.config.sides import Side
from fragtui.sim.config.effects import check_read
from fragtui.sim.config.params import Params
from fragtui.sim.pool import Change
from fragtui.view.event_words import EventWords
from fragtui.view.picture import Picture, Ranges
from fragtui.view.words import Words

PATCH_UP_TO = 256  # a jump this short is patched step by step; a longer one repaints once


class Stage:
    def __init__(self, engine: Engine, words: Words, manual: ManualEngine | None = None) -> None:
        self.engine = engine
        self.words = words
        self._manual = manual
        self.pictures = tuple(Picture(pool) for pool in engine.pools)

    # -- where we are ----------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self.engine.mode

    @property
    def unit(self) -> str:
        return self.engine.unit

    @property
    def params(self) -> Params:
        return self.engine.params

    @property
    def edited(self) -> bool:
        return self.engine.edited

    @property
    def hand_events(self) -> int:
        return self.engine.hand_events

    @property
    def step(self) -> int:
        return self.engine.step

    @property
    def total_steps(self) -> int:
        return self.engine.total_steps

    @property
    def at_end(self) -> bool:
        return self.engine.at_end

    @property
    def sides(self) -> tuple[Side, ...]:
        return self.engine.sides

    def find(self, kind: str, direction: int) -> int | None:
        """The step a jump to the next (1) or previous (-1) `kind` moment ("rejection",
        "fragmented") would land on, or None; `goto` it to go. See `fragtui.sim.engines.jumps`."""
        return self.engine.find(kind, direction)

    def can(self, action: str) -> bool:
        """Whether manual action `action` ("free", "arrive") exists in this mode."""
        return self._manual is not None and action in self.words.manual

    # -- moving ----------------------------------------------------------------------------

    def forward(self) -> tuple[Ranges, ...]:
        return self._patch(self.engine.forward())

    def back(self) -> tuple[Ranges, ...]:
        return self._patch(self.engine.back())

    def goto(self, step: int) -> tuple[Ranges, ...] | None:
        """Be at `step`: patched step by step if near, else repainted once (None)."""
        step = max(0, min(step, self.total_steps))
        if abs(step - self.step) > PATCH_UP_TO:
            self.engine.jump(step)
            self.repaint()
            return None
        ranges: tuple[Ranges, ...] = tuple([] for _ in self.pictures)
        while self.step != step:
            moved = self.forward() if self.step < step else self.back()
            for mine, more in zip(ranges, moved):
                mine.extend(more)
        return ranges

    def set_params(self, **changes: object) -> None:
        """Replay under new parameters (raises FragtuiError, keeping everything, if refused:
        a value not allowed, or one the run would not read)."""
        check_read(self.params.with_(**changes), changes)
        kept = self.engine.set_params(**changes)
        self.repaint(kept)

    def free_oldest(self) -> tuple[Ranges, ...]:
        return self._patch(self._manual_engine("free").free_oldest())

    def inject_arrival(self) -> tuple[Ranges, ...]:
        return self._patch(self._manual_engine("arrive").inject_arrival())

    def repaint(self, kept: tuple[bool, ...] = ()) -> None:
        """Every picture from scratch (the sides themselves may have changed), but those of
        sides `kept` as they were."""
        pools = self.engine.pools
        if len(pools) != len(self.pictures):
            self.pictures = tuple(Picture(pool) for pool in pools)
            return
        for i, (picture, pool) in enumerate(zip(self.pictures, pools)):
            if not (i < len(kept) and kept[i]):
                picture.repaint(pool)

    def _manual_engine(self, action: str) -> ManualEngine:
        if self._manual is None or not self.can(action):
            raise FragtuiError(f"{action} is event mode's: in {self.mode} mode requests arrive at their ticks "
                               "and leave when their output is done (V switches mode)")
        return self._manual

    def _patch(self, changes: tuple[Change, ...] | None) -> tuple[Ranges, ...]:
        if changes is None:
            return tuple([] for _ in self.pictures)
        return tuple(picture.apply(pool, change)
                     for picture, pool, change in zip(self.pictures, self.engine.pools, changes))


def make_stage(params: Params, chart: str | None = None) -> Stage:
    """The stage a run needs: serving or event mode; `chart` is a scenario's sidebar chart."""
    if params.mode == "serving":
        from fragtui.sim.engines.serving.serving_engine import ServingEngine  # loads only when used
        from fragtui.view.serving_words import ServingWords

        serving = ServingEngine(params)
        return Stage(serving, ServingWords(serving))
    engine = EventEngine(params)
    return Stage(engine, EventWords(engine, chart), manual=engine)
