"""Social identities, the stored provider tokens and the avatar upload of the Account API.

No social connector, SSO connector or storage provider is configured here, so linking needs a
social verification that cannot exist (400 ``verification_record.not_found``), no provider
token is ever stored (404) and a valid upload ends in 400 ``storage.not_configured``, as on
a Logto 1.42 without them.
"""

from __future__ import annotations

from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP

from .._asgi import Request, Response
from .._errors import LogtoError
from ._context import AccountContext
from ._profile import has_identifier_left

__all__ = ["IDENTITY_HANDLERS", "upload_avatar"]

_IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/svg+xml",
        "image/bmp",
        "image/tiff",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
)


def _social_record(ctx: AccountContext, record_id: str) -> None:
    record = ctx.server.account_records.live(record_id)
    if record is None or record.type != "Social" or not record.verified:
        raise LogtoError(400, "verification_record.not_found")


def _verified_if_required(ctx: AccountContext) -> None:
    if ctx.data().has_security_method():
        ctx.need_verified()


def link_identity(ctx: AccountContext) -> Response:
    """POST and PUT /api/my-account/identities: from a verified social record."""
    ctx.need_edit("social")
    ctx.need_scope("identities", 401)
    ctx.need_first_party()
    _verified_if_required(ctx)
    _social_record(ctx, str(ctx.body["newIdentifierVerificationRecordId"]))
    return Response.empty(204)  # pragma: no cover - no social record can be verified here


def delete_identity(ctx: AccountContext) -> Response:
    """DELETE /api/my-account/identities/{target}."""
    ctx.need_edit("social")
    ctx.need_scope("identities")
    ctx.need_first_party()
    _verified_if_required(ctx)
    target = ctx.path_params["target"]
    data = ctx.data()
    if target not in data.identities:
        raise LogtoError(404, "user.identity_not_exist", message="The identity does not exist.")
    left = {k: v for k, v in data.identities.items() if k != target}
    if not left and not has_identifier_left(ctx.user, data, identities=False):
        raise LogtoError(400, "user.last_sign_in_method_required")
    del data.identities[target]
    ctx.user.touch()
    return Response.empty(204)


def _no_token_set() -> LogtoError:
    return LogtoError(
        404,
        "secrets.third_party_token_set.token_not_found",
        message="The third-party token set was not found.",
    )


def social_access_token(ctx: AccountContext) -> Response:
    """GET /api/my-account/identities/{target}/access-token: none is ever stored here."""
    ctx.need_scope("identities", 403, "auth.forbidden")
    if ctx.path_params["target"] not in ctx.data().identities:
        raise LogtoError(404, "user.identity_not_exist", message="The identity does not exist.")
    raise _no_token_set()


def sso_access_token(ctx: AccountContext) -> Response:
    """GET /api/my-account/sso-identities/{connectorId}/access-token."""
    ctx.need_scope("identities", 403, "auth.forbidden")
    raise _no_token_set()


def replace_access_token(ctx: AccountContext) -> Response:
    """PUT /api/my-account/identities/{target}/access-token: from a social verification."""
    ctx.need_scope("identities", 403, "auth.forbidden")
    ctx.need_first_party()
    _social_record(ctx, str(ctx.body["verificationRecordId"]))
    raise _no_token_set()  # pragma: no cover - no social record can be verified here


def _file_parts(request: Request) -> dict[str, str]:
    """``{part name: declared content type}`` of a multipart body."""
    if request.content_type != "multipart/form-data":
        return {}
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    parts: dict[str, str] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and part.get_filename() is not None:
            parts.setdefault(name, part.get_content_type())
    return parts


def upload_avatar(ctx: AccountContext) -> Response:
    """POST /api/my-account/user-assets/avatar: the files guard (a ``file`` part of an image
    type), the ``profile`` scope, the ``avatar`` field, then no storage provider."""
    parts = _file_parts(ctx.request)
    if "file" not in parts:
        raise LogtoError(400, "guard.invalid_input", message="The request files is invalid.")
    if parts["file"] not in _IMAGE_TYPES:
        raise LogtoError(400, "guard.mime_type_not_allowed")
    ctx.need_scope("profile", 401)
    ctx.need_first_party()
    ctx.need_edit("avatar")
    raise LogtoError(400, "storage.not_configured")


IDENTITY_HANDLERS: dict[str, Callable[[AccountContext], Response]] = {
    "AddUserIdentities": link_identity,
    "ReplaceMyAccountIdentity": link_identity,
    "DeleteIdentity": delete_identity,
    "GetSocialIdentityAccessToken": social_access_token,
    "GetEnterpriseSsoIdentityAccessToken": sso_access_token,
    "UpdateSocialIdentityAccessTokenByVerificationId": replace_access_token,
    "UploadAccountAvatar": upload_avatar,
}
