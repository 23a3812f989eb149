"""The Management API's users routes of the embedded server: list (pagination and search),
create, get, update, delete, answered as Logto 1.42's ``admin-user`` routes answer them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._state import User
from ._context import ManagementContext, Page

__all__ = ["USER_HANDLERS", "user_view"]

_SEARCH_FIELDS = ("id", "primaryEmail", "primaryPhone", "username", "name")
_MESSAGES = {
    "entity.not_exists_with_id": "The {name} with ID `{id}` does not exist.",
    "request.invalid_input": "Input is invalid. {details}",
    "user.email_already_in_use": "This email is associated with an existing account.",
    "user.password_algorithm_required": "Password algorithm is required.",
    "user.password_and_digest": "You cannot set both plain text password and password digest.",
    "user.phone_already_in_use": "This phone number is associated with an existing account.",
    "user.username_already_in_use": "This username is already in use.",
}


def _error(status: int, code: str, **values: str) -> LogtoError:
    return LogtoError(status, code, message=_MESSAGES[code].format(**values))


def user_view(ctx: ManagementContext, user: User) -> dict[str, Any]:
    """A user as Logto's management routes answer it (no password hash)."""
    extra = ctx.store.extras.get(user.id, {})
    return {
        "id": user.id,
        "username": user.username,
        "primaryEmail": user.primary_email,
        "primaryPhone": user.primary_phone,
        "name": user.name,
        "avatar": user.avatar,
        "customData": extra.get("customData", {}),
        "identities": {},
        "lastSignInAt": extra.get("lastSignInAt"),
        "createdAt": user.created_at,
        "updatedAt": user.updated_at,
        "profile": extra.get("profile", {}),
        "applicationId": None,
        "cimdClientId": None,
        "isSuspended": user.is_suspended,
        "hasPassword": user.password_digest is not None or "passwordDigest" in extra,
    }


def _like(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """SQL ``like`` (``ilike`` unless case sensitive): ``%`` any run, ``_`` one character."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def _field_value(view: dict[str, Any], name: str) -> str | None:
    value = view.get(name)
    return value if isinstance(value, str) else None


def _search(ctx: ManagementContext) -> Callable[[dict[str, Any]], bool]:
    """Logto's ``search`` / ``search.<field>`` / ``mode`` / ``joint`` / ``isCaseSensitive``."""
    items = ctx.request.query_items
    first = dict(reversed(items))  # URLSearchParams.get: the first value of a name
    case_sensitive = first.get("isCaseSensitive", "false").lower() in ("true", "1", "yes")
    joint = first.get("joint") or first.get("jointMode") or "or"
    if joint not in ("and", "or"):
        raise _error(400, "request.invalid_input", details=f"bad joint mode `{joint}`")
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for key, value in items:
        if not key.startswith("search"):
            continue
        field = key.partition(".")[2] or None
        if field is not None and field not in _SEARCH_FIELDS:
            raise _error(400, "request.invalid_input", details=f"unknown search field `{field}`")
        if not value:
            raise _error(400, "request.invalid_input", details="Search value cannot be empty.")
        pattern = _like(value, case_sensitive)
        fields = (field,) if field else _SEARCH_FIELDS

        def test(view: dict[str, Any], p: re.Pattern[str] = pattern, f: Any = fields) -> bool:
            return any((v := _field_value(view, n)) is not None and p.fullmatch(v) for n in f)

        tests.append(test)
    if not tests:
        return lambda view: True
    combine = all if joint == "and" else any
    return lambda view: combine(t(view) for t in tests)


def list_users(ctx: ManagementContext) -> Response:
    """GET /api/users: newest first, ``Total-Number`` and Logto's ``Link`` header."""
    page = Page.of(ctx.request)
    keep = _search(ctx)
    views = [user_view(ctx, u) for u in ctx.users.by_id.values()]
    found = sorted((v for v in views if keep(v)), key=lambda v: v["createdAt"], reverse=True)
    chosen = found[page.offset : page.offset + page.size]
    return Response.json(200, chosen, headers=page.headers(ctx.request, len(found)))


def _check_unique(ctx: ManagementContext, body: dict[str, Any], own_id: str | None) -> None:
    for field, kind, code in (
        ("username", "username", "user.username_already_in_use"),
        ("primaryEmail", "email", "user.email_already_in_use"),
        ("primaryPhone", "phone", "user.phone_already_in_use"),
    ):
        value = body.get(field)
        if not value:
            continue
        other = _find_case_insensitive(ctx, kind, value)
        if other is not None and other.id != own_id:
            raise _error(422, code)


def _find_case_insensitive(ctx: ManagementContext, kind: str, value: str) -> User | None:
    if kind != "username":
        return ctx.users.find(kind, value)
    return next(
        (u for u in ctx.users.by_id.values() if (u.username or "").lower() == value.lower()),
        None,
    )


def _keep_extras(ctx: ManagementContext, user: User, body: dict[str, Any]) -> None:
    extra = ctx.store.extras.setdefault(user.id, {})
    for key in ("customData", "profile"):
        if key in body:
            extra[key] = body[key]


def create_user(ctx: ManagementContext) -> Response:
    """POST /api/users."""
    body: dict[str, Any] = ctx.body or {}
    if body.get("password") and body.get("passwordDigest"):
        raise _error(400, "user.password_and_digest")
    if body.get("passwordDigest") and not body.get("passwordAlgorithm"):
        raise _error(400, "user.password_algorithm_required")
    _check_unique(ctx, body, None)
    user = ctx.users.create(
        username=body.get("username"),
        primary_email=body.get("primaryEmail"),
        primary_phone=body.get("primaryPhone"),
        name=body.get("name"),
        avatar=body.get("avatar") or None,
        password=body.get("password") or None,
    )
    _keep_extras(ctx, user, body)
    if body.get("passwordDigest"):  # kept, never verified: the embedded server cannot
        ctx.store.extras[user.id]["passwordDigest"] = body["passwordDigest"]
    return Response.json(200, user_view(ctx, user))


def _user(ctx: ManagementContext) -> User:
    user_id = ctx.path_params["userId"]
    user = ctx.users.by_id.get(user_id)
    if user is None:
        raise _error(404, "entity.not_exists_with_id", name="users", id=user_id)
    return user


def get_user(ctx: ManagementContext) -> Response:
    """GET /api/users/{userId}."""
    return Response.json(200, user_view(ctx, _user(ctx)))


def update_user(ctx: ManagementContext) -> Response:
    """PATCH /api/users/{userId}: the given fields replace the stored ones."""
    user = _user(ctx)
    body: dict[str, Any] = ctx.body or {}
    _check_unique(ctx, body, user.id)
    for field, attribute in (
        ("username", "username"),
        ("primaryEmail", "primary_email"),
        ("primaryPhone", "primary_phone"),
        ("name", "name"),
        ("avatar", "avatar"),
    ):
        if field in body:
            setattr(user, attribute, body[field] if body[field] != "" else None)
    _keep_extras(ctx, user, body)
    user.touch()
    return Response.json(200, user_view(ctx, user))


def delete_user(ctx: ManagementContext) -> Response:
    """DELETE /api/users/{userId}: 204."""
    user = _user(ctx)
    del ctx.users.by_id[user.id]
    ctx.store.extras.pop(user.id, None)
    return Response.empty(204)


USER_HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {
    "ListUsers": list_users,
    "CreateUser": create_user,
    "GetUser": get_user,
    "UpdateUser": update_user,
    "DeleteUser": delete_user,
}
