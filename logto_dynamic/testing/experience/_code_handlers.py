"""Handlers of the MFA verification codes and one-time tokens (Logto 1.42).

An MFA code goes to the identified user's own email or phone (``400
session.identifier_not_found`` before identification, ``400 session.mfa.mfa_factor_not_enabled``
when the user has no such address) under the same send cap as other codes. A verified MFA code
counts as MFA verification when that factor is enabled in the sign-in experience.

A one-time token (issue one with ``server.one_time_tokens.issue(email, now=...)``) is checked
and consumed (see ``_one_time``); the verified record identifies the user with that email, or
gives the email to a registration.
"""

from __future__ import annotations

from collections.abc import Callable

from .._asgi import Response
from .._errors import LogtoError
from ._codes import send_code, verify_code
from ._context import Context

__all__ = ["CODE_HANDLERS"]

_MFA_RECORD = {"email": "MfaEmailVerificationCode", "phone": "MfaPhoneVerificationCode"}
_MFA_FACTOR = {"email": "EmailVerificationCode", "phone": "PhoneVerificationCode"}


def send_mfa_code(ctx: Context) -> Response:
    """POST /api/experience/verification/mfa-verification-code: a code to the user's address."""
    kind = str(ctx.field("identifierType"))
    user_id = ctx.session.user_id
    user = ctx.users.by_id.get(user_id) if user_id else None
    if user is None:
        raise LogtoError(400, "session.identifier_not_found")
    value = user.primary_email if kind == "email" else user.primary_phone
    if not value:
        raise LogtoError(400, "session.mfa.mfa_factor_not_enabled")
    record = send_code(ctx, _MFA_RECORD[kind], kind, value, None)
    return Response.json(200, {"verificationId": record.id})


def verify_mfa_code(ctx: Context) -> Response:
    """POST /api/experience/verification/mfa-verification-code/verify: check the code."""
    kind = str(ctx.field("identifierType"))
    record = ctx.record(ctx.field("verificationId"), _MFA_RECORD[kind])
    value = record.identifier["value"] if record.identifier else ""
    verify_code(ctx, record, kind, value, str(ctx.field("code")))
    record.user_id = ctx.session.user_id
    if _MFA_FACTOR[kind] in ctx.settings.mfa_factors:
        ctx.session.mfa_verified = True
    return Response.json(200, {"verificationId": record.id})


def verify_one_time_token(ctx: Context) -> Response:
    """POST /api/experience/verification/one-time-token/verify: consume a magic-link token."""
    email = str(ctx.field("identifier")["value"])
    record = ctx.session.add("OneTimeToken", identifier={"type": "email", "value": email})
    ctx.one_time_tokens.consume(str(ctx.field("token")), email, ctx.event, now=ctx.clock())
    record.verified = True
    ctx.session.captcha_skipped = True
    user = ctx.users.find("email", email)
    record.user_id = user.id if user else None
    return Response.json(200, {"verificationId": record.id})


CODE_HANDLERS: dict[str, Callable[[Context], Response]] = {
    "CreateAndSendMfaVerificationCode": send_mfa_code,
    "VerifyMfaVerificationCode": verify_mfa_code,
    "VerifyOneTimeTokenVerification": verify_one_time_token,
}
