"""Helpers for the sign-in flow tests: a live embedded server and sync/async clients alike."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from logto_dynamic import AsyncClient, Client
from logto_dynamic.testing import ExperienceServer, SignInExperience, new_totp_secret, serve_app
from logto_dynamic.testing._state import User

PASSWORD = "Ap9!rainbow-Quartz"
BACKUP_CODES = ("a1b2c3d4e5", "f6a7b8c9d0")


@dataclass
class Live:
    """A started embedded server and its base URL."""

    server: ExperienceServer
    base: str

    @property
    def redirect(self) -> str:
        return f"{self.base}/demo-app"

    def user(self, username: str = "alice", *, mfa: bool = False, **fields: Any) -> User:
        user = self.server.users.create(username=username, password=PASSWORD, **fields)
        if mfa:
            user.totp_secret = new_totp_secret()
            user.backup_codes = list(BACKUP_CODES)
        return user


@contextlib.contextmanager
def live_server(**settings: Any) -> Iterator[Live]:
    server = ExperienceServer(SignInExperience(**settings))
    with serve_app(server) as base:
        yield Live(server, base)


@contextlib.asynccontextmanager
async def client_for(mode: str, base: str) -> AsyncIterator[Any]:
    """A Client (mode "sync") or an AsyncClient (mode "async") on ``base``."""
    if mode == "sync":
        with Client(base) as client:
            yield client
    else:
        async with AsyncClient(base) as client:
            yield client


async def aw(value: Any) -> Any:
    """Await ``value`` when it is awaitable (async mode); return it as is otherwise."""
    return await value if inspect.isawaitable(value) else value
