"""The result of a call, the :class:`ApiError` built from a failed one, and the walk over
the pages of a list answer (:class:`PageWalk`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from logto_dynamic._document._operations import Operation
from logto_dynamic._exceptions import (
    AccountCenterDisabledError,
    AccountFieldError,
    ApiError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    MfaBindingRequired,
    MfaRequired,
    MfaSuggested,
    NotFoundError,
    PaginationError,
    RateLimitError,
    ServerError,
    UnauthorizedError,
    UnprocessableEntityError,
    VerificationRequiredError,
)
from logto_dynamic._validation._violations import Violation

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_PAGES",
    "ERRORS_BY_CODE",
    "ERRORS_BY_STATUS",
    "PageWalk",
    "Result",
    "api_error_for",
]


@dataclass(frozen=True, slots=True, repr=False)
class Result:
    """What a call returned.

    ``data`` is the parsed JSON body, the text of a text body, or None for an empty one.
    ``violations`` lists what did not match the document (empty unless validation is
    ``"warn"``, or the call raised). The repr never shows the body: it may hold secrets.
    """

    status_code: int
    data: Any
    headers: httpx.Headers
    http: httpx.Response
    operation: Operation
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """True for 1xx-3xx statuses."""
        return self.status_code < 400

    def __repr__(self) -> str:
        extra = f", {len(self.violations)} violation(s)" if self.violations else ""
        return f"<Result {self.operation.operation_id} {self.status_code}{extra}>"


#: Logto error code -> the ApiError subclass raised for it (checked before the status).
#: Other modules may add entries; the class is built with the keywords of ``ApiError``,
#: ``data`` included, so a subclass can read what it needs from it.
ERRORS_BY_CODE: dict[str, type[ApiError]] = {
    "session.mfa.require_mfa_verification": MfaRequired,
    "user.suggest_mfa": MfaSuggested,
    "user.missing_mfa": MfaBindingRequired,
    "account_center.not_enabled": AccountCenterDisabledError,
    "account_center.field_not_editable": AccountFieldError,
    "account_center.field_not_enabled": AccountFieldError,
    "verification_record.permission_denied": VerificationRequiredError,
}

#: HTTP status -> the ApiError subclass raised for it (5xx: ServerError; else ApiError).
ERRORS_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


#: What to do next, for Logto codes whose own message does not say (on ``ApiError.hint``).
HINTS = {
    "session.not_found": "no interaction on this client: start one with "
    "client.interaction(app_id, redirect_uri) (the OIDC authorization request sets the "
    "interaction cookies), then call the Experience API on the same client",
}


def api_error_for(result: Result) -> ApiError:
    """The ApiError for a failed result: by Logto error code first, then by status."""
    body = result.data if isinstance(result.data, dict) else {}
    code = _str_or_none(body.get("code"))
    status = result.status_code
    cls = (
        (ERRORS_BY_CODE.get(code) if code is not None else None)
        or ERRORS_BY_STATUS.get(status)
        or (ServerError if status >= 500 else ApiError)
    )
    return cls(
        _str_or_none(body.get("message")),
        status_code=status,
        code=code,
        data=body.get("data"),
        details=_str_or_none(body.get("details")),
        operation_id=result.operation.operation_id,
        violations=result.violations,
        result=result,
        hint=HINTS.get(code or ""),
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# Pagination by page number, without I/O: what page to ask for next and when to stop.
# Logto's lists take ``page`` (from 1) and ``page_size`` and carry the total in the
# ``Total-Number`` header. Their ``Link`` header is never followed: Logto 1.42 builds it
# without the ``/api`` prefix, so its URLs answer 404.

#: The most pages one ``paginate()`` asks for, unless told otherwise.
DEFAULT_MAX_PAGES = 1_000
#: The most items one ``paginate()`` yields, unless told otherwise.
DEFAULT_MAX_ITEMS = 100_000


class PageWalk:
    """The state of one ``paginate()``: the query of the next page, the items seen so far.

    The walk stops after the page that reaches ``Total-Number`` items, after a short or empty
    page, or, without the header, after the first page shorter than ``page_size``. It is
    bounded whatever the server answers: a page equal to the one before (a server that
    ignores ``page``) and a walk past ``max_pages`` pages or ``max_items`` items raise
    :class:`PaginationError` (the items before are yielded; none past the cap).
    """

    def __init__(
        self,
        operation_id: str,
        query: Mapping[str, Any] | None,
        page_size: int,
        *,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        for name, value in (("page_size", page_size), ("max_pages", max_pages)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0:
            raise ValueError(f"max_items must be a non-negative integer, not {max_items!r}")
        reserved = {"page", "page_size"} & set(query or {})
        if reserved:
            raise ValueError(f"paginate() sets {', '.join(sorted(reserved))} itself")
        self.operation_id = operation_id
        self.query = dict(query or {})
        self.page_size = page_size
        self.max_pages = max_pages
        self.max_items = max_items
        self.page = 1
        self.seen = 0
        self.total: int | None = None
        self.done = False
        self._previous: list[Any] | None = None
        self._stop: PaginationError | None = None  # raised before the next page is asked for

    def next_query(self) -> dict[str, Any]:
        """The query of the next page (:class:`PaginationError` when a bound was hit)."""
        if self._stop is not None:
            raise self._stop
        if self.page > self.max_pages:
            raise self._error(f"stopped after max_pages={self.max_pages} pages")
        return {**self.query, "page": self.page, "page_size": self.page_size}

    def take(self, data: Any, headers: Mapping[str, str]) -> list[Any]:
        """The items of a page's answer; moves on to the next page or marks the walk done."""
        if not isinstance(data, list):
            raise self._error(
                f"page {self.page} is not a JSON array ({type(data).__name__}); "
                "it cannot be paginated"
            )
        self._read_total(headers.get("total-number"))
        if data and data == self._previous:
            raise self._error(
                f"page {self.page} repeats page {self.page - 1} (does the server ignore 'page'?)"
            )
        self._previous = data
        room = self.max_items - self.seen
        self.seen += len(data)
        self.page += 1
        short = len(data) < self.page_size
        reached = self.total is not None and self.seen >= self.total
        self.done = not data or short or reached
        if len(data) > room or (not self.done and self.seen >= self.max_items):
            self.done = False
            self._stop = self._error(f"stopped at max_items={self.max_items} items")
            return data[: max(room, 0)]
        return data

    def _read_total(self, raw: str | None) -> None:
        if raw is None:
            return
        try:
            self.total = int(raw)
        except ValueError:
            raise self._error(f"Total-Number is not a number ({raw[:40]!r})") from None

    def _error(self, why: str) -> PaginationError:
        return PaginationError(f"{self.operation_id}: {why}")
