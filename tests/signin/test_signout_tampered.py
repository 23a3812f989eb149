"""Issue 26.6: ``sign_out`` never follows the end-session answers to another origin.

Over loopback, the embedded server's end-session answers are tampered in flight (as
test_signin_tampered does for sign-in): the confirmation's redirect, a later hop and the
form's action are pointed at a second loopback server (a trap on another port). Nothing may
reach the trap; the registered post-logout URI is returned, never fetched."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_signin_tampered import USER, Tamper, Trap

from logto_dynamic import Client, OidcError
from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app

pytestmark = pytest.mark.loopback


class BodyTamper(Tamper):
    """Also rewrites the end-session page (its form's action)."""

    def __init__(self, app: Any, *, action: str) -> None:
        super().__init__(app)
        self.action = action

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("path") != "/oidc/session/end":
            return await self.app(scope, receive, send)
        held: list[Any] = []

        async def hold(message: Any) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        start, *bodies = held
        page = b"".join(m.get("body", b"") for m in bodies)
        page = re.sub(rb'action="[^"]*"', self.action.encode(), page, count=1)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(page)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": page})


@pytest.fixture
def server() -> ExperienceServer:
    return ExperienceServer(SignInExperience(seed_users=(USER,)))


def _signed_in_then_out(url: str, **sign_out: Any) -> tuple[str, Any]:
    with Client(url) as client:
        tokens = client.interaction("demo-app", f"{url}/demo-app").sign_in(*USER)
        return client.sign_out("demo-app", id_token=tokens.id_token, **sign_out), client


def test_a_redirect_to_a_foreign_origin_is_returned_not_followed(
    server: ExperienceServer,
) -> None:
    trap = Trap()
    with serve_app(trap) as trap_url:

        def location(path: str, value: str) -> str:
            if path == "/oidc/session/end/confirm":
                return f"{trap_url}/stolen?from=confirm"
            return value

        with serve_app(Tamper(server, location=location)) as url:
            ended, _ = _signed_in_then_out(url)
    assert ended == f"{trap_url}/stolen?from=confirm"
    assert trap.hits == []


def test_a_later_hop_to_a_foreign_origin_is_not_followed(server: ExperienceServer) -> None:
    """The confirmation points to Logto's own page, which then points away."""
    trap = Trap()
    with serve_app(trap) as trap_url:

        def location(path: str, value: str) -> str:
            if path == "/oidc/session/end/confirm":
                return "/oidc/auth/hop"  # on Logto's origin: followed
            if path == "/oidc/auth/hop":
                return f"{trap_url}/second-hop"
            return value

        with serve_app(Tamper(server, location=location)) as url:
            with Client(url) as client:
                tokens = client.interaction("demo-app", f"{url}/demo-app").sign_in(*USER)
                try:
                    ended = client.sign_out("demo-app", id_token=tokens.id_token)
                except OidcError:
                    ended = None  # Logto's page refusing the made-up hop is fine too
    assert ended in (None, f"{trap_url}/second-hop")
    assert trap.hits == []


def test_a_form_posting_to_a_foreign_origin_is_not_submitted(server: ExperienceServer) -> None:
    trap = Trap()
    with serve_app(trap) as trap_url:
        tamper = BodyTamper(server, action=f'action="{trap_url}/steal-xsrf"')
        with serve_app(tamper) as url:
            with pytest.raises(OidcError, match="does not post back to Logto"):
                _signed_in_then_out(url)
    assert trap.hits == []


def test_the_post_logout_uri_is_returned_never_fetched(server: ExperienceServer) -> None:
    seen: list[str] = []

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(scope["path"])
        await server(scope, receive, send)

    with serve_app(recording) as url:
        ended, _ = _signed_in_then_out(url, post_logout_redirect_uri=f"{url}/demo-app")
    assert ended.startswith(f"{url}/demo-app")
    assert "/demo-app" not in seen  # on Logto's own origin, and still not fetched
