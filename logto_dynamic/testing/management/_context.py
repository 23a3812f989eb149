"""What a Management API handler of the embedded server gets, and Logto's pagination."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode

from .._asgi import Request
from .._errors import LogtoError
from .._state import SignInExperience, UserStore

__all__ = ["ManagementContext", "ManagementStore", "Page", "ServerState", "js_number"]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class ServerState(Protocol):
    """The parts of the embedded server the management routes read and change."""

    settings: SignInExperience
    users: UserStore


@dataclass
class ManagementStore:
    """What only the Management API keeps: users' custom data and profiles, and the
    sign-in experience fields the Experience API does not read."""

    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    sign_in_experience: dict[str, Any] = field(default_factory=dict)


@dataclass
class ManagementContext:
    """One Management API call being served (the caller is ``app_id``)."""

    request: Request
    server: ServerState
    store: ManagementStore
    body: Any
    path_params: dict[str, str]
    app_id: str

    @property
    def users(self) -> UserStore:
        """The server's users (shared with the Experience API)."""
        return self.server.users


@dataclass(frozen=True)
class Page:
    """``page`` and ``page_size`` as Logto's pagination middleware reads them: JavaScript's
    ``Number()`` of the raw text, checked positive (and ``page_size`` at most 100). Like
    Logto's, the values need not be integers here: the database refuses a window it cannot
    use (:meth:`check_window`)."""

    number: float
    size: float

    @property
    def offset(self) -> float:
        """How many items come before this page (Logto's ``(page - 1) * page_size``)."""
        return (self.number - 1) * self.size

    @classmethod
    def of(cls, request: Request) -> Page:
        """The requested page; ``400 guard.invalid_pagination`` for a bad value."""
        raw: dict[str, list[str]] = {}
        for name, value in request.query_items:
            raw.setdefault(name, []).append(value)
        number = _positive(raw.get("page"), 1, None)
        size = _positive(raw.get("page_size"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        if number is None or size is None:
            raise LogtoError(
                400,
                "guard.invalid_pagination",
                message="The request pagination value is invalid.",
            )
        return cls(number, size)

    def check_window(self) -> tuple[int, int]:
        """``(limit, offset)`` as the database takes them. Logto sends both as JavaScript
        prints them; PostgreSQL refuses text that is not an integer (``2.5``, ``Infinity``,
        ``1e+21``: 422 ``entity.invalid_input``), an integer out of ``bigint`` range and a
        negative offset (errors Logto does not map: 500)."""
        limit, offset = _bigint(self.size), _bigint(self.offset)
        if limit is None or offset is None:
            raise LogtoError(
                422, "entity.invalid_input", message="Invalid input. Value list must not be empty."
            )
        if max(limit, offset) > _BIGINT_MAX or offset < 0:
            raise RuntimeError("the database refuses this window")  # the server's 500
        return limit, offset

    def headers(self, request: Request, total: int) -> list[tuple[str, str]]:
        """``Total-Number`` and the ``Link`` relations, built as Logto 1.42 builds them:
        from the request's path without the ``/api`` prefix (so following them gives 404)."""
        limit, offset = self.check_window()
        last = math.ceil(total / limit) or 1
        number = offset // limit + 1
        relations = [(1, "first")]
        if number > 1:
            relations.append((number - 1, "prev"))
        relations.append((last, "last"))
        if number < last:
            relations.append((number + 1, "next"))
        path = request.path.removeprefix("/api")
        headers = [("total-number", str(total))]
        for page, rel in relations:  # one Link field each, as Koa's ctx.append sends them
            query = urlencode({**request.query, "page": str(page)})
            headers.append(("link", f'<{request.base_url}{path}?{query}>; rel="{rel}"'))
        return headers


_BIGINT_MAX = 2**63 - 1
#: JavaScript's StrWhiteSpaceChar: WhiteSpace and LineTerminator (``Number()`` trims them).
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_RADIX = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")


def js_number(text: str) -> float:
    """JavaScript's ``Number(text)`` of a string (``nan`` where it gives ``NaN``)."""
    body = text.strip(_JS_SPACE)
    if not body:
        return 0.0
    if _RADIX.fullmatch(body):
        return float(int(body, 0))
    if _DECIMAL.fullmatch(body):
        return float(body.replace("Infinity", "inf"))
    return math.nan


def _positive(values: list[str] | None, default: int, maximum: int | None) -> float | None:
    """zod's ``number().positive()`` (and ``.max()``) of ``Number(raw)``; ``None`` if refused.
    An absent or empty value is the default; a repeated one is an array (``NaN``)."""
    if not values or (len(values) == 1 and not values[0]):
        return float(default)
    value = js_number(values[0]) if len(values) == 1 else math.nan
    if math.isnan(value) or value <= 0 or (maximum is not None and value > maximum):
        return None
    return value


def _bigint(value: float) -> int | None:
    """The integer PostgreSQL reads from JavaScript's ``String(value)``, or None when that
    text is not an integer literal (a fraction, ``Infinity``, exponent notation)."""
    if not math.isfinite(value) or not value.is_integer() or abs(value) >= 1e21:
        return None
    return int(Decimal(repr(value)))
