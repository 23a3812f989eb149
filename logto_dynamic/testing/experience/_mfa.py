"""Handlers of the MFA operations (TOTP, backup codes, WebAuthn, binding and skipping).

Simplifications against real Logto: the TOTP QR code is a fixed 1x1 PNG data URL (the secret
is real and RFC 6238 codes verify); WebAuthn answers plausible options but never verifies an
authenticator.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

from .._asgi import Response
from .._errors import LogtoError
from .._state import VerificationRecord
from ._context import Context
from ._totp import new_totp_secret, totp_step, verify_totp

__all__ = ["MFA_HANDLERS"]

# A 1x1 PNG: the embedded server draws no real QR code, but the data URL has Logto's shape.
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="  # noqa: E501
_BACKUP_CODE_COUNT = 10


def _require_factor(ctx: Context, factor: str) -> None:
    if factor not in ctx.settings.mfa_factors:
        raise LogtoError(400, "session.mfa.mfa_factor_not_enabled")


def create_totp_secret(ctx: Context) -> Response:
    """POST /api/experience/verification/totp/secret: a new secret (checked when bound)."""
    user = ctx.identified_user()
    secret = new_totp_secret()
    record = ctx.session.add("Totp", user_id=user.id, secret=secret)
    return Response.json(
        200,
        {
            "verificationId": record.id,
            "secret": secret,
            "secretQrCode": f"data:image/png;base64,{_PNG}",
        },
    )


def verify_totp_verification(ctx: Context) -> Response:
    """POST /api/experience/verification/totp/verify: a new secret being bound, or the user's.

    A code for the user's bound secret is accepted once per 30-second step, as in Logto 1.42:
    the step is recorded and a code of the same or an earlier step is refused.
    """
    user = ctx.identified_user()
    code = str(ctx.field("code"))
    verification_id = ctx.field("verificationId")
    now = ctx.clock()
    if verification_id:
        record = ctx.record(verification_id, "Totp")
        if record.user_id != user.id:
            raise LogtoError(404, "session.verification_session_not_found")
        if record.secret is None or not verify_totp(record.secret, code, at=now):
            raise LogtoError(400, "session.mfa.invalid_totp_code")
        record.verified = True
        return Response.json(200, {"verificationId": record.id})
    step = totp_step(user.totp_secret, code, at=now) if user.totp_secret else None
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise LogtoError(400, "session.mfa.invalid_totp_code")
    user.totp_last_step = step
    record = ctx.session.add("Totp", user_id=user.id, verified=True)
    ctx.session.mfa_verified = True
    return Response.json(200, {"verificationId": record.id})


def generate_backup_codes(ctx: Context) -> Response:
    """POST /api/experience/verification/backup-code/generate: ten fresh codes."""
    user = ctx.identified_user()
    codes = [secrets.token_hex(5) for _ in range(_BACKUP_CODE_COUNT)]
    record = ctx.session.add("BackupCode", user_id=user.id, codes=codes, verified=True)
    return Response.json(200, {"verificationId": record.id, "codes": codes})


def verify_backup_code(ctx: Context) -> Response:
    """POST /api/experience/verification/backup-code/verify: use one of the bound codes."""
    user = ctx.identified_user()
    code = str(ctx.field("code"))
    if code not in user.backup_codes:
        raise LogtoError(400, "session.mfa.invalid_backup_code")
    user.backup_codes.remove(code)
    record = ctx.session.add("BackupCode", user_id=user.id, verified=True)
    ctx.session.mfa_verified = True
    return Response.json(200, {"verificationId": record.id})


def verified_interaction(ctx: Context) -> None:
    """The guard of Logto's MFA profile routes: no ForgotPassword; a sign-in has passed MFA."""
    event = ctx.event
    if event == "ForgotPassword":
        raise LogtoError(400, "session.not_supported_for_forgot_password")
    if event == "SignIn":
        ctx.require_mfa_verified()


def _bound_record(ctx: Context, factor: str) -> VerificationRecord:
    """The verified record to bind (404 when missing, 400 when not verified)."""
    record = ctx.record(ctx.field("verificationId"), factor)
    if not record.verified:
        raise LogtoError(400, "session.verification_failed")
    _require_factor(ctx, factor)
    return record


def _bind_code(ctx: Context, factor: str) -> None:
    kind = "email" if factor == "EmailVerificationCode" else "phone"
    record = ctx.record(ctx.field("verificationId"))
    if not record.verified or record.type != factor or record.identifier is None:
        raise LogtoError(400, "session.verification_failed")
    ctx.session.profile[kind] = record.identifier["value"]


def bind_mfa_verification(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa: bind a verified factor (applied on submit)."""
    verified_interaction(ctx)
    factor = str(ctx.field("type"))
    if factor == "Totp":
        record = _bound_record(ctx, factor)
        if ctx.identified_user().totp_secret is not None:
            raise LogtoError(422, "user.totp_already_in_use")
        ctx.session.pending_totp = record.secret
    elif factor == "BackupCode":
        record = _bound_record(ctx, factor)
        user = ctx.identified_user()
        if user.totp_secret is None and ctx.session.pending_totp is None:
            raise LogtoError(422, "session.mfa.backup_code_can_not_be_alone")
        ctx.session.pending_backup_codes = list(record.codes)
    elif factor == "WebAuthn":
        _bound_record(ctx, factor)  # embedded WebAuthn records never verify
    else:
        _bind_code(ctx, factor)
    ctx.session.mfa_flags["mfaEnabled"] = True
    return Response.empty()


def skip_mfa_binding(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa/mfa-skipped: only when the policy is user controlled."""
    verified_interaction(ctx)
    ctx.identified_user()
    if ctx.settings.mfa_policy == "Mandatory":
        raise LogtoError(422, "session.mfa.mfa_policy_not_user_controlled")
    ctx.session.mfa_skipped = True
    return Response.empty()


def create_webauthn_registration(ctx: Context) -> Response:
    """POST .../web-authn/registration: registration options (never verifiable here)."""
    user = ctx.identified_user()
    challenge = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    record = ctx.session.add("WebAuthn", user_id=user.id, secret=challenge)
    name = user.username or user.primary_email or user.id
    options = {
        "rp": {"name": "Logto (embedded)", "id": ctx.request.headers.get("host", "localhost")},
        "user": {"id": user.id, "name": name, "displayName": name},
        "challenge": challenge,
        "pubKeyCredParams": [{"type": "public-key", "alg": alg} for alg in (-7, -257)],
        "timeout": 60000,
        "authenticatorSelection": {"residentKey": "discouraged", "userVerification": "required"},
        "attestation": "none",
    }
    return Response.json(200, {"verificationId": record.id, "registrationOptions": options})


def verify_webauthn(ctx: Context) -> Response:
    """POST .../web-authn/*/verify: no authenticator can be checked here, so always 400."""
    ctx.identified_user()
    ctx.record(ctx.field("verificationId"), "WebAuthn")
    raise LogtoError(400, "session.mfa.webauthn_verification_failed")


def create_webauthn_authentication(ctx: Context) -> Response:
    """POST .../web-authn/authentication: the embedded users never have a WebAuthn credential."""
    ctx.identified_user()
    raise LogtoError(400, "session.mfa.webauthn_verification_not_found")


MFA_HANDLERS: dict[str, Callable[[Context], Response]] = {
    "CreateTotpSecret": create_totp_secret,
    "VerifyTotpVerification": verify_totp_verification,
    "GenerateBackupCodes": generate_backup_codes,
    "VerifyBackupCode": verify_backup_code,
    "BindMfaVerification": bind_mfa_verification,
    "SkipMfaBindingFlow": skip_mfa_binding,
    "CreateWebAuthnRegistrationVerification": create_webauthn_registration,
    "VerifyWebAuthnRegistrationVerification": verify_webauthn,
    "CreateWebAuthnAuthenticationVerification": create_webauthn_authentication,
    "VerifyWebAuthnAuthenticationVerification": verify_webauthn,
}
