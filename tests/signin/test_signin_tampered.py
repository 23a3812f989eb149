"""Sign-in security at the level a user meets it: ``client.interaction(...).sign_in(...)``
against the embedded server over loopback, with the server's answers tampered in flight.

A thin ASGI layer in front of the embedded server rewrites what an attacker on the redirect
path could: the code redirect's ``state``, the authorization request's ``nonce`` (so the
server signs an ID token for another nonce), a hop's ``Location`` (another scheme or port on
the same host). Each must stop the sign-in with its typed error, nothing sent where it should
not go, no tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from logto_dynamic import Client, OidcError, StateMismatchError, TokenVerificationError
from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app

pytestmark = pytest.mark.loopback

USER = ("tampered_user", "Vb3!meadow-Quill")
Rewrite = Callable[[str, str], str]  # (request path, Location) -> Location


class Tamper:
    """ASGI: the embedded server, with ``Location`` headers and the auth query rewritten."""

    def __init__(
        self,
        app: Any,
        *,
        location: Rewrite | None = None,
        auth_query: Callable[[dict[str, str]], dict[str, str]] | None = None,
    ) -> None:
        self.app, self.location, self.auth_query = app, location, auth_query

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if self.auth_query is not None and path == "/oidc/auth":
            query = dict(parse_qsl(scope["query_string"].decode()))
            scope = {**scope, "query_string": urlencode(self.auth_query(query)).encode()}

        async def tampered_send(message: Any) -> None:
            if message["type"] == "http.response.start" and self.location is not None:
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"location":
                        value = self.location(path, value.decode("latin-1")).encode("latin-1")
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, tampered_send)


class Trap:
    """A second loopback server that records every request that reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.hits.append(scope["path"])
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def server() -> ExperienceServer:
    return ExperienceServer(SignInExperience(seed_users=(USER,)))


def _sign_in(base_url: str) -> Any:
    with Client(base_url) as client:
        interaction = client.interaction("demo-app", f"{base_url}/demo-app")
        return interaction.sign_in(*USER)


def _replace_query(url: str, change: Callable[[dict[str, str]], dict[str, str]]) -> str:
    parts = urlsplit(url)
    query = change(dict(parse_qsl(parts.query)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_untampered_sign_in_succeeds(server: ExperienceServer) -> None:
    """The layer itself changes nothing when it rewrites nothing."""
    with serve_app(Tamper(server)) as url:
        tokens = _sign_in(url)
    assert tokens.claims["username"] == USER[0]


@pytest.mark.parametrize("state", [None, "another-interactions-state"])
def test_a_code_redirect_without_our_state_is_refused(
    server: ExperienceServer, state: str | None
) -> None:
    def change(query: dict[str, str]) -> dict[str, str]:
        query.pop("state", None)
        return query if state is None else {**query, "state": state}

    def location(path: str, value: str) -> str:
        return _replace_query(value, change) if "code=" in value else value

    with serve_app(Tamper(server, location=location)) as url:
        with pytest.raises(StateMismatchError, match="state"):
            _sign_in(url)


def test_an_id_token_for_another_nonce_is_refused(server: ExperienceServer) -> None:
    """The server is asked for another nonce, so it signs a valid token for that one."""

    def auth_query(query: dict[str, str]) -> dict[str, str]:
        assert query["nonce"]  # the client sent one
        return {**query, "nonce": "someone-elses-nonce"}

    with serve_app(Tamper(server, auth_query=auth_query)) as url:
        with pytest.raises(TokenVerificationError, match="nonce"):
            _sign_in(url)


@pytest.mark.parametrize("change", ["port", "scheme"])
def test_a_hop_to_another_port_or_scheme_on_the_same_host_is_not_followed(
    server: ExperienceServer, change: str
) -> None:
    trap = Trap()
    with serve_app(trap) as trap_url:
        trap_port = urlsplit(trap_url).port

        def location(path: str, value: str) -> str:
            if not path.startswith("/oidc/auth/"):  # only the hops after SubmitInteraction
                return value
            parts = urlsplit(value)
            if change == "port":
                return urlunsplit(parts._replace(netloc=f"127.0.0.1:{trap_port}"))
            return urlunsplit(parts._replace(scheme="https"))

        with serve_app(Tamper(server, location=location)) as url:
            with pytest.raises(OidcError, match="another origin"):
                _sign_in(url)
    assert trap.hits == []
