"""The exception hierarchy of logto_dynamic.

Every exception the library raises on purpose derives from :class:`LogtoDynamicError`::

    LogtoDynamicError
    ├── SpecError                      the OpenAPI document cannot be used as asked
    │   ├── SpecLoadError              it could not be read or parsed
    │   ├── DuplicateOperationError    two operations share one operationId
    │   └── QuarantinedOperationError  the operation is broken in the document
    ├── UnknownOperationError          no operation by that name (also an AttributeError)
    ├── AmbiguousOperationError        a forgiving name matches several operations
    ├── ValidationError                a message does not match the document
    │   ├── RequestValidationError     raised before anything is sent
    │   └── ResponseValidationError    the server's answer does not match
    ├── TransportError                 the request did not complete (wraps httpx errors)
    │   ├── ConnectError
    │   └── RequestTimeoutError
    └── ApiError                       the server answered 4xx/5xx
        ├── BadRequestError            400
        ├── UnauthorizedError          401
        ├── ForbiddenError             403
        ├── NotFoundError              404
        ├── ConflictError              409
        ├── UnprocessableEntityError   422
        ├── RateLimitError             429
        └── ServerError                5xx

Context is carried as attributes (``.violations``, ``.operation_id``, ``.status_code``,
``.code`` ...). Messages never contain the value of a secret field.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from logto_dynamic._results import Result
    from logto_dynamic._violations import Violation

__all__ = [
    "AmbiguousOperationError",
    "ApiError",
    "BadRequestError",
    "ConflictError",
    "ConnectError",
    "DuplicateOperationError",
    "ForbiddenError",
    "LogtoDynamicError",
    "NotFoundError",
    "QuarantinedOperationError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseValidationError",
    "ServerError",
    "SpecError",
    "SpecLoadError",
    "TransportError",
    "UnauthorizedError",
    "UnknownOperationError",
    "UnprocessableEntityError",
    "ValidationError",
]


class LogtoDynamicError(Exception):
    """Base class of every error raised by logto_dynamic."""


class SpecError(LogtoDynamicError):
    """The OpenAPI document cannot be used as asked."""


class SpecLoadError(SpecError):
    """The OpenAPI document could not be read, fetched or parsed."""


class DuplicateOperationError(SpecError):
    """Two operations of one document share an operationId."""

    def __init__(self, operation_id: str, locations: Sequence[str]) -> None:
        self.operation_id = operation_id
        self.locations = tuple(locations)
        super().__init__(
            f"operationId {operation_id!r} is used by several operations: {', '.join(locations)}"
        )


class QuarantinedOperationError(SpecError):
    """The operation is broken in the document and was set aside when it was loaded."""

    def __init__(self, operation_id: str, problems: Sequence[str]) -> None:
        self.operation_id = operation_id
        self.problems = tuple(problems)
        detail = "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
        super().__init__(f"operation {operation_id!r} is quarantined: {detail}")


class UnknownOperationError(LogtoDynamicError, AttributeError):
    """No operation of the document answers to that name."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.suggestions = tuple(_suggest(name, known))
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown operation {name!r}{hint}")


class AmbiguousOperationError(LogtoDynamicError, LookupError):
    """A forgiving name (other case or word style) matches more than one operation."""

    def __init__(self, name: str, candidates: Sequence[str]) -> None:
        self.name = name
        self.candidates = tuple(candidates)
        super().__init__(
            f"operation name {name!r} is ambiguous: it matches {' and '.join(candidates)}; "
            "use the exact operationId"
        )


class ValidationError(LogtoDynamicError):
    """A message does not match the OpenAPI document.

    ``violations`` lists every problem, most relevant first; ``str()`` leads with it.
    """

    direction = "message"

    def __init__(self, operation_id: str, violations: Sequence[Violation]) -> None:
        self.operation_id = operation_id
        self.violations = tuple(violations)
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.violations:
            return f"{self.operation_id}: invalid {self.direction}"
        first = self.violations[0]
        more = len(self.violations) - 1
        tail = f" (and {more} more: {'; '.join(str(v) for v in self.violations[1:4])}" + (
            " ...)" if more > 3 else ")"
        )
        return f"{self.operation_id}: invalid {self.direction}: {first}" + (tail if more else "")


class RequestValidationError(ValidationError):
    """The request does not match the document; nothing was sent."""

    direction = "request"


class ResponseValidationError(ValidationError):
    """The server's answer does not match the document. ``result`` holds the answer."""

    direction = "response"

    def __init__(
        self, operation_id: str, violations: Sequence[Violation], result: Result | None = None
    ) -> None:
        self.result = result
        super().__init__(operation_id, violations)


class TransportError(LogtoDynamicError):
    """The request did not complete; the httpx error is chained as ``__cause__``."""

    def __init__(self, message: str, *, operation_id: str | None = None) -> None:
        self.operation_id = operation_id
        super().__init__(message)


class ConnectError(TransportError):
    """The server could not be reached."""


class RequestTimeoutError(TransportError):
    """The server did not answer in time."""


class ApiError(LogtoDynamicError):
    """The server answered with a 4xx or 5xx status.

    ``code`` is Logto's error code (``session.invalid_credentials``), so callers can branch
    on it; ``message``, ``data`` and ``details`` come from the error body when there is one.
    """

    def __init__(self, result: Result) -> None:
        self.result = result
        self.status_code = result.status_code
        self.operation_id = result.operation.operation_id
        body = result.data if isinstance(result.data, dict) else {}
        self.code: str | None = _str_or_none(body.get("code"))
        self.message: str | None = _str_or_none(body.get("message"))
        self.data: Any = body.get("data")
        self.details: str | None = _str_or_none(body.get("details"))
        self.violations = result.violations
        label = f" {self.code}" if self.code else ""
        text = f": {self.message}" if self.message else ""
        super().__init__(f"{self.operation_id} failed with HTTP {self.status_code}{label}{text}")


class BadRequestError(ApiError):
    """HTTP 400."""


class UnauthorizedError(ApiError):
    """HTTP 401."""


class ForbiddenError(ApiError):
    """HTTP 403."""


class NotFoundError(ApiError):
    """HTTP 404."""


class ConflictError(ApiError):
    """HTTP 409."""


class UnprocessableEntityError(ApiError):
    """HTTP 422."""


class RateLimitError(ApiError):
    """HTTP 429."""


class ServerError(ApiError):
    """HTTP 5xx."""


_API_ERRORS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def api_error_for(result: Result) -> ApiError:
    """Build the ApiError subclass that fits the result's status."""
    status = result.status_code
    cls = _API_ERRORS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(result)


@contextlib.contextmanager
def map_transport_errors(operation_id: str) -> Iterator[None]:
    """Turn httpx transport errors raised inside the block into our hierarchy."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise RequestTimeoutError(
            f"{operation_id}: timed out ({type(exc).__name__})", operation_id=operation_id
        ) from exc
    except httpx.ConnectError as exc:
        raise ConnectError(
            f"{operation_id}: could not connect ({exc})", operation_id=operation_id
        ) from exc
    except httpx.TransportError as exc:
        raise TransportError(
            f"{operation_id}: {type(exc).__name__}: {exc}", operation_id=operation_id
        ) from exc


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _suggest(name: str, known: Sequence[str]) -> list[str]:
    from logto_dynamic._naming import normalize_name

    by_key = {normalize_name(k): k for k in known}
    keys = difflib.get_close_matches(normalize_name(name), list(by_key), n=3, cutoff=0.6)
    return [by_key[k] for k in keys]
