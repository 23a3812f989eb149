"""The foundations of the tree: the base class, the document's and the messages' errors,
the transport's, and the errors of files, pages, extras and load-test pools."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


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


class UnresolvableRefError(SpecError):
    """A ``$ref`` points nowhere in the document."""

    def __init__(self, ref: str, reason: str) -> None:
        self.ref = ref
        super().__init__(f"cannot resolve $ref {ref!r}: {reason}")


class UnknownOperationError(LogtoDynamicError, AttributeError):
    """No operation of the document answers to that name."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
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

    ``violations`` lists every problem (:class:`~logto_dynamic.Violation`), most relevant
    first; ``str()`` leads with it.
    """

    direction = "message"

    def __init__(self, operation_id: str, violations: Sequence[Any]) -> None:
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

    def __init__(self, operation_id: str, violations: Sequence[Any], result: Any = None) -> None:
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


class HarError(LogtoDynamicError, ValueError):
    """The file is not a HAR document."""


class PaginationError(LogtoDynamicError):
    """A list answer cannot be paginated (its body is not a JSON array, or
    ``Total-Number`` is not a number), or the walk hit a bound (a page repeating the one
    before, ``max_pages`` or ``max_items``)."""


class MissingExtraError(LogtoDynamicError, ImportError):
    """An optional extra is not installed: the message names it and the pip command
    (``pip install "logto-dynamic[server]"``, or ``pip install ".[server]"`` from a checkout)."""


class AccountsExhausted(LogtoDynamicError, LookupError):
    """Every test account of a load test's pool is taken (``logto_dynamic.load``): each was
    to go to one simulated user only, and more users than accounts were started."""
