"""The reference count of shared blocks: how many block tables hold each block.

Prefix caching (requests that share a cached prefix) and a request's parallel samples or beam
candidates (serving/sharing.py) share blocks the same way: a block is held while some table
holds it, and goes back to the free queue when the last lets go. A request's sequences hold a
few blocks each and count them one at a time (`RefCounts`: only held blocks have an entry, so
it costs the blocks in use, not the pool); prefix caching's tables hold runs of hundreds of
consecutive blocks and count them a run at a time (`BlockCounts`).
"""

from __future__ import annotations

from collections import deque
from typing import Iterable

from fragtui.sim.allocators.block_runs import Run, ends


class RefCounts(dict[int, int]):
    """block -> how many tables hold it, for held blocks only (a dict: hot paths read it as one)."""

    def of(self, block: int) -> int:
        """How many tables hold `block` (0: it is free)."""
        return self.get(block, 0)

    def hold(self, block: int, times: int = 1) -> None:
        """`times` more tables hold `block`."""
        self[block] = self.get(block, 0) + times

    def let_go(self, block: int) -> bool:
        """One table fewer holds `block`; True when none does now and it is free."""
        count = self[block] - 1
        if count:
            self[block] = count
            return False
        del self[block]
        return True

    def copy(self) -> RefCounts:
        return RefCounts(self)


_UP = bytes(range(1, 256)) + b"\xff"  # a count byte plus one (254 and 255 never go through it)
_DOWN = b"\x00" + bytes(range(255))  # a count byte minus one (0 never goes through it)
_ZERO = b"\x01" + bytes(255)  # 1 where a count is 0


class BlockCounts:
    """The same count for long runs of blocks (prefix caching's tables, hundreds of blocks
    each): a byte a block in one bytearray, grown to the highest block ever held. A run of
    blocks (a range of consecutive ones, either way, or a list) is counted up or down at once:
    a range in one slice (`bytes.translate`), a list by loops that run in C; the blocks a
    release frees are found by searching the counts. A count of 255 or more is kept in `over`
    (the byte says 255): a prefix that a thousand live requests share."""

    def __init__(self) -> None:
        self.bytes = bytearray()
        self.over: dict[int, int] = {}

    def of(self, block: int) -> int:
        """How many tables hold `block` (0: it is free)."""
        count = self.bytes[block] if block < len(self.bytes) else 0
        return self.over[block] if count == 255 else count

    def hold(self, runs: Iterable[Run]) -> None:
        """One more table holds each block of `runs`."""
        counts = self.bytes
        for run in runs:
            if type(run) is range:  # (the common case, inline: a slice either way)
                low, high = ends(run)
                if high <= len(counts):
                    now = counts[low:high]
                    if 254 not in now and 255 not in now:
                        counts[low:high] = now.translate(_UP)
                        continue
            self._grow(run)
            values = self._read(run)
            if 254 not in values and 255 not in values:
                self._write(run, values.translate(_UP))
            elif values.count(255) == len(values):  # a prefix many hold: its counts are in `over`
                over = self.over
                over.update(zip(run, map((1).__add__, map(over.__getitem__, run))))
            else:
                for block in run:
                    self._up(block)

    def let_go(self, run: Run) -> list[tuple[int, Run]]:
        """One table fewer holds each block of `run`; the parts of it that no table holds now,
        each with its place in the run, in the run's order."""
        counts = self.bytes
        if type(run) is range:  # (the common case, inline: a slice either way)
            low, high = ends(run)
            now = counts[low:high]
            if 255 not in now:
                after = counts[low:high] = now.translate(_DOWN)
                if 0 not in after:
                    return []
                return _zero_parts(after if run.step > 0 else after[::-1], run)
        values = self._read(run)
        if 255 not in values:
            values = values.translate(_DOWN)
            self._write(run, values)
            return _zero_parts(values, run) if 0 in values else []
        over = self.over
        if values.count(255) == len(values):
            less = list(map((-1).__add__, map(over.__getitem__, run)))
            if 254 not in less:  # (all still 255 or more)
                over.update(zip(run, less))
                return []
        for block in run:
            self._down(block)
        values = self._read(run)
        return _zero_parts(values, run) if 0 in values else []

    def free_in(self, run: Run) -> list[tuple[int, Run]]:
        """The parts of `run` that no table holds, each with its place in it, in its order."""
        values = self._read(run)
        return _zero_parts(values, run) if 0 in values else []

    def held(self) -> dict[int, int]:
        """block -> count, for every block held (checks)."""
        return {block: self.of(block) for block, count in enumerate(self.bytes) if count}

    def copy(self) -> BlockCounts:
        twin = BlockCounts()
        twin.bytes, twin.over = bytearray(self.bytes), dict(self.over)
        return twin

    def _grow(self, run: Run) -> None:
        """Room for `run`'s blocks (only `hold` meets blocks never held)."""
        high = ends(run)[1] if type(run) is range else max(run) + 1
        if high > len(self.bytes):
            self.bytes.extend(bytes(high - len(self.bytes)))

    def _read(self, run: Run) -> bytes | bytearray:
        """The count bytes of `run`'s blocks (held once at least), in its order."""
        counts = self.bytes
        if type(run) is range:
            low, high = ends(run)
            return counts[low:high] if run.step > 0 else counts[low:high][::-1]
        return bytes(map(counts.__getitem__, run))

    def _write(self, run: Run, values: bytes | bytearray) -> None:
        if type(run) is range:
            low, high = ends(run)
            self.bytes[low:high] = values if run.step > 0 else values[::-1]
        else:
            deque(map(self.bytes.__setitem__, run, values), maxlen=0)

    def _up(self, block: int) -> None:
        count = self.bytes[block]
        if count < 254:
            self.bytes[block] = count + 1
        elif count == 254:
            self.bytes[block], self.over[block] = 255, 255
        else:
            self.over[block] += 1

    def _down(self, block: int) -> None:
        count = self.bytes[block]
        if count < 255:
            self.bytes[block] = count - 1
        elif self.over[block] == 255:
            del self.over[block]
            self.bytes[block] = 254
        else:
            self.over[block] -= 1


def _zero_parts(values: bytes | bytearray, run: Run) -> list[tuple[int, Run]]:
    """(place, part) for each part of `run` whose counts (`values`, in its order) are 0."""
    flags = values.translate(_ZERO)
    found: list[tuple[int, Run]] = []
    at = 0
    while (start := flags.find(1, at)) >= 0:
        end = flags.find(0, start)
        end = len(flags) if end < 0 else end
        found.append((start, run[start:end]))
        at = end
    return found
