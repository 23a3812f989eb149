"""``/api/verifications/**``: the records sensitive changes need.

A password record is made and verified at once. Without an email/SMS connector a code cannot
be sent (501 ``connector.not_found``); without a social connector a social verification
cannot start (422 ``session.invalid_connector_id``); WebAuthn registrations start (options
for the request's host) but no payload verifies. So only password records ever grant
permission here, as on a Logto 1.42 without connectors.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

from .._asgi import Response
from .._errors import LogtoError
from ._context import AccountContext
from ._records import iso

__all__ = ["VERIFICATION_HANDLERS"]


def _record_answer(record_id: str, expires_at: float) -> dict[str, str]:
    return {"verificationRecordId": record_id, "expiresAt": iso(expires_at)}


def _not_found() -> LogtoError:
    return LogtoError(
        400, "verification_record.not_found", message="Verification record not found."
    )


def by_password(ctx: AccountContext) -> Response:
    """POST /api/verifications/password: 201 with a record valid for 600 s."""
    ctx.need_first_party()
    if not ctx.user.check_password(str(ctx.body["password"])):
        raise LogtoError(422, "session.invalid_credentials")
    record = ctx.server.account_records.create(ctx.user.id, "Password", verified=True)
    return Response.json(201, _record_answer(record.id, record.expires_at))


def send_code(ctx: AccountContext) -> Response:
    """POST /api/verifications/verification-code: no connector to send with."""
    ctx.need_first_party()
    kind = "Email" if ctx.body["identifier"]["type"] == "email" else "Sms"
    raise LogtoError(
        501,
        "connector.not_found",
        message=f"Can not find any available connector with type: {kind}.",
        data={"type": kind},
    )


def verify_code(ctx: AccountContext) -> Response:
    """POST /api/verifications/verification-code/verify: only a sent code's record counts."""
    ctx.need_first_party()
    record = ctx.server.account_records.live(str(ctx.body["verificationId"]))
    if record is None or record.type not in ("EmailVerificationCode", "PhoneVerificationCode"):
        raise _not_found()
    raise _not_found()  # pragma: no cover - no code record can exist without a connector


def start_social(ctx: AccountContext) -> Response:
    """POST /api/verifications/social: no social connector is configured."""
    raise LogtoError(
        422,
        "session.invalid_connector_id",
        message=f"Unable to find available connector with id {ctx.body['connectorId']}.",
        data={"connectorId": ctx.body["connectorId"]},
    )


def verify_social(ctx: AccountContext) -> Response:
    """POST /api/verifications/social/verify."""
    record = ctx.server.account_records.live(str(ctx.body["verificationRecordId"]))
    if record is None or record.type != "Social":
        raise _not_found()
    raise _not_found()  # pragma: no cover - no social record can exist without a connector


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def webauthn_options(ctx: AccountContext) -> Response:
    """POST /api/verifications/web-authn/registration: options and an unverified record."""
    ctx.need_first_party()
    record = ctx.server.account_records.create(ctx.user.id, "WebAuthn", verified=False)
    host = ctx.request.headers.get("host", "localhost").split(":")[0]
    name = ctx.user.username or ctx.user.primary_email or ctx.user.id
    options = {
        "rp": {"name": host, "id": host},
        "user": {"id": _b64url(ctx.user.id.encode()), "name": name, "displayName": name},
        "challenge": _b64url(secrets.token_bytes(32)),
        "pubKeyCredParams": [
            {"type": "public-key", "alg": -7},
            {"type": "public-key", "alg": -257},
        ],
        "timeout": 60000,
        "excludeCredentials": [],
        "authenticatorSelection": {
            "requireResidentKey": True,
            "residentKey": "required",
            "userVerification": "required",
        },
        "attestation": "none",
        "extensions": {"credProps": True},
    }
    answer = {**_record_answer(record.id, record.expires_at), "registrationOptions": options}
    return Response.json(200, answer)


def webauthn_verify(ctx: AccountContext) -> Response:
    """POST /api/verifications/web-authn/registration/verify: no payload verifies here."""
    ctx.need_first_party()
    record = ctx.server.account_records.live(str(ctx.body["verificationRecordId"]))
    if record is None or record.type != "WebAuthn" or record.user_id != ctx.user.id:
        raise _not_found()
    raise LogtoError(400, "session.mfa.webauthn_verification_failed")


VERIFICATION_HANDLERS: dict[str, Callable[[AccountContext], Response]] = {
    "CreateVerificationByPassword": by_password,
    "CreateVerificationByVerificationCode": send_code,
    "VerifyVerificationByVerificationCode": verify_code,
    "CreateVerificationBySocial": start_social,
    "VerifyVerificationBySocial": verify_social,
    "GenerateWebAuthnRegistrationOptions": webauthn_options,
    "VerifyWebAuthnRegistration": webauthn_verify,
}
