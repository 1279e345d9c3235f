"""Frames kept as they are made, compactly, for the renderers that need them all at once
(animated SVG, GIF).

A frame equal to the one before only lengthens it (as `merge_repeats` would); a row as it was
in the previous frame is kept as that same object, and every other row and run is kept once
however often it recurs, so a frame costs about what changed since the last one: ~5 KB a frame
recording the seed or the paper scenario at 160×50, where a whole frame is ~90 KB of objects.
"""

from __future__ import annotations

from fragtui.media.frame import Frame, Row, Run


class Reel:
    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.durations: list[float] = []
        self._rows: dict[Row, Row] = {}  # every distinct row kept, once
        self._runs: dict[Run, Run] = {}  # every distinct run kept, once

    def add(self, frame: Frame, seconds: float) -> None:
        """`frame`, shown for `seconds` after the frames before it."""
        if seconds < 0:
            raise ValueError(f"a frame duration must not be negative, got {seconds}")
        last = self.frames[-1] if self.frames else None
        if last is not None and frame == last:
            self.durations[-1] += seconds
            return
        if last is not None and last.height == frame.height:  # most rows are as they were
            rows = tuple(old if old == new else self._row(new) for old, new in zip(last.rows, frame.rows))
        else:
            rows = tuple(self._row(row) for row in frame.rows)
        self.frames.append(Frame(frame.width, frame.height, rows, frame.background, frame.foreground))
        self.durations.append(float(seconds))

    def _row(self, row: Row) -> Row:
        kept = self._rows.get(row)
        if kept is None:
            runs = self._runs
            kept = self._rows[row] = tuple(runs.setdefault(run, run) for run in row)
        return kept

    def __len__(self) -> int:
        return len(self.frames)
