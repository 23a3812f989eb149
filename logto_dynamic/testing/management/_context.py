"""What a Management API handler of the embedded server gets, and Logto's pagination."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from .._asgi import Request
from .._errors import LogtoError
from .._state import SignInExperience, UserStore

__all__ = ["ManagementContext", "ManagementStore", "Page", "ServerState"]

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
    """``page`` and ``page_size`` as Logto's pagination middleware reads them."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.number - 1) * self.size

    @classmethod
    def of(cls, request: Request) -> Page:
        """The requested page; ``400 guard.invalid_pagination`` for a bad value."""
        try:
            number = _positive(request.query.get("page"), 1, None)
            size = _positive(request.query.get("page_size"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        except ValueError:
            raise LogtoError(
                400,
                "guard.invalid_pagination",
                message="The request pagination value is invalid.",
            ) from None
        return cls(number, size)

    def headers(self, request: Request, total: int) -> list[tuple[str, str]]:
        """``Total-Number`` and the ``Link`` relations, built as Logto 1.42 builds them:
        from the request's path without the ``/api`` prefix (so following them gives 404)."""
        last = math.ceil(total / self.size) or 1
        relations = [(1, "first")]
        if self.number > 1:
            relations.append((self.number - 1, "prev"))
        if self.number < last:
            relations.append((self.number + 1, "next"))
        relations.append((last, "last"))
        path = request.path.removeprefix("/api")
        headers = [("total-number", str(total))]
        for number, rel in relations:  # one Link field each, as Koa's ctx.append sends them
            query = urlencode({**request.query, "page": str(number)})
            headers.append(("link", f'<{request.base_url}{path}?{query}>; rel="{rel}"'))
        return headers


def _positive(text: str | None, default: int, maximum: int | None) -> int:
    if not text:
        return default
    value = float(text)
    if not value.is_integer() or value <= 0 or (maximum is not None and value > maximum):
        raise ValueError(text)
    return int(value)
