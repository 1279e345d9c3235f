"""The two sides of every comparison, named once: contiguous and paged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, Iterator, Literal, TypeVar

T = TypeVar("T")
U = TypeVar("U")

Side = Literal["contiguous", "paged"]
SIDES: tuple[Side, Side] = ("contiguous", "paged")


@dataclass(frozen=True, slots=True)
class Pair(Generic[T]):
    """One value per side."""

    contiguous: T
    paged: T

    def __getitem__(self, side: Side) -> T:
        return self.contiguous if side == "contiguous" else self.paged

    def items(self) -> Iterator[tuple[Side, T]]:
        yield "contiguous", self.contiguous
        yield "paged", self.paged

    def __iter__(self) -> Iterator[T]:
        yield self.contiguous
        yield self.paged

    def map(self, f: Callable[[T], U]) -> Pair[U]:
        return Pair(f(self.contiguous), f(self.paged))
