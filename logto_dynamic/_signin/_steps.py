"""The steps of an interaction, written once as sans-I/O generators.

Each step yields one :class:`OperationCall` (an Experience API operation, by operationId,
through the loaded document) or :class:`~logto_dynamic._oidc.HttpRequest` (the OIDC side),
and is sent back the :class:`~logto_dynamic.Result` or ``httpx.Response``. Errors raised by
a call are thrown back into the generator. The drivers in ``_interaction`` do the I/O.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from logto_dynamic._exceptions import AuthorizationError, OidcError
from logto_dynamic._oidc._authorization import (
    AuthorizationRequest,
    HttpRequest,
    location_of,
    raise_for_error,
)
from logto_dynamic._oidc._rounds import code_for, exchange_code, provider_for
from logto_dynamic._oidc._tokens import Tokens
from logto_dynamic._validation._json import loads as json_loads

__all__ = [
    "BackupCodes",
    "Flow",
    "Identifier",
    "InteractionState",
    "OperationCall",
    "TotpSecret",
    "to_identifier",
]

Identifier = str | Mapping[str, str]
_PHONE = re.compile(r"^\+?[\d\s().-]{6,}$")


@dataclass(frozen=True, slots=True)
class OperationCall:
    """Call an Experience API operation by operationId."""

    operation: str
    body: Any = None


Flow = Generator[OperationCall | HttpRequest, Any, Any]


@dataclass(frozen=True, slots=True, repr=False)
class TotpSecret:
    """A new TOTP secret (``CreateTotpSecret``). ``repr`` never shows the secret."""

    verification_id: str
    secret: str
    qr_code: str = ""

    def __repr__(self) -> str:
        return f"TotpSecret(verification_id={self.verification_id!r}, secret=<redacted>)"


@dataclass(frozen=True, slots=True, repr=False)
class BackupCodes:
    """New backup codes (``GenerateBackupCodes``). ``repr`` never shows them."""

    verification_id: str
    codes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"BackupCodes(verification_id={self.verification_id!r}, {len(self.codes)} codes)"


@dataclass(slots=True)
class InteractionState:
    """What an interaction remembers between steps."""

    base_url: str
    auth: AuthorizationRequest
    event: str | None = None
    verification_id: str | None = None
    redirect_to: str | None = None
    tokens: Tokens | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)


def to_identifier(value: Identifier) -> dict[str, str]:
    """``{"type", "value"}`` from a dict, or from a string told apart by its shape.

    ``a@b.c`` is an email, ``+1 555 0100`` (digits, spaces, ``+().-``) a phone (sent as
    digits only, as Logto stores it), anything else a username.
    """
    if isinstance(value, Mapping):
        return {"type": str(value["type"]), "value": str(value["value"])}
    text = value.strip()
    if "@" in text:
        return {"type": "email", "value": text}
    if _PHONE.match(text) and sum(c.isdigit() for c in text) >= 6:
        return {"type": "phone", "value": "".join(c for c in text if c.isdigit())}
    return {"type": "username", "value": text}


def _verification_id(result: Any) -> str:
    data = result.data if isinstance(result.data, dict) else {}
    return str(data["verificationId"])


def _pick(state: InteractionState, verification_id: str | None) -> str:
    chosen = verification_id or state.verification_id
    if chosen is None:
        raise ValueError("no verification yet: pass verification_id= or verify something first")
    return chosen


def authorize(state: InteractionState) -> Flow:
    """``GET /oidc/auth``: expect a redirect to the sign-in page and the interaction cookies."""
    url = state.auth.url(state.base_url)
    answer = yield HttpRequest("GET", url)
    target = location_of(answer.status_code, answer.headers, url)
    if target is None:
        try:
            body = json_loads(answer.content)
        except ValueError:
            body = {}
        raise_for_error(body if isinstance(body, dict) else {}, where="the authorization request")
        raise AuthorizationError(
            f"the authorization request answered HTTP {answer.status_code}, expected 303"
        )
    query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    raise_for_error(query, where="the authorization request's redirect")
    if state.auth.is_redirect_uri(target):
        raise AuthorizationError("the authorization request went back to the app at once")
    if "_interaction" not in answer.cookies:
        raise OidcError("the authorization request set no _interaction cookie")


def init(state: InteractionState, event: str) -> Flow:
    """``InitInteraction``."""
    yield OperationCall("InitInteraction", {"interactionEvent": event})
    state.event = event


def update_event(state: InteractionState, event: str) -> Flow:
    """``UpdateInteractionEvent``."""
    yield OperationCall("UpdateInteractionEvent", {"interactionEvent": event})
    state.event = event


def _verify(state: InteractionState, operation: str, body: Any) -> Flow:
    result = yield OperationCall(operation, body)
    state.verification_id = _verification_id(result)
    return state.verification_id


def verify_password(state: InteractionState, identifier: Identifier, password: str) -> Flow:
    """``CreatePasswordVerification``; returns the verification ID."""
    body = {"identifier": to_identifier(identifier), "password": password}
    return (yield from _verify(state, "CreatePasswordVerification", body))


def send_code(state: InteractionState, identifier: Identifier, event: str | None) -> Flow:
    """``CreateAndSendVerificationCode``; returns the verification ID."""
    body = {
        "identifier": to_identifier(identifier),
        "interactionEvent": event or state.event or "SignIn",
    }
    return (yield from _verify(state, "CreateAndSendVerificationCode", body))


def verify_code(
    state: InteractionState, identifier: Identifier, code: str, verification_id: str | None
) -> Flow:
    """``VerifyVerificationCodeVerification``; returns the verification ID."""
    body = {
        "identifier": to_identifier(identifier),
        "verificationId": _pick(state, verification_id),
        "code": code,
    }
    return (yield from _verify(state, "VerifyVerificationCodeVerification", body))


def create_password_identity(state: InteractionState, username: str, password: str) -> Flow:
    """``CreateNewPasswordIdentityVerification``; returns the verification ID."""
    body = {"identifier": {"type": "username", "value": username}, "password": password}
    return (yield from _verify(state, "CreateNewPasswordIdentityVerification", body))


def identify(state: InteractionState, verification_id: str | None) -> Flow:
    """``IdentifyUser`` with the given (or the last) verification."""
    chosen = verification_id or state.verification_id
    yield OperationCall("IdentifyUser", {"verificationId": chosen} if chosen else {})


def add_profile(
    state: InteractionState, kind: str, value: str | None, verification_id: str | None
) -> Flow:
    """``AddUserProfile``: ``username``/``password`` take ``value``, the rest a verification."""
    body: dict[str, Any] = {"type": kind}
    if value is not None:
        body["value"] = value
    else:
        body["verificationId"] = _pick(state, verification_id)
    yield OperationCall("AddUserProfile", body)


def reset_user_password(state: InteractionState, password: str) -> Flow:
    """``ResetUserPassword`` (ForgotPassword interactions)."""
    yield OperationCall("ResetUserPassword", {"password": password})


def create_totp(state: InteractionState) -> Flow:
    """``CreateTotpSecret``; returns a :class:`TotpSecret`."""
    result = yield OperationCall("CreateTotpSecret")
    data = result.data
    state.verification_id = str(data["verificationId"])
    return TotpSecret(state.verification_id, str(data["secret"]), str(data.get("secretQrCode", "")))


def verify_totp(state: InteractionState, code: str, verification_id: str | None) -> Flow:
    """``VerifyTotpVerification`` (with a verification ID when binding a new secret)."""
    body = {"code": code}
    if verification_id is not None:
        body["verificationId"] = verification_id
    return (yield from _verify(state, "VerifyTotpVerification", body))


def bind_mfa(state: InteractionState, factor: str, verification_id: str | None) -> Flow:
    """``BindMfaVerification``."""
    body = {"type": factor, "verificationId": _pick(state, verification_id)}
    yield OperationCall("BindMfaVerification", body)


def generate_backup_codes(state: InteractionState) -> Flow:
    """``GenerateBackupCodes``; returns :class:`BackupCodes`."""
    result = yield OperationCall("GenerateBackupCodes")
    state.verification_id = str(result.data["verificationId"])
    return BackupCodes(state.verification_id, tuple(str(c) for c in result.data["codes"]))


def verify_backup_code(state: InteractionState, code: str) -> Flow:
    """``VerifyBackupCode``."""
    return (yield from _verify(state, "VerifyBackupCode", {"code": code}))


def skip_mfa(state: InteractionState) -> Flow:
    """``SkipMfaBindingFlow``."""
    yield OperationCall("SkipMfaBindingFlow")


def submit(state: InteractionState) -> Flow:
    """``SubmitInteraction``; returns ``redirectTo`` (None for ForgotPassword)."""
    result = yield OperationCall("SubmitInteraction")
    data = result.data
    redirect = data.get("redirectTo") if isinstance(data, dict) else None
    state.redirect_to = str(redirect) if redirect else None
    return state.redirect_to


def complete(state: InteractionState, redirect_to: str | None) -> Flow:
    """Follow ``redirectTo`` to the code, exchange it, verify the ID token: :class:`Tokens`."""
    target = redirect_to or state.redirect_to
    if target is None:
        raise OidcError("nothing to complete: submit the interaction first")
    provider = yield from provider_for(state.base_url)
    code = yield from code_for(state.auth, state.base_url, target, provider)
    state.tokens = yield from exchange_code(state.auth, code, provider, state.client_secret)
    return state.tokens


def finish(state: InteractionState) -> Flow:
    """Submit, then complete the OIDC round: :class:`Tokens`."""
    redirect = yield from submit(state)
    if redirect is None:
        raise OidcError(f"the {state.event} interaction ended without a redirect to complete")
    return (yield from complete(state, redirect))
