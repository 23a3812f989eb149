"""Handlers of the MFA (TOTP, backup codes, WebAuthn), social and enterprise SSO operations.

Simplifications against real Logto: the TOTP QR code is a fixed 1x1 PNG data URL (the secret
is real and RFC 6238 codes verify); WebAuthn answers plausible options but never verifies an
authenticator; social and SSO connectors (configured by id in ``SignInExperience``) hand out
a mock authorization URI and never vouch for an identity.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from ._asgi import Response
from ._context import Context
from ._errors import LogtoError
from ._totp import new_totp_secret, verify_totp

__all__ = ["MFA_HANDLERS"]

# A 1x1 PNG: the embedded server draws no real QR code, but the data URL has Logto's shape.
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="  # noqa: E501
_BACKUP_CODE_COUNT = 10


def _require_factor(ctx: Context, factor: str) -> None:
    if factor not in ctx.settings.mfa_factors:
        raise LogtoError(400, "session.mfa.mfa_factor_not_enabled")


def create_totp_secret(ctx: Context) -> Response:
    """POST /api/experience/verification/totp/secret: a new secret to bind."""
    user = ctx.identified_user()
    _require_factor(ctx, "Totp")
    if user.totp_secret is not None:
        raise LogtoError(422, "user.totp_already_in_use")
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
    """POST /api/experience/verification/totp/verify: check a code (new or bound secret)."""
    user = ctx.identified_user()
    code = str(ctx.field("code"))
    verification_id = ctx.field("verificationId")
    if verification_id is not None:
        record = ctx.record(verification_id, "Totp")
        secret = record.secret
    else:
        secret = user.totp_secret
        record = ctx.session.add("Totp", user_id=user.id)
    if secret is None or not verify_totp(secret, code):
        raise LogtoError(400, "session.mfa.invalid_totp_code")
    record.verified = True
    if verification_id is None:
        ctx.session.mfa_verified = True
    return Response.json(200, {"verificationId": record.id})


def generate_backup_codes(ctx: Context) -> Response:
    """POST /api/experience/verification/backup-code/generate: ten fresh codes."""
    user = ctx.identified_user()
    _require_factor(ctx, "BackupCode")
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


def bind_mfa_verification(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa: bind a verified TOTP secret or backup codes."""
    if ctx.event == "ForgotPassword":
        raise LogtoError(400, "session.not_supported_for_forgot_password")
    user = ctx.identified_user()
    factor = str(ctx.field("type"))
    _require_factor(ctx, factor)
    record = ctx.record(ctx.field("verificationId"))
    if record.type != factor or not record.verified or record.user_id != user.id:
        raise LogtoError(400, "session.verification_failed")
    ctx.require_mfa_verified()
    if factor == "Totp":
        if user.totp_secret is not None:
            raise LogtoError(422, "user.totp_already_in_use")
        ctx.session.pending_totp = record.secret
    elif factor == "BackupCode":
        if not user.has_mfa and ctx.session.pending_totp is None:
            raise LogtoError(422, "session.mfa.backup_code_can_not_be_alone")
        ctx.session.pending_backup_codes = list(record.codes)
    else:
        raise LogtoError(400, "session.mfa.pending_info_not_found")
    return Response.empty()


def skip_mfa_binding(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa/mfa-skipped: only when the policy is user controlled."""
    if ctx.event == "ForgotPassword":
        raise LogtoError(400, "session.not_supported_for_forgot_password")
    ctx.require_mfa_verified()
    if ctx.settings.mfa_policy == "Mandatory":
        raise LogtoError(422, "session.mfa.mfa_policy_not_user_controlled")
    ctx.session.mfa_skipped = True
    return Response.empty()


def create_webauthn_registration(ctx: Context) -> Response:
    """POST .../web-authn/registration: registration options (never verifiable here)."""
    user = ctx.identified_user()
    _require_factor(ctx, "WebAuthn")
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


def _connector(ctx: Context, known: tuple[str, ...] | list[str]) -> str:
    connector_id = ctx.path_params.get("connectorId", "")
    if connector_id not in known:
        raise LogtoError(404, "entity.not_found", message=f"Can not find connector {connector_id}.")
    return connector_id


def _sso_ids(ctx: Context) -> list[str]:
    return [c for ids in ctx.settings.sso_connectors.values() for c in ids]


def _authorization_uri(ctx: Context, kind: str, known: list[str] | tuple[str, ...]) -> Response:
    ctx.event  # noqa: B018 - raises when the experience was not initialised
    connector_id = _connector(ctx, known)
    record = ctx.session.add(kind, identifier={"type": kind, "value": connector_id})
    query = urlencode({"state": ctx.field("state"), "redirect_uri": ctx.field("redirectUri")})
    uri = f"{ctx.request.base_url}/mock-{kind.lower()}/{connector_id}/authorize?{query}"
    return Response.json(200, {"verificationId": record.id, "authorizationUri": uri})


def _verify_connector(ctx: Context, kind: str, known: list[str] | tuple[str, ...]) -> Response:
    ctx.event  # noqa: B018
    _connector(ctx, known)
    verification_id = ctx.field("verificationId")
    if verification_id is None:
        raise LogtoError(400, "session.connector_session_not_found")
    ctx.record(verification_id, kind)
    raise LogtoError(400, "session.verification_failed")


def create_social(ctx: Context) -> Response:
    """POST .../social/{connectorId}/authorization-uri: a mock provider URI."""
    return _authorization_uri(ctx, "Social", ctx.settings.social_connectors)


def verify_social(ctx: Context) -> Response:
    """POST .../social/{connectorId}/verify: the mock provider never vouches for anyone."""
    return _verify_connector(ctx, "Social", ctx.settings.social_connectors)


def create_sso(ctx: Context) -> Response:
    """POST .../sso/{connectorId}/authorization-uri: a mock IdP URI."""
    return _authorization_uri(ctx, "EnterpriseSso", _sso_ids(ctx))


def verify_sso(ctx: Context) -> Response:
    """POST .../sso/{connectorId}/verify: the mock IdP never vouches for anyone."""
    return _verify_connector(ctx, "EnterpriseSso", _sso_ids(ctx))


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
    "CreateSocialVerification": create_social,
    "VerifySocialVerification": verify_social,
    "CreateEnterpriseSsoVerification": create_sso,
    "VerifyEnterpriseSsoVerification": verify_sso,
}
