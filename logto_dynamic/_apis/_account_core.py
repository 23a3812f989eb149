"""The sans-I/O core of :class:`AccountClient` and :class:`AsyncAccountClient`.

It holds the user's token (a string, or :class:`Tokens` that can be refreshed), the current
verification record, and decides, without sending anything: which headers a call gets,
whether the token must be refreshed first, whether a failed call is worth one more try
(after a refresh or a new verification), and which typed error a failure becomes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from logto_dynamic._exceptions import (
    AccountFieldError,
    ApiError,
    MissingScopeError,
    VerificationRequiredError,
)
from logto_dynamic._oidc._tokens import Tokens

from ._account_scopes import MFA_OPERATIONS, scopes_for_call

__all__ = [
    "VERIFICATION_HEADER",
    "AccountCore",
    "UserTokenAuth",
    "VerificationRecord",
]

#: The header a verification record's id travels in.
VERIFICATION_HEADER = "logto-verification-id"
#: Seconds before its ``expiresAt`` a record is renewed (clocks differ; calls take time).
RENEW_MARGIN = 30.0

_FIELD_BY_OPERATION = {
    "UpdateOtherProfile": "profile",
    "UpdatePassword": "password",
    "UpdatePrimaryEmail": "email",
    "DeletePrimaryEmail": "email",
    "UpdatePrimaryPhone": "phone",
    "DeletePrimaryPhone": "phone",
    "UploadAccountAvatar": "avatar",
    **{op: "social" for op in ("AddUserIdentities", "ReplaceMyAccountIdentity", "DeleteIdentity")},
    **dict.fromkeys(MFA_OPERATIONS, "mfa"),
    **{
        op: "session" for op in ("GetSessions", "DeleteSessionById", "GetGrants", "DeleteGrantById")
    },
}


@dataclass(frozen=True, slots=True, repr=False)
class VerificationRecord:
    """A verified record (``POST /api/verifications/password``): its ``id`` goes in the
    ``logto-verification-id`` header until ``expires_at`` (unix seconds). The repr hides
    the id: it grants sensitive changes."""

    id: str
    expires_at: float

    @classmethod
    def from_answer(cls, data: Any) -> VerificationRecord:
        """The record from the 201 answer ``{verificationRecordId, expiresAt}``."""
        expires = datetime.fromisoformat(str(data["expiresAt"]).replace("Z", "+00:00"))
        return cls(str(data["verificationRecordId"]), expires.timestamp())

    def stale(self, now: float | None = None) -> bool:
        """Whether the record is expired or about to (:data:`RENEW_MARGIN` seconds)."""
        return (time.time() if now is None else now) >= self.expires_at - RENEW_MARGIN

    def __repr__(self) -> str:
        return f"<VerificationRecord expires_at={self.expires_at:.0f}>"


class UserTokenAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <the user's token>`` to Account API requests (never to
    the OIDC endpoints the client refreshes tokens at)."""

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "/oidc/" not in request.url.path:
            request.headers["authorization"] = f"Bearer {self._token()}"
        yield request


class AccountCore:
    """What both account clients share; the shells only send."""

    def __init__(
        self, token: str | Tokens, *, app_id: str | None, client_secret: str | None
    ) -> None:
        if isinstance(token, Tokens):
            self.tokens: Tokens | None = token
            self._token = token.access_token
            aud = token.claims.get("aud")
            self.app_id = app_id or (aud if isinstance(aud, str) else None)
        elif isinstance(token, str) and token:
            self.tokens, self._token, self.app_id = None, token, app_id
        else:
            raise TypeError("token must be an access token string or Tokens from a sign-in")
        self.client_secret = client_secret
        #: The record sent with sensitive calls (set by ``verified(...)``), and its password.
        self.record: VerificationRecord | None = None
        self._password: str | None = None

    @property
    def access_token(self) -> str:
        """The access token calls are sent with."""
        return self._token

    @property
    def granted(self) -> frozenset[str] | None:
        """The token's scopes, when known (from :class:`Tokens`)."""
        return frozenset(self.tokens.scope.split()) if self.tokens is not None else None

    # -- refresh --------------------------------------------------------------------------

    def can_refresh(self) -> bool:
        """Whether a refresh token (and the app it was issued to) is at hand."""
        return self.tokens is not None and bool(self.tokens.refresh_token) and bool(self.app_id)

    def refresh_first(self) -> bool:
        """Whether the access token has expired and can be refreshed before sending."""
        return self.can_refresh() and self.tokens is not None and self.tokens.expired

    def refresh_arguments(self) -> tuple[str, str, str | None]:
        """``(app_id, refresh_token, client_secret)`` for ``refresh_tokens``."""
        assert self.tokens is not None and self.tokens.refresh_token and self.app_id
        return self.app_id, self.tokens.refresh_token, self.client_secret

    def refreshed(self, tokens: Tokens) -> None:
        """Use the new token set (the refresh token rotated)."""
        self.tokens, self._token = tokens, tokens.access_token

    # -- verification -----------------------------------------------------------------------

    def begin_verified(self, password: str) -> None:
        """Remember the password a ``verified(...)`` block re-verifies with."""
        if not isinstance(password, str) or not password:
            raise ValueError("verified(password=...) needs the user's password")
        self._password = password

    def end_verified(self) -> None:
        """Forget the record and the password."""
        self.record, self._password = None, None

    @property
    def verifying(self) -> bool:
        """Whether a ``verified(...)`` block is open (records renew themselves)."""
        return self._password is not None

    def verification_body(self) -> dict[str, str]:
        """The body of ``CreateVerificationByPassword`` for the open block."""
        assert self._password is not None
        return {"password": self._password}

    def verify_first(self, operation_id: str, explicit: VerificationRecord | None) -> bool:
        """Whether the open block's record must be made or renewed before this call."""
        return (
            explicit is None
            and self.verifying
            and takes_verification(operation_id)
            and (self.record is None or self.record.stale())
        )

    def call_options(
        self, operation_id: str, options: Mapping[str, Any], explicit: VerificationRecord | None
    ) -> dict[str, Any]:
        """The call's options with the verification header added where it belongs."""
        record = explicit or (self.record if self.verifying else None)
        if record is None or not takes_verification(operation_id):
            return dict(options)
        headers = dict(options.get("headers") or {})
        if not any(name.lower() == VERIFICATION_HEADER for name in headers):
            headers[VERIFICATION_HEADER] = record.id
        return {**options, "headers": headers}

    # -- failures ---------------------------------------------------------------------------

    def retry_after(self, error: ApiError, explicit: VerificationRecord | None) -> str | None:
        """``"verify"`` / ``"refresh"`` when one more try is worth it, else None."""
        if (
            isinstance(error, VerificationRequiredError)
            and explicit is None
            and self.verifying
            and error.operation_id is not None
            and takes_verification(error.operation_id)
        ):
            return "verify"
        if error.status_code == 401 and error.code == "auth.unauthorized" and self.can_refresh():
            missing = _missing(self.granted, error.operation_id or "", None)
            return None if missing else "refresh"
        return None

    def typed(self, error: ApiError, body: Any) -> ApiError:
        """The Account API's typed error for a failure (``error`` itself when none fits)."""
        return typed_error(error, body, self.granted)


def takes_verification(operation_id: str) -> bool:
    """Whether the operation reads the ``logto-verification-id`` header."""
    return operation_id in _VERIFIED_OPERATIONS


_VERIFIED_OPERATIONS = frozenset(
    {
        "UpdateProfile",
        "UpdatePassword",
        "UpdateMfaSettings",
        "UpdateLogtoConfig",
        "UpdatePrimaryEmail",
        "DeletePrimaryEmail",
        "UpdatePrimaryPhone",
        "DeletePrimaryPhone",
        "AddUserIdentities",
        "ReplaceMyAccountIdentity",
        "DeleteIdentity",
        "AddMfaVerification",
        "CreateOrReplaceTotpMfaVerification",
        "GetBackupCodes",
        "UpdateMfaVerificationName",
        "DeleteMfaVerification",
        "GetSessions",
        "DeleteSessionById",
        "GetGrants",
        "DeleteGrantById",
    }
)


def typed_error(error: ApiError, body: Any, granted: frozenset[str] | None) -> ApiError:
    """The Account API's typed error for a failure, knowing the token's ``granted`` scopes
    when they are known (``error`` itself when none fits)."""
    op_id = error.operation_id or ""
    if isinstance(error, AccountFieldError) and error.field is None:
        return _rebuild(AccountFieldError, error, field=_field(op_id, body))
    if error.code in ("auth.unauthorized", "auth.forbidden"):
        needed = scopes_for_call(op_id, body)
        missing = _missing(granted, op_id, body)
        if missing:
            return _rebuild(MissingScopeError, error, scope=missing[0])
        # Unknown scopes: a 400 auth.unauthorized only ever means a missing scope.
        if needed and granted is None and error.status_code == 400:
            return _rebuild(MissingScopeError, error, scope=needed[-1])
    return error


def _missing(granted: frozenset[str] | None, operation_id: str, body: Any) -> list[str]:
    """The scopes the call needs that the token lacks (none when its scopes are unknown)."""
    if granted is None:
        return []
    return [s for s in scopes_for_call(operation_id, body) if s not in granted]


def _field(operation_id: str, body: Any) -> str | None:
    if operation_id == "UpdateProfile" and isinstance(body, dict):
        fields = [k for k in ("name", "avatar", "username", "customData") if k in body]
        return ", ".join(fields) or None
    return _FIELD_BY_OPERATION.get(operation_id)


def _rebuild(cls: type[ApiError], error: ApiError, **extra: Any) -> ApiError:
    rebuilt = cls(
        error.message,
        status_code=error.status_code,
        code=error.code,
        data=error.data,
        details=error.details,
        operation_id=error.operation_id,
        violations=error.violations,
        result=error.result,
        **extra,
    )
    rebuilt.__cause__ = error.__cause__
    return rebuilt
