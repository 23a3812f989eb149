"""MFA through the Account API: factors (TOTP, backup codes, WebAuthn), the MFA settings and
``logto-configs``, in Logto 1.42's order of checks. A bound factor is the same one the
Experience API then asks for at sign-in (``User.totp_secret``, ``User.backup_codes``)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from ..experience._totp import new_totp_secret, verify_totp
from ._context import AccountContext, not_editable

__all__ = ["MFA_HANDLERS"]

_SECRET = re.compile(r"^[A-Z2-7]{16,32}$")
_BACKUP_CODE = re.compile(r"^[0-9a-f]{10}$")
_BACKUP_CODE_COUNT = 10


def _not_found(status: int = 400) -> LogtoError:
    return LogtoError(
        status, "verification_record.not_found", message="Verification record not found."
    )


def _check_totp(ctx: AccountContext, secret: str, code: str | None) -> None:
    if not _SECRET.fullmatch(secret):
        raise LogtoError(400, "user.totp_secret_invalid", message="Invalid TOTP secret.")
    if code and not verify_totp(secret, code, at=ctx.now, window=1):
        raise LogtoError(400, "session.mfa.invalid_totp_code")


def _mfa_enabled(ctx: AccountContext) -> None:
    ctx.data().logto_config.setdefault("mfa", {})["enabled"] = True


def list_factors(ctx: AccountContext) -> Response:
    """GET /mfa-verifications."""
    ctx.need_readable("mfa")
    ctx.need_scope("identities", 401)
    return Response.json(200, ctx.data().factors())


def add_factor(ctx: AccountContext) -> Response:
    """POST /mfa-verifications: bind TOTP (secret and optional code), backup codes or a
    verified WebAuthn registration."""
    ctx.need_verified()
    body: dict[str, Any] = ctx.body
    kind = "Totp" if body["type"] in ("Totp", "TOTP") else body["type"]
    control = ctx.fields.passkey_control() if kind == "WebAuthn" else ctx.fields.control("mfa")
    if control != "Edit":
        raise not_editable()
    ctx.need_scope("identities", 401)
    ctx.need_first_party()
    if kind not in ctx.server.settings.mfa_factors:
        raise LogtoError(400, "session.mfa.mfa_factor_not_enabled")
    user, data = ctx.user, ctx.data()
    if kind == "Totp":
        if user.totp_secret is not None:
            raise LogtoError(422, "user.totp_already_in_use")
        _check_totp(ctx, str(body["secret"]), body.get("code"))
        user.totp_secret, user.totp_last_step = str(body["secret"]), None
    elif kind == "BackupCode":
        if any("usedAt" not in entry for entry in data.backup_codes()):
            raise LogtoError(422, "user.backup_code_already_in_use", message="Backup codes in use.")
        if user.totp_secret is None:
            raise LogtoError(422, "session.mfa.backup_code_can_not_be_alone")
        codes = body["codes"]
        if len(codes) != _BACKUP_CODE_COUNT or not all(_BACKUP_CODE.fullmatch(c) for c in codes):
            raise LogtoError(422, "user.wrong_backup_code_format", message="Wrong format.")
        user.backup_codes = list(codes)
        data.extras["backupCodes"] = [{"code": c} for c in codes]
    else:  # WebAuthn: registrations never verify here
        record = ctx.server.account_records.live(str(body["newIdentifierVerificationRecordId"]))
        if record is None or record.type != "WebAuthn" or not record.verified:
            raise _not_found()
    data.renew_factor(kind)
    _mfa_enabled(ctx)
    user.touch()
    return Response.empty(204)


def replace_totp(ctx: AccountContext) -> Response:
    """PUT /mfa-verifications/totp: bind TOTP, replacing a bound one (a new id)."""
    ctx.need_verified()
    ctx.need_edit("mfa")
    ctx.need_scope("identities", 401)
    ctx.need_first_party()
    if "Totp" not in ctx.server.settings.mfa_factors:
        raise LogtoError(400, "session.mfa.mfa_factor_not_enabled")
    _check_totp(ctx, str(ctx.body["secret"]), str(ctx.body["code"]) or "x")
    ctx.user.totp_secret, ctx.user.totp_last_step = str(ctx.body["secret"]), None
    ctx.data().renew_factor("Totp")
    _mfa_enabled(ctx)
    ctx.user.touch()
    return Response.empty(204)


def generate_totp_secret(ctx: AccountContext) -> Response:
    """POST /mfa-verifications/totp-secret/generate: nothing is stored."""
    return Response.json(200, {"secret": new_totp_secret()})


def generate_backup_codes(ctx: AccountContext) -> Response:
    """POST /mfa-verifications/backup-codes/generate: ten codes; nothing is stored."""
    return Response.json(200, {"codes": [secrets.token_hex(5) for _ in range(_BACKUP_CODE_COUNT)]})


def get_backup_codes(ctx: AccountContext) -> Response:
    """GET /mfa-verifications/backup-codes: 404 when none are bound."""
    ctx.need_verified()
    ctx.need_scope("identities", 401)
    if not any(f["type"] == "BackupCode" for f in ctx.data().factors()):
        raise _not_found(404)
    return Response.json(200, {"codes": [dict(entry) for entry in ctx.data().backup_codes()]})


def rename_factor(ctx: AccountContext) -> Response:
    """PATCH /mfa-verifications/{id}/name: only WebAuthn factors have names (none here)."""
    ctx.need_verified()
    if ctx.fields.passkey_control() != "Edit":
        raise not_editable()
    ctx.need_scope("identities", 401)
    ctx.need_first_party()
    raise _not_found()


def delete_factor(ctx: AccountContext) -> Response:
    """DELETE /mfa-verifications/{id}."""
    ctx.need_verified()
    ctx.need_scope("identities", 401)
    ctx.need_first_party()
    data = ctx.data()
    found = next((f for f in data.factors() if f["id"] == ctx.path_params["verificationId"]), None)
    if found is None:
        raise _not_found()
    ctx.need_edit("mfa")
    if found["type"] == "Totp":
        ctx.user.totp_secret, ctx.user.totp_last_step = None, None
    else:
        ctx.user.backup_codes = []
        data.extras.pop("backupCodes", None)
    data.forget_factor(found["type"])
    ctx.user.touch()
    return Response.empty(204)


def _mfa_data(ctx: AccountContext) -> dict[str, Any]:
    stored = ctx.data().logto_config.setdefault("mfa", {})
    assert isinstance(stored, dict)
    stored["skipped"] = bool(stored.get("skipped") or ctx.user.mfa_skipped)
    return stored


def get_mfa_settings(ctx: AccountContext) -> Response:
    """GET /mfa-settings."""
    ctx.need_scope("identities", 401)
    ctx.need_readable("mfa")
    return Response.json(200, {"skipMfaOnSignIn": bool(_mfa_data(ctx).get("skipMfaOnSignIn"))})


def update_mfa_settings(ctx: AccountContext) -> Response:
    """PATCH /mfa-settings."""
    ctx.need_verified()
    ctx.need_scope("identities", 401)
    ctx.need_first_party()
    ctx.need_edit("mfa")
    value = bool(ctx.body["skipMfaOnSignIn"])
    _mfa_data(ctx)["skipMfaOnSignIn"] = value
    return Response.json(200, {"skipMfaOnSignIn": value})


def _config_view(ctx: AccountContext) -> dict[str, Any]:
    mfa = {"skipMfaOnSignIn": False, **_mfa_data(ctx)}
    passkey = {"skipped": False, **ctx.data().logto_config.get("passkeySignIn", {})}
    return {"mfa": mfa, "passkeySignIn": passkey}


def get_logto_config(ctx: AccountContext) -> Response:
    """GET /logto-configs (gated by ``passkey``, else ``mfa``)."""
    ctx.need_scope("identities", 401)
    if ctx.fields.passkey_control() not in ("ReadOnly", "Edit"):
        ctx.need_readable("passkey")
    return Response.json(200, _config_view(ctx))


def update_logto_config(ctx: AccountContext) -> Response:
    """PATCH /logto-configs: ``mfa`` and ``passkeySignIn`` merged into the stored flags."""
    ctx.need_verified()
    ctx.need_scope("identities", 401)
    ctx.need_first_party()
    if ctx.fields.passkey_control() != "Edit":
        raise not_editable()
    config = ctx.data().logto_config
    for key in ("mfa", "passkeySignIn"):
        if isinstance(ctx.body.get(key), dict):
            config.setdefault(key, {}).update(ctx.body[key])
    if "skipped" in config.get("mfa", {}):
        ctx.user.mfa_skipped = bool(config["mfa"]["skipped"])
    return Response.json(200, _config_view(ctx))


MFA_HANDLERS: dict[str, Callable[[AccountContext], Response]] = {
    "GetMfaVerifications": list_factors,
    "AddMfaVerification": add_factor,
    "CreateOrReplaceTotpMfaVerification": replace_totp,
    "GenerateTotpSecret": generate_totp_secret,
    "GenerateMyAccountBackupCodes": generate_backup_codes,
    "GetBackupCodes": get_backup_codes,
    "UpdateMfaVerificationName": rename_factor,
    "DeleteMfaVerification": delete_factor,
    "GetMfaSettings": get_mfa_settings,
    "UpdateMfaSettings": update_mfa_settings,
    "GetLogtoConfig": get_logto_config,
    "UpdateLogtoConfig": update_logto_config,
}
