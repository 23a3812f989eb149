"""The Management API's users routes of the embedded server: list (pagination and search),
create, get, update, delete, answered as Logto 1.42's ``admin-user`` routes and the database
under them answer: identifier collisions (usernames by the username policy's case rule,
emails without case, phones normalised), then the table's own rules (column lengths, unique
identifiers, a change that sets nothing)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from .._asgi import Response
from .._errors import LogtoError
from .._state import User
from ._context import ManagementContext, Page
from ._user_search import parse_user_search

__all__ = ["USER_HANDLERS", "user_view"]

_MESSAGES = {
    "entity.invalid_input": "Invalid input. Value list must not be empty.",
    "entity.not_found": "The resource does not exist.",
    "entity.value_too_long": "The length of value is too long and exceeds the limit.",
    "password.invalid_legacy_password_format": "Invalid legacy password format.",
    "password.unsupported_encryption_method": "The encryption method {name} is not supported.",
    "password.unsupported_legacy_hash_algorithm": "Unsupported legacy hash algorithm: {name}.",
    "request.invalid_input": "Input is invalid. {name}",
    "user.cannot_delete_self": "You cannot delete yourself.",
    "user.email_already_in_use": "This email is associated with an existing account.",
    "user.invalid_phone": "Invalid phone number.",
    "user.password_algorithm_required": "Password algorithm is required.",
    "user.password_and_digest": "You cannot set both plain text password and password digest.",
    "user.phone_already_in_use": "This phone number is associated with an existing account.",
    "user.username_already_in_use": "This username is already in use.",
}
_BOTH_EXCLUSIONS = (
    "Parameter `excludeRoleId` and `excludeOrganizationId` cannot be used at the same time."
)
#: The identifier columns: body field, ``User`` attribute, the collision code.
_IDENTIFIERS = (
    ("username", "username", "user.username_already_in_use"),
    ("primaryEmail", "primary_email", "user.email_already_in_use"),
    ("primaryPhone", "primary_phone", "user.phone_already_in_use"),
)
#: The ``users`` table's column lengths (``varchar(n)``).
_LENGTHS = {"username": 128, "primaryEmail": 128, "primaryPhone": 128, "name": 128, "avatar": 2048}
_UPDATABLE = ("username", "primaryEmail", "primaryPhone", "name", "avatar", "customData", "profile")
_ATTRIBUTES = {"username": "username", "primaryEmail": "primary_email"}
_ATTRIBUTES |= {"primaryPhone": "primary_phone", "name": "name", "avatar": "avatar"}
#: Assigned country calling codes (libphonenumber refuses a number without one).
_CALLING_CODES = frozenset(
    "1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 "
    "62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 211 212 213 216 218 220 221 222 223 224 "
    "225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 "
    "247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 "
    "290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 "
    "377 378 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 "
    "509 590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 "
    "682 683 685 686 687 688 689 690 691 692 800 808 850 852 853 855 856 870 878 880 881 882 "
    "883 886 888 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 979 992 "
    "993 994 995 996 998".split()
)


def _error(status: int, code: str, name: str = "") -> LogtoError:
    return LogtoError(status, code, message=_MESSAGES[code].format(name=name))


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


def list_users(ctx: ManagementContext) -> Response:
    """GET /api/users: newest first, ``Total-Number`` and Logto's ``Link`` header."""
    page = Page.of(ctx.request)
    items = ctx.request.query_items
    first = dict(reversed(items))  # URLSearchParams.get: the first value of a name
    if first.get("excludeRoleId") and first.get("excludeOrganizationId"):
        raise _error(400, "request.invalid_input", _BOTH_EXCLUSIONS)
    # No roles or organizations to exclude by here: every user stays.
    keep = parse_user_search(items).predicate()
    views = [user_view(ctx, u) for u in ctx.users.by_id.values()]
    found = sorted((v for v in views if keep(v)), key=lambda v: v["createdAt"], reverse=True)
    limit, offset = page.check_window()
    chosen = found[offset : offset + limit]
    return Response.json(200, chosen, headers=page.headers(ctx.request, len(found)))


def _case_sensitive_usernames(ctx: ManagementContext) -> bool:
    policy = ctx.store.sign_in_experience.get("usernamePolicy") or {}
    return policy.get("caseSensitive", True) is not False


def _national(phone: str) -> tuple[str, str] | None:
    """(calling code, national number) as libphonenumber splits ``+phone``; None if invalid."""
    code = next((phone[:n] for n in (1, 2, 3) if phone[:n] in _CALLING_CODES), None)
    if code is None or not phone.isdigit():
        return None
    national = phone[len(code) :]
    return (code, national) if 2 <= len(national) <= 17 else None


def _same_phone(stored: str | None, wanted: str) -> bool:
    """Logto's normalised comparison: a leading ``0`` of the national number is ignored."""
    if not stored:
        return False
    a, b = _national(stored), _national(wanted)
    if a is None or b is None:
        return stored == wanted
    return a[0] == b[0] and a[1].removeprefix("0") == b[1].removeprefix("0")


def _collides(ctx: ManagementContext, field: str, value: str, own_id: str | None) -> bool:
    for user in ctx.users.by_id.values():
        if user.id == own_id:
            continue
        if field == "username":
            name = user.username
            if name is not None and (
                name == value if _case_sensitive_usernames(ctx) else name.lower() == value.lower()
            ):
                return True
        elif field == "primaryEmail":
            email = user.primary_email
            if email is not None and email.lower() == value.lower():
                return True
        elif _same_phone(user.primary_phone, value):
            return True
    return False


def _check_collisions(
    ctx: ManagementContext, body: dict[str, Any], own_id: str | None, order: tuple[str, ...]
) -> None:
    codes = {field: code for field, _, code in _IDENTIFIERS}
    for field in order:
        value = body.get(field)
        if value and _collides(ctx, field, value, own_id):
            raise _error(422, codes[field])


def _check_row(ctx: ManagementContext, row: dict[str, Any], own_id: str | None) -> None:
    """What the ``users`` table itself refuses: a bad phone, too long a value, a duplicate."""
    phone = row.get("primaryPhone")
    if phone and _national(phone) is None:
        raise _error(422, "user.invalid_phone")
    for field, limit in _LENGTHS.items():
        value = row.get(field)
        if isinstance(value, str) and len(value) > limit:
            raise _error(422, "entity.value_too_long")
    for field, attribute, code in _IDENTIFIERS:  # the unique constraints: exact values
        value = row.get(field)
        if value is None:
            continue
        if any(getattr(u, attribute) == value and u.id != own_id for u in ctx.users.by_id.values()):
            raise _error(422, code)


def _check_legacy_digest(digest: str | None) -> None:
    """Logto's ``parseLegacyPassword``: ``[algorithm, [args with "@"], hash]``."""
    if not digest:
        raise _error(400, "password.unsupported_encryption_method", "Legacy")
    try:
        parsed = json.loads(digest)
    except ValueError:
        parsed = None
    shape_ok = (
        isinstance(parsed, list)
        and len(parsed) == 3
        and isinstance(parsed[0], str)
        and isinstance(parsed[1], list)
        and all(isinstance(a, str) for a in parsed[1])
        and "@" in parsed[1]
        and isinstance(parsed[2], str)
    )
    if not shape_ok:
        raise _error(400, "password.invalid_legacy_password_format")
    algorithm, args = parsed[0], parsed[1]
    if algorithm in ("pbkdf2", "pbkdf2Sync"):
        salt = args[0]
        hex_salt = salt[4:]
        if salt.startswith("hex:") and not (
            hex_salt
            and len(hex_salt) % 2 == 0
            and all(c in "0123456789abcdefABCDEF" for c in hex_salt)
        ):
            raise _error(400, "password.invalid_legacy_password_format")
    elif algorithm != "firebase-scrypt":
        try:
            hashlib.new(algorithm.lower().replace("-", "_"))
        except (ValueError, TypeError):
            raise _error(400, "password.unsupported_legacy_hash_algorithm", algorithm) from None


def create_user(ctx: ManagementContext) -> Response:
    """POST /api/users."""
    body: dict[str, Any] = ctx.body or {}
    if body.get("password") and body.get("passwordDigest"):
        raise _error(400, "user.password_and_digest")
    if body.get("passwordDigest") and not body.get("passwordAlgorithm"):
        raise _error(400, "user.password_algorithm_required")
    _check_collisions(ctx, body, None, ("username", "primaryEmail", "primaryPhone"))
    if body.get("passwordAlgorithm") == "Legacy":
        _check_legacy_digest(body.get("passwordDigest"))
    _check_row(ctx, body, None)
    user = ctx.users.create(
        username=body.get("username"),
        primary_email=body.get("primaryEmail"),
        primary_phone=body.get("primaryPhone"),
        name=body.get("name"),
        avatar=body.get("avatar"),
        password=body.get("password") or None,
    )
    extra = ctx.store.extras.setdefault(user.id, {})
    for key in ("customData", "profile"):
        if key in body:
            extra[key] = body[key]
    if body.get("passwordDigest") and not body.get("password"):  # kept, never verified
        extra["passwordDigest"] = body["passwordDigest"]
    return Response.json(200, user_view(ctx, user))


def find_user(ctx: ManagementContext) -> User:
    """The user of the ``userId`` path parameter; Logto's 404 ``entity.not_found``."""
    user = ctx.users.by_id.get(ctx.path_params["userId"])
    if user is None:
        raise _error(404, "entity.not_found")
    return user


def get_user(ctx: ManagementContext) -> Response:
    """GET /api/users/{userId}."""
    return Response.json(200, user_view(ctx, find_user(ctx)))


def update_user(ctx: ManagementContext) -> Response:
    """PATCH /api/users/{userId}: the given fields replace the stored ones (``""`` is kept
    as ``""``, ``null`` clears); a body that sets none of them is 422, as Logto's empty
    ``update ... set`` is."""
    user = find_user(ctx)
    body: dict[str, Any] = {k: v for k, v in (ctx.body or {}).items() if k in _UPDATABLE}
    _check_collisions(ctx, body, user.id, ("primaryEmail", "primaryPhone", "username"))
    if not body:
        raise _error(422, "entity.invalid_input")
    _check_row(ctx, body, user.id)
    for field, attribute in _ATTRIBUTES.items():
        if field in body:
            setattr(user, attribute, body[field])
    extra = ctx.store.extras.setdefault(user.id, {})
    for key in ("customData", "profile"):
        if key in body:
            extra[key] = body[key]
    user.touch()
    return Response.json(200, user_view(ctx, user))


def delete_user(ctx: ManagementContext) -> Response:
    """DELETE /api/users/{userId}: 204."""
    if ctx.path_params["userId"] == ctx.app_id:
        raise _error(400, "user.cannot_delete_self")
    user = find_user(ctx)
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
