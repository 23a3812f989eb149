"""The errors of an HTTP API answer (4xx/5xx): the status tree, the sign-in's MFA answers
and the Account API's errors, each with a hint saying what to do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._base import LogtoDynamicError


class ApiError(LogtoDynamicError):
    """The server answered with a 4xx or 5xx status.

    ``code`` is Logto's error code (``session.invalid_credentials``), so callers can branch
    on it; ``message``, ``data`` and ``details`` come from the error body when there is one;
    ``result`` is the :class:`~logto_dynamic.Result` the error was built from (if any);
    ``hint`` what to do next, for codes whose message does not say (``session.not_found``).
    The client builds these from an answer; the class only keeps what it is given.
    """

    def __init__(
        self,
        message: str | None,
        *,
        status_code: int,
        code: str | None = None,
        data: Any = None,
        details: str | None = None,
        operation_id: str | None = None,
        violations: Sequence[Any] = (),
        result: Any = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.code = code
        self.data = data
        self.details = details
        self.operation_id = operation_id
        self.violations = tuple(violations)
        self.result = result
        self.hint = hint
        who = f"{operation_id} failed with HTTP" if operation_id else "HTTP"
        label = f" {code}" if code else ""
        text = f": {message}" if message else ""
        advice = f" (hint: {hint})" if hint else ""
        super().__init__(f"{who} {status_code}{label}{text}{advice}")


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


def _factors(data: Any) -> tuple[str, ...]:
    factors = data.get("availableFactors") if isinstance(data, dict) else None
    return tuple(str(f) for f in factors) if isinstance(factors, list) else ()


class MfaRequired(ForbiddenError):
    """403 ``session.mfa.require_mfa_verification``: verify one of ``factors`` first.

    ``factors`` come from the answer's ``data.availableFactors`` (``("Totp", "BackupCode")``).
    """

    def __init__(self, message: str | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.factors = _factors(self.data)


class MfaSuggested(UnprocessableEntityError):
    """422 ``user.suggest_mfa`` (Logto 1.42): binding MFA is offered; skipping is allowed."""

    skippable = True

    def __init__(self, message: str | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.factors = _factors(self.data)


class MfaBindingRequired(UnprocessableEntityError):
    """422 ``user.missing_mfa``: bind one of ``factors`` before submitting.

    Logto 1.22 also answers a mere suggestion this way, with ``data.skippable: true``;
    ``skippable`` tells the two apart (1.42 answers suggestions with :class:`MfaSuggested`).
    """

    def __init__(self, message: str | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.factors = _factors(self.data)
        self.skippable = isinstance(self.data, dict) and self.data.get("skippable") is True


class RateLimitError(ApiError):
    """HTTP 429."""


class ServerError(ApiError):
    """HTTP 5xx."""


# -- the Account API's errors: each says what to do (``.hint``, also in the message) ---------------


class AccountCenterDisabledError(BadRequestError):
    """400 ``account_center.not_enabled``: the Logto's account center is off, so every
    Account API route refuses. ``hint`` says how to switch it on."""

    def __init__(self, message: str | None, **kwargs: Any) -> None:
        kwargs["hint"] = (
            "Enable the account center: Management API PATCH /api/account-center with "
            '{"enabled": true, "fields": {...}} (embedded server: '
            "logto_server.account_center(enabled=True, ...))"
        )
        super().__init__(message, **kwargs)


class AccountFieldError(BadRequestError):
    """400 ``account_center.field_not_editable`` (a write to a field that is not ``Edit``)
    or ``account_center.field_not_enabled`` (a read of a field that is ``Off``).

    ``field`` is the account-center field the call touched, when the caller knows it.
    """

    def __init__(self, message: str | None, *, field: str | None = None, **kwargs: Any) -> None:
        name = f"`{field}`" if field else "the field"
        if kwargs.get("code") == "account_center.field_not_enabled":
            todo = f"set {name} to ReadOnly or Edit"
        else:
            todo = f"set {name} to Edit"
        kwargs["hint"] = (
            f"Make it editable: {todo} in the account center's fields (PATCH "
            "/api/account-center; `fields` replaces the whole map, a missing field is Off)"
        )
        super().__init__(message, **kwargs)
        self.field = field


class VerificationRequiredError(UnauthorizedError):
    """401 ``verification_record.permission_denied``: the change needs a fresh verification
    record (missing, unknown, another user's, or older than 600 s)."""

    def __init__(self, message: str | None, **kwargs: Any) -> None:
        kwargs["hint"] = (
            "Verify again: `with account.verified(password=...)`, or POST "
            "/api/verifications/password and send its verificationRecordId as the "
            "logto-verification-id header (a record lasts 600 s)"
        )
        super().__init__(message, **kwargs)


class MissingScopeError(ApiError):
    """The user's access token lacks ``scope`` (Logto answers ``auth.unauthorized`` with 400
    or 401, or ``auth.forbidden``): sign in again asking for it."""

    def __init__(self, message: str | None, *, scope: str, **kwargs: Any) -> None:
        kwargs["hint"] = (
            f"The token needs the `{scope}` scope: ask for it at sign-in, e.g. "
            f"interaction(..., scopes=account_scopes(...)) with it included"
        )
        super().__init__(message, **kwargs)
        self.scope = scope
