"""Verification codes as Logto 1.42 sends and checks them (sign-in, registration, MFA).

A send passes the rate guard (see ``_rate``), then delivers unless Logto skips delivery on
purpose (``ForgotPassword`` to an address no user has; ``SignIn`` by an unidentified session
to an unknown address when registration is off), then counts. Without a connector a send that
would deliver answers ``501 connector.not_found`` and counts nothing. A code expires after 10
minutes, allows 10 wrong tries, and works once.
"""

from __future__ import annotations

import secrets

from .._asgi import same_text
from .._errors import LogtoError
from .._state import VerificationRecord
from ._context import Context

__all__ = ["CODE_TTL", "MAX_TRIES", "send_code", "verify_code"]

CODE_TTL = 600.0
MAX_TRIES = 10


def _skip_delivery(ctx: Context, kind: str, value: str, event: str | None) -> bool:
    unknown = ctx.users.find(kind, value) is None
    if event == "ForgotPassword":
        return unknown
    if event == "SignIn" and ctx.session.user_id is None:
        return ctx.settings.sign_in_mode == "SignIn" and unknown
    return False


def send_code(
    ctx: Context, record_type: str, kind: str, value: str, event: str | None
) -> VerificationRecord:
    """Send a code to ``value`` and keep its record (replacing one of the same type)."""
    now = ctx.clock()
    ctx.rate_guard.guard(value, now)
    skip = _skip_delivery(ctx, kind, value, event)
    if not skip and not ctx.settings.verification_code_connector:
        raise LogtoError(501, "connector.not_found")
    code = f"{secrets.randbelow(10**6):06d}"
    if not skip:
        ctx.outbox.deliver(value, code, event or "MfaVerification")
    ctx.rate_guard.record(value, now)
    identifier = {"type": kind, "value": value}
    return ctx.session.add(record_type, identifier=identifier, secret=code, created_at=now)


def verify_code(ctx: Context, record: VerificationRecord, kind: str, value: str, code: str) -> None:
    """Check ``code`` against ``record`` in Logto's order of checks; marks it verified."""
    if not code or record.secret is None or record.consumed:
        raise LogtoError(400, "verification_code.not_found")
    if record.identifier != {"type": kind, "value": value}:
        raise LogtoError(400, f"verification_code.{kind}_mismatch")
    if record.created_at + CODE_TTL < ctx.clock():
        raise LogtoError(400, "verification_code.expired")
    if record.tries >= MAX_TRIES:
        raise LogtoError(400, "verification_code.exceed_max_try")
    if not same_text(code, record.secret):
        record.tries += 1
        raise LogtoError(400, "verification_code.code_mismatch")
    record.consumed = True
    record.verified = True
