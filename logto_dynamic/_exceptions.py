"""The exception hierarchy of logto_dynamic.

Every exception the library raises on purpose derives from :class:`LogtoDynamicError`::

    LogtoDynamicError
    ├── SpecError                      the OpenAPI document cannot be used as asked
    │   ├── SpecLoadError              it could not be read or parsed
    │   ├── DuplicateOperationError    two operations share one operationId
    │   ├── QuarantinedOperationError  the operation is broken in the document
    │   └── UnresolvableRefError       a ``$ref`` points nowhere in the document
    ├── UnknownOperationError          no operation by that name (also an AttributeError)
    ├── AmbiguousOperationError        a forgiving name matches several operations
    ├── ValidationError                a message does not match the document
    │   ├── RequestValidationError     raised before anything is sent
    │   └── ResponseValidationError    the server's answer does not match
    ├── TransportError                 the request did not complete (wraps httpx errors)
    │   ├── ConnectError
    │   └── RequestTimeoutError
    ├── OidcError                      a sign-in's OIDC round did not complete (``.error``)
    │   ├── AuthorizationError         the server answered an OIDC error (redirect or JSON)
    │   │   └── LoginRequired          prompt=none without a Logto session (login_required)
    │   ├── ConsentRequiredError       a third-party app: Logto shows a consent page
    │   ├── StateMismatchError         the code redirect's ``state`` or ``iss`` is not ours
    │   ├── TokenRequestError          a token/revocation/userinfo endpoint refused
    │   └── TokenVerificationError     an ID or access token failed a check (``.check``)
    │       └── UnknownKeyIdError      its ``kid`` is not in the JWKS (it may have rotated)
    ├── HarError                       the file is not a HAR document (also a ValueError)
    ├── PaginationError                a list answer cannot be paginated
    ├── MissingExtraError              an optional extra is not installed (also an ImportError)
    ├── AccountsExhausted              a load test's distinct test accounts are all taken
    └── ApiError                       the server answered 4xx/5xx
        ├── BadRequestError            400
        ├── UnauthorizedError          401
        ├── ForbiddenError             403
        │   └── MfaRequired            session.mfa.require_mfa_verification (``.factors``)
        ├── NotFoundError              404
        ├── ConflictError              409
        ├── UnprocessableEntityError   422
        │   ├── MfaSuggested           user.suggest_mfa: binding MFA is offered, skippable
        │   └── MfaBindingRequired     user.missing_mfa (``.factors``, ``.skippable``)
        ├── RateLimitError             429
        ├── ServerError                5xx
        ├── AccountCenterDisabledError 400 account_center.not_enabled (also a BadRequestError)
        ├── AccountFieldError          400 account_center.field_not_editable/_enabled (``.field``)
        ├── VerificationRequiredError  401 verification_record.permission_denied
        └── MissingScopeError          the user's token lacks the scope (``.scope``)

Context is carried as attributes (``.violations``, ``.operation_id``, ``.status_code``,
``.code`` ...). The classes only keep what they are given: their raisers build them (an
``ApiError`` from a result: ``_results.api_error_for``; httpx errors are mapped in the
client shells, ``_client.py``). Messages never contain the value of a secret field, nor a
code, token, verifier or cookie.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AccountCenterDisabledError",
    "AccountFieldError",
    "AccountsExhausted",
    "AmbiguousOperationError",
    "ApiError",
    "AuthorizationError",
    "BadRequestError",
    "ConflictError",
    "ConnectError",
    "ConsentRequiredError",
    "DuplicateOperationError",
    "ForbiddenError",
    "HarError",
    "LoginRequired",
    "LogtoDynamicError",
    "MissingScopeError",
    "MfaBindingRequired",
    "MfaRequired",
    "MfaSuggested",
    "MissingExtraError",
    "NotFoundError",
    "OidcError",
    "PaginationError",
    "QuarantinedOperationError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestValidationError",
    "ResponseValidationError",
    "ServerError",
    "SpecError",
    "SpecLoadError",
    "StateMismatchError",
    "TokenRequestError",
    "TokenVerificationError",
    "TransportError",
    "UnauthorizedError",
    "UnknownKeyIdError",
    "UnknownOperationError",
    "UnprocessableEntityError",
    "VerificationRequiredError",
    "UnresolvableRefError",
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


class OidcError(LogtoDynamicError):
    """The OIDC round did not complete. ``error``/``error_description`` as the server sent them."""

    def __init__(
        self, message: str, *, error: str | None = None, error_description: str | None = None
    ) -> None:
        self.error = error
        self.error_description = error_description
        super().__init__(message)


class AuthorizationError(OidcError):
    """The authorization server answered an OIDC error (``invalid_request``, ...)."""


class LoginRequired(AuthorizationError):
    """A silent sign-in (``prompt=none``) found no Logto session: ``error == "login_required"``."""


class ConsentRequiredError(OidcError):
    """The app is a third-party app: Logto shows a consent page that a person must accept."""


class StateMismatchError(OidcError):
    """The code redirect's ``state`` or ``iss`` does not belong to this interaction."""


class TokenRequestError(OidcError):
    """The token, revocation or userinfo endpoint refused (``status_code`` is its HTTP
    status; ``code`` is Logto's error code, e.g. ``oidc.invalid_client``, when the answer
    had one)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str | None = None,
        error_description: str | None = None,
        code: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        super().__init__(message, error=error, error_description=error_description)


class TokenVerificationError(OidcError):
    """A token failed verification. ``check`` names the check that failed when known:
    ``format``, ``alg``, ``typ``, ``kid``, ``signature``, ``iss``, ``aud``, ``exp``,
    ``nbf``, ``scope`` (``error`` is then ``invalid_token``, or ``insufficient_scope``)."""

    def __init__(
        self,
        message: str,
        *,
        check: str | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> None:
        self.check = check
        super().__init__(message, error=error, error_description=error_description)


class UnknownKeyIdError(TokenVerificationError):
    """The ID token names a ``kid`` the JWKS does not hold (the JWKS may have rotated)."""


class HarError(LogtoDynamicError, ValueError):
    """The file is not a HAR document."""


class PaginationError(LogtoDynamicError):
    """A list answer cannot be paginated (its body is not a JSON array, or
    ``Total-Number`` is not a number), or the walk hit a bound (a page repeating the one
    before, ``max_pages`` or ``max_items``)."""


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


class MissingExtraError(LogtoDynamicError, ImportError):
    """An optional extra is not installed: the message names it and the pip command
    (``pip install "logto-dynamic[server]"``, or ``pip install ".[server]"`` from a checkout)."""


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


class AccountsExhausted(LogtoDynamicError, LookupError):
    """Every test account of a load test's pool is taken (``logto_dynamic.load``): each was
    to go to one simulated user only, and more users than accounts were started."""
