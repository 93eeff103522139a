"""Drawing from fixed distributions, cheaply: the generator draws tens of millions of times.

`random.choices` recomputes cumulative weights on every call and `randint` goes through
several layers of argument checks; both showed at the top of the profile.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A distribution over values given as {value: weight}: `Weighted({"a": 3, "b": 1}).pick(rng)`
    draws "a" three times as often as "b"."""

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive, like rng.randint."""
    return low + int(rng.random() * (high - low + 1))
