"""What the sections of one run share: the user, the clients, the connection, the options."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from cases import queries as access
from cases.exports.profiles import PURPOSES, Profile
from cases.filters import DetentionFilter
from cases.models import Detention

from .common import Out, Section


def filtered_detentions(user: Any, profile: str, params: str = "") -> Any:
    """The rows an export of `profile` with the query string `params` holds, through the same
    filter set the endpoint uses."""
    reader = access.Reader.of(user, PURPOSES[Profile(profile)])
    queryset = access.visible_detentions(reader)
    if not params:
        return queryset
    filterset = DetentionFilter(data=QueryDict(params), queryset=queryset, reader=reader)
    if not filterset.is_valid():
        raise ValueError(f"bad filter {params!r}: {filterset.errors}")
    return filterset.qs


@dataclass
class Options:
    scale: float | None = None
    seed: int | None = None
    export_budget: float = 15.0  # seconds of repeated runs per export (at least two runs)
    floor_budget: float = 20.0
    requests: int = 50  # timed requests per latency benchmark
    latency_budget: float = 15.0  # seconds of timed requests per benchmark, API and SQL each
    warmups: int = 3
    memory_sizes: tuple[int, ...] = (10_000, 100_000, 300_000)
    baseline: bool = True
    memory: bool = True
    sections: tuple[str, ...] = ("exports", "memory", "latency", "html", "explain")


@dataclass
class Context:
    user: Any
    raw: Any
    out: Out
    options: Options
    sections: list[Section] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def rows(self, profile: str, params: str = "") -> int:
        return filtered_detentions(self.user, profile, params).count()

    def filter_for_rows(self, wanted: int, profile: str = "internal") -> tuple[str, int]:
        """A `detained=../<day>` filter keeping about `wanted` rows of the export, and how many
        it keeps; no filter when the data holds fewer rows than wanted."""
        total = self.rows(profile)
        if wanted >= total:
            return "", total
        bounds = (
            Detention.objects.filter(detained_on_earliest__gt=datetime.date(1, 1, 1))
            .order_by("detained_on_earliest")
            .values_list("detained_on_earliest", flat=True)
        )
        low, high = bounds.first(), bounds.last()
        if low is None or high is None:
            return "", total
        best = ("", total)
        while low <= high:
            middle = low + (high - low) // 2
            params = f"detained=../{middle.isoformat()}"
            found = self.rows(profile, params)
            if abs(found - wanted) < abs(best[1] - wanted):
                best = (params, found)
            if found < wanted:
                low = middle + datetime.timedelta(days=1)
            elif found > wanted:
                high = middle - datetime.timedelta(days=1)
            else:
                break
        return best
