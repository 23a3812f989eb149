"""The profile routes: read the account, change name/avatar/username/custom data, the OIDC
profile, the password and the primary email and phone, in Logto 1.42's order of checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._state import User
from ._context import AccountContext
from ._data import UserData

__all__ = ["PROFILE_HANDLERS", "has_identifier_left", "profile_view"]

_PROFILE_KEYS = (
    "familyName",
    "givenName",
    "middleName",
    "nickname",
    "preferredUsername",
    "profile",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "address",
)
_MAX_USERNAME = 128
_MAX_PASSWORD = 256
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz")
_RUN = 3  # this many repeated or sequential characters are an offence
_KEEP = 3  # ... unless at least this many other characters remain (Logto's tolerance)


def profile_view(ctx: AccountContext, user: User | None = None) -> dict[str, Any]:
    """``GET /api/my-account``: the user's fields by the token's scopes, then by the account
    center's fields (a field shows when ``ReadOnly`` or ``Edit``)."""
    who = user or ctx.user
    data = ctx.data(who)
    scopes, fields = ctx.scopes, ctx.fields
    view: dict[str, Any] = {"id": who.id}
    if "identities" in scopes and fields.readable("social"):
        view["identities"] = dict(data.identities)
    if "custom_data" in scopes and fields.readable("customData"):
        view["customData"] = dict(data.custom_data)
    if "email" in scopes and fields.readable("email"):
        view["primaryEmail"] = who.primary_email
    if "phone" in scopes and fields.readable("phone"):
        view["primaryPhone"] = who.primary_phone
    if "profile" in scopes:
        profile = dict(data.profile)
        if "address" not in scopes:
            profile.pop("address", None)
        shown = {
            "name": ("name", who.name),
            "avatar": ("avatar", who.avatar),
            "username": ("username", who.username),
            "profile": ("profile", profile),
            "password": ("hasPassword", data.has_password()),
        }
        for control, (key, value) in shown.items():
            if fields.readable(control):
                view[key] = value
        data.extras.setdefault("applicationId", ctx.grant.app_id)
        view.update(
            lastSignInAt=data.extras.get("lastSignInAt"),
            createdAt=who.created_at,
            updatedAt=who.updated_at,
            applicationId=data.extras.get("applicationId"),
            cimdClientId=None,
            isSuspended=False,
        )
    view["hasSecurityVerificationMethod"] = data.has_security_method()
    return view


def has_identifier_left(user: User, data: UserData, **changes: Any) -> bool:
    """Whether the user keeps a username, email, phone or social identity after ``changes``."""
    values = {
        "username": user.username,
        "email": user.primary_email,
        "phone": user.primary_phone,
        "identities": bool(data.identities),
    }
    values.update(changes)
    return any(values.values())


def _last_method() -> LogtoError:
    return LogtoError(
        400,
        "user.last_sign_in_method_required",
        message="You can't remove the last sign-in method.",
    )


def get_profile(ctx: AccountContext) -> Response:
    """GET /api/my-account."""
    return Response.json(200, profile_view(ctx))


def update_profile(ctx: AccountContext) -> Response:
    """PATCH /api/my-account: field controls, the ``profile`` (and ``custom_data``) scope,
    then for a username the verification record, its policy and its uniqueness."""
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    given = {k: body[k] for k in ("name", "avatar", "username", "customData") if k in body}
    for key in given:
        ctx.need_edit(key)
    ctx.need_scope("profile")
    if "customData" in given:
        ctx.need_scope("custom_data")
    ctx.need_first_party()
    user, data = ctx.user, ctx.data()
    if "username" in given:
        ctx.need_verified()
        username = given["username"]
        if username is None:
            if not has_identifier_left(user, data, username=None):
                raise _last_method()
        else:
            if len(username) > _MAX_USERNAME:
                raise LogtoError(422, "user.username_too_long", message="Username is too long.")
            taken = ctx.server.users.find("username", username)
            if taken is not None and taken.id != user.id:
                raise LogtoError(422, "user.username_already_in_use")
    if not given:
        raise LogtoError(422, "entity.invalid_input", message="Invalid input.")
    for key, attribute in (("name", "name"), ("avatar", "avatar"), ("username", "username")):
        if key in given:
            setattr(user, attribute, given[key])
    if "customData" in given:
        data.extras["customData"] = dict(given["customData"])
    user.touch()
    return Response.json(200, profile_view(ctx))


def update_other_profile(ctx: AccountContext) -> Response:
    """PATCH /api/my-account/profile: merged into the stored profile; answers the profile."""
    ctx.need_edit("profile")
    ctx.need_scope("profile")
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    if "address" in body:
        ctx.need_scope("address")
    ctx.need_first_party()
    data = ctx.data()
    data.profile.update({k: v for k, v in body.items() if k in _PROFILE_KEYS})
    ctx.user.touch()
    profile = dict(data.profile)
    if "address" not in ctx.scopes:
        profile.pop("address", None)
    return Response.json(200, profile)


def _offending(password: str, words: list[str]) -> tuple[list[bool], set[str]]:
    """Which characters take part in a repetition, a sequence or the user's information."""
    marked = [False] * len(password)
    found: set[str] = set()
    lowered = password.lower()
    for i in range(len(password) - _RUN + 1):
        chunk = lowered[i : i + _RUN]
        kind = None
        if len(set(chunk)) == 1:
            kind = "repetition"
        elif any(chunk in seq or chunk in seq[::-1] for seq in _SEQUENCES):
            kind = "sequence"
        if kind is not None:
            found.add(kind)
            marked[i : i + _RUN] = [True] * _RUN
    for word in words:
        if len(word) < _RUN:
            continue
        for match in re.finditer(re.escape(word.lower()), lowered):
            found.add("user_info")
            marked[match.start() : match.end()] = [True] * (match.end() - match.start())
    return marked, found


def password_rejections(password: str, user: User, min_length: int) -> list[dict[str, Any]]:
    """The ``password.rejected`` data of the default policy (empty: acceptable)."""
    issues: list[dict[str, Any]] = []
    if len(password) < min_length:
        issues.append({"code": "password_rejected.too_short", "interpolation": {"min": min_length}})
    if len(password) > _MAX_PASSWORD:
        issues.append(
            {"code": "password_rejected.too_long", "interpolation": {"max": _MAX_PASSWORD}}
        )
    words = [w for w in (user.username, user.name, user.primary_phone) if w]
    if user.primary_email:
        words.append(user.primary_email.split("@")[0])
    marked, found = _offending(password, words)
    if found and len(password) - sum(marked) < _KEEP:
        issues.extend({"code": f"password_rejected.restricted.{kind}"} for kind in sorted(found))
    return issues


def update_password(ctx: AccountContext) -> Response:
    """POST /api/my-account/password: the record (when the user has a security method), the
    ``password`` field, the sign-in experience's policy, then not the current password."""
    ctx.need_first_party()
    user, data = ctx.user, ctx.data()
    if data.has_security_method():
        ctx.need_verified()
    ctx.need_edit("password")
    password = str(ctx.body["password"])
    issues = password_rejections(password, user, ctx.server.settings.password_min_length)
    if issues:
        raise LogtoError(422, "password.rejected", data=issues)
    if user.check_password(password):
        raise LogtoError(422, "user.same_password")
    user.set_password(password)
    data.extras.pop("passwordDigest", None)
    user.touch()
    return Response.empty(204)


def _identifier_routes(kind: str) -> tuple[Callable[..., Response], Callable[..., Response]]:
    attribute = "primary_email" if kind == "email" else "primary_phone"
    record_type = "EmailVerificationCode" if kind == "email" else "PhoneVerificationCode"

    def add(ctx: AccountContext) -> Response:
        ctx.need_verified()
        ctx.need_edit(kind)
        ctx.need_scope(kind)
        ctx.need_first_party()
        value = str(ctx.body[kind])
        record = ctx.server.account_records.live(str(ctx.body["newIdentifierVerificationRecordId"]))
        if (
            record is None
            or record.type != record_type
            or not record.verified
            or record.data.get("value") != value
        ):
            raise LogtoError(400, "verification_record.not_found")
        other = ctx.server.users.find(kind, value)
        if other is not None and other.id != ctx.user.id:
            raise LogtoError(422, f"user.{kind}_already_in_use")
        setattr(ctx.user, attribute, value)
        ctx.user.touch()
        return Response.empty(204)

    def remove(ctx: AccountContext) -> Response:
        ctx.need_verified()
        ctx.need_edit(kind)
        ctx.need_scope(kind)
        ctx.need_first_party()
        if getattr(ctx.user, attribute) is not None:
            if not has_identifier_left(ctx.user, ctx.data(), **{kind: None}):
                raise _last_method()
            setattr(ctx.user, attribute, None)
            ctx.user.touch()
        return Response.empty(204)

    return add, remove


_add_email, _remove_email = _identifier_routes("email")
_add_phone, _remove_phone = _identifier_routes("phone")

PROFILE_HANDLERS: dict[str, Callable[[AccountContext], Response]] = {
    "GetProfile": get_profile,
    "UpdateProfile": update_profile,
    "UpdateOtherProfile": update_other_profile,
    "UpdatePassword": update_password,
    "UpdatePrimaryEmail": _add_email,
    "DeletePrimaryEmail": _remove_email,
    "UpdatePrimaryPhone": _add_phone,
    "DeletePrimaryPhone": _remove_phone,
}
