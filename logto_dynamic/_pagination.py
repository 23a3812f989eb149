"""Pagination by page number, without I/O: what page to ask for next and when to stop.

Logto's lists take ``page`` (from 1) and ``page_size`` and carry the total in the
``Total-Number`` header. Their ``Link`` header is never followed: Logto 1.42 builds it
without the ``/api`` prefix, so its URLs answer 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from logto_dynamic._exceptions import PaginationError

__all__ = ["PageWalk"]


class PageWalk:
    """The state of one ``paginate()``: the query of the next page, the items seen so far.

    The walk stops after the page that reaches ``Total-Number`` items, after a short or empty
    page, or, without the header, after the first page shorter than ``page_size``.
    """

    def __init__(self, operation_id: str, query: Mapping[str, Any] | None, page_size: int) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size must be a positive integer, not {page_size!r}")
        reserved = {"page", "page_size"} & set(query or {})
        if reserved:
            raise ValueError(f"paginate() sets {', '.join(sorted(reserved))} itself")
        self.operation_id = operation_id
        self.query = dict(query or {})
        self.page_size = page_size
        self.page = 1
        self.seen = 0
        self.total: int | None = None
        self.done = False

    def next_query(self) -> dict[str, Any]:
        """The query of the next page."""
        return {**self.query, "page": self.page, "page_size": self.page_size}

    def take(self, data: Any, headers: Mapping[str, str]) -> list[Any]:
        """The items of a page's answer; moves on to the next page or marks the walk done."""
        if not isinstance(data, list):
            raise PaginationError(
                f"{self.operation_id}: page {self.page} is not a JSON array "
                f"({type(data).__name__}); it cannot be paginated"
            )
        raw_total = headers.get("total-number")
        if raw_total is not None:
            try:
                self.total = int(raw_total)
            except ValueError:
                raise PaginationError(
                    f"{self.operation_id}: Total-Number is not a number ({raw_total[:40]!r})"
                ) from None
        self.seen += len(data)
        self.page += 1
        short = len(data) < self.page_size
        reached = self.total is not None and self.seen >= self.total
        self.done = not data or short or reached
        return data
