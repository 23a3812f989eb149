"""Handlers of the passkey sign-in operations, answered as Logto 1.42 answers them when no user
has a passkey (the embedded server verifies no authenticator, so none ever has one).

- ``CreateSignInPasskeyAuthentication`` (preflight, no experience needed): discoverable
  options, kept in the interaction for the verify that follows.
- ``CreateSignInPasskeyAuthenticationWithIdentifier``: Logto lists the user's credentials;
  with none it answers ``400 session.mfa.webauthn_verification_not_found``.
- ``VerifySignInPasskeyAuthentication``: a ``verificationId`` must name a passkey record
  (``404``); without one the preflight options must exist (``404``); then the credential is
  looked up by id and none is found (``400 session.identifier_not_found``).
- ``BindPasskey`` and ``SkipPasskeyBinding`` follow the MFA profile routes' guard.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from ._context import Context
from ._mfa import verified_interaction

__all__ = ["PASSKEY_HANDLERS", "WEBAUTHN_TIMEOUT_MS"]

WEBAUTHN_TIMEOUT_MS = 300_000


def _hostname(ctx: Context) -> str:
    return ctx.request.base_url.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")


def _options(ctx: Context) -> dict[str, Any]:
    challenge = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return {
        "rpId": _hostname(ctx),
        "challenge": challenge,
        "allowCredentials": [],
        "timeout": WEBAUTHN_TIMEOUT_MS,
        "userVerification": "required",
    }


def create_preflight(ctx: Context) -> Response:
    """POST /api/experience/preflight/sign-in-passkey/authentication: discoverable options."""
    options = _options(ctx)
    ctx.session.passkey_options = options
    return Response.json(200, {"authenticationOptions": options})


def create_with_identifier(ctx: Context) -> Response:
    """POST .../verification/sign-in-passkey/authentication: the user has no credential."""
    raise LogtoError(400, "session.mfa.webauthn_verification_not_found")


def verify_passkey(ctx: Context) -> Response:
    """POST .../sign-in-passkey/authentication/verify: no credential is ever found."""
    verification_id = ctx.field("verificationId")
    if verification_id:
        ctx.record(verification_id, "SignInPasskey")
    elif ctx.session.passkey_options is None:
        raise LogtoError(404, "session.verification_session_not_found")
    elif ctx.session.passkey_options["rpId"] != _hostname(ctx):
        raise LogtoError(400, "session.passkey_sign_in.conflict_rp_id")
    raise LogtoError(400, "session.identifier_not_found")


def bind_passkey(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa/passkey: needs a verified WebAuthn registration."""
    verified_interaction(ctx)
    ctx.record(ctx.field("verificationId"), "WebAuthn")
    raise LogtoError(400, "session.verification_failed")  # embedded WebAuthn never verifies


def skip_passkey(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa/passkey-skipped: remember the choice."""
    verified_interaction(ctx)
    ctx.session.mfa_flags["passkeySkipped"] = True
    return Response.empty()


PASSKEY_HANDLERS: dict[str, Callable[[Context], Response]] = {
    "CreateSignInPasskeyAuthentication": create_preflight,
    "CreateSignInPasskeyAuthenticationWithIdentifier": create_with_identifier,
    "VerifySignInPasskeyAuthentication": verify_passkey,
    "BindPasskey": bind_passkey,
    "SkipPasskeyBinding": skip_passkey,
}
