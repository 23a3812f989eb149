"""The result of a call, and the :class:`ApiError` built from a failed one."""

from __future__ import annotations

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
    RateLimitError,
    ServerError,
    UnauthorizedError,
    UnprocessableEntityError,
    VerificationRequiredError,
)
from logto_dynamic._validation._violations import Violation

__all__ = ["ERRORS_BY_CODE", "ERRORS_BY_STATUS", "Result", "api_error_for"]


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
