"""Handlers of ``GetInteraction``, the MFA flags and the registration avatar upload (Logto 1.42).

``GetInteraction`` answers the interaction without its secrets, keys in Logto's order: the
event, the identified user, the staged profile (no password), the verification records (id,
type, identifier or user, verified), the MFA state, the sign-in context and the captcha state.

``MarkMfaEnabled`` and ``SkipMfaSuggestion`` pass the MFA profile routes' guard and set a flag.
``UploadExperienceAvatar`` needs a multipart ``file`` (``400 guard.invalid_input``), a
``Register`` interaction (``400``), an image (``400 guard.mime_type_not_allowed``) and a
storage provider: the embedded server has none, so a good upload answers ``400
storage.not_configured``, as a Logto without storage does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._state import VerificationRecord
from ..inbound._body import multipart_parts
from ._context import Context
from ._mfa import verified_interaction

__all__ = ["INTERACTION_HANDLERS", "MAX_AVATAR_BYTES"]

MAX_AVATAR_BYTES = 8 * 1024 * 1024
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def _record(record: VerificationRecord) -> dict[str, Any]:
    public: dict[str, Any] = {"id": record.id, "type": record.type}
    if record.identifier is not None and record.type not in ("Social", "EnterpriseSso"):
        public["identifier"] = dict(record.identifier)
    elif record.identifier is not None:
        public["connectorId"] = record.identifier["value"]
    if record.user_id is not None and record.identifier is None:
        public["userId"] = record.user_id
    public["verified"] = record.verified
    return public


def _mfa(ctx: Context) -> dict[str, Any]:
    session = ctx.session
    mfa: dict[str, Any] = {
        k: v for k, v in session.mfa_flags.items() if k != "additionalBindingSuggestionSkipped"
    }
    if session.mfa_skipped:
        mfa["mfaSkipped"] = True
    if session.pending_totp is not None:
        mfa["totp"] = {"type": "Totp"}
    if session.pending_backup_codes:
        mfa["backupCode"] = {"type": "BackupCode"}
    return mfa


def get_interaction(ctx: Context) -> Response:
    """GET /api/experience/interaction: the public view of the interaction."""
    session = ctx.session
    body: dict[str, Any] = {"interactionEvent": ctx.event}
    if session.user_id is not None:
        body["userId"] = session.user_id
    body["profile"] = {k: v for k, v in session.profile.items() if k != "password"}
    body["verificationRecords"] = [_record(r) for r in session.records.values()]
    body["mfa"] = _mfa(ctx)
    context = {"ip": ctx.request.client_ip, "userAgent": ctx.request.headers.get("user-agent")}
    body["signInContext"] = {k: v for k, v in context.items() if v}
    body["captcha"] = {"verified": False, "skipped": session.captcha_skipped}
    return Response.json(200, body)


def mark_mfa_enabled(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa/mfa-enabled."""
    verified_interaction(ctx)
    ctx.session.mfa_flags["mfaEnabled"] = True
    return Response.empty()


def skip_mfa_suggestion(ctx: Context) -> Response:
    """POST /api/experience/profile/mfa/mfa-suggestion-skipped."""
    verified_interaction(ctx)
    ctx.session.mfa_flags["additionalBindingSuggestionSkipped"] = True
    return Response.empty()


def upload_avatar(ctx: Context) -> Response:
    """POST /api/experience/user-assets/avatar: checked as Logto does; no storage to keep it."""
    content = multipart_parts(ctx.request).get("file")
    if content is None:  # Logto guards the uploaded files, whatever the body was
        raise LogtoError(400, "guard.invalid_input", message="The request files is invalid.")
    event = ctx.event
    if event == "ForgotPassword":
        raise LogtoError(400, "session.not_supported_for_forgot_password")
    if event != "Register":
        raise LogtoError(400, "session.invalid_interaction_type")
    if len(content) > MAX_AVATAR_BYTES:
        raise LogtoError(400, "guard.file_size_exceeded")
    is_webp = content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    if not (is_webp or content.startswith(_IMAGE_MAGIC)):
        raise LogtoError(400, "guard.mime_type_not_allowed")
    raise LogtoError(400, "storage.not_configured")


INTERACTION_HANDLERS: dict[str, Callable[[Context], Response]] = {
    "GetInteraction": get_interaction,
    "MarkMfaEnabled": mark_mfa_enabled,
    "SkipMfaSuggestion": skip_mfa_suggestion,
    "UploadExperienceAvatar": upload_avatar,
}
