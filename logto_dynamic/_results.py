"""The result of a call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from logto_dynamic._operations import Operation
from logto_dynamic._violations import Violation

__all__ = ["Result"]


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
