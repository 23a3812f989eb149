"""Helpers for tests of the embedded server: a controllable clock, interactions, sign-in."""

from __future__ import annotations

from typing import Any

import httpx

from _support import AUTH_QUERY
from logto_dynamic.testing import ExperienceServer


class Clock:
    """A settable time source for ``server.clock`` (no test sleeps)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``."""
        self.now += seconds


def client(server: ExperienceServer) -> httpx.AsyncClient:
    """An in-process client of ``server`` (open it with ``async with``)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=server), base_url="http://testserver"
    )


async def interaction(http: httpx.AsyncClient, event: str | None = "SignIn") -> None:
    """A fresh OIDC interaction (new cookies); its experience started unless ``event`` is None."""
    http.cookies.clear()
    assert (await http.get("/oidc/auth", params=AUTH_QUERY)).status_code == 303
    if event is not None:
        started = await http.put("/api/experience", json={"interactionEvent": event})
        assert started.status_code == 204


async def identify(http: httpx.AsyncClient, username: str, password: str) -> None:
    """Verify the password of ``username`` and identify the interaction with it."""
    identifier = {"type": "username", "value": username}
    verified = await http.post(
        "/api/experience/verification/password",
        json={"identifier": identifier, "password": password},
    )
    assert verified.status_code == 200, verified.text
    identified = await http.post(
        "/api/experience/identification", json={"verificationId": verified.json()["verificationId"]}
    )
    assert identified.status_code == 204, identified.text


def answer(response: httpx.Response) -> tuple[int, Any]:
    """``(status, Logto code)``; the code is None for a body without one."""
    try:
        body = response.json()
    except ValueError:
        return response.status_code, None
    return response.status_code, body.get("code") if isinstance(body, dict) else None
