"""Page numbers over lists that may hold a hundred thousand rows.

Counting every row of a broad list is most of the cost of showing its first page (COUNT(*)
over 100,000 cases takes longer than reading the 50 rows shown). The count stops at COUNT_CAP:
below it the page says exactly how many there are, above it "more than 10,000", and paging
stops there — a list that long is narrowed with filters or exported, not paged through.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def counted(self) -> int:
        """The rows, counted up to cap + 1 (which reads as "more than cap")."""
        # Without the page's annotations and ordering, which a count does not need.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def count_is_exact(self) -> bool:
        return self.counted <= self.cap

    def page(self, number: Any) -> Any:
        """A full page even where the count stopped short of the rows (Django cuts the last
        page at the count)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.count_is_exact and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)
