"""The token lifecycle after sign-in, from outside, over loopback against the embedded server.

Every test runs with the sync Client and the AsyncClient alike (``kind``): userinfo, silent
sign-in, resource and organization access tokens checked by AccessTokenVerifier, revocation,
sign-out, and a confidential app with its secret.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from logto_dynamic import (
    AccessTokenVerifier,
    AsyncClient,
    AuthorizationError,
    Client,
    LoginRequired,
    TokenRequestError,
    Tokens,
    TokenVerificationError,
)
from logto_dynamic.testing import LogtoTestServer, running_server

pytestmark = pytest.mark.anyio

USER, PASSWORD = "dana", "Vq3#lantern-Moss"
API = "https://api.example.test"
OFFLINE = ("openid", "profile", "offline_access")


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def logto() -> Iterator[LogtoTestServer]:
    with running_server() as server:
        server.add_user(USER, PASSWORD)
        yield server


async def run(value: Any) -> Any:
    """Await ``value`` when the async client returned a coroutine."""
    return await value if inspect.isawaitable(value) else value


class Shell:
    """One client of either kind, with awaitable helpers for the tests."""

    def __init__(self, kind: str, logto: LogtoTestServer) -> None:
        self.logto = logto
        cls = Client if kind == "sync" else AsyncClient
        self.client: Any = cls(logto.base_url)

    async def sign_in(self, app_id: str | None = None, **options: Any) -> Tokens:
        options.setdefault("scopes", OFFLINE)
        options.setdefault("prompt", "consent")
        redirect = options.pop("redirect_uri", self.logto.redirect_uri)
        interaction = await run(
            self.client.interaction(app_id or self.logto.app_id, redirect, **options)
        )
        tokens: Tokens = await run(interaction.sign_in(USER, PASSWORD))
        return tokens

    async def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return await run(getattr(self.client, method)(*args, **kwargs))

    async def close(self) -> None:
        await run(self.client.aclose() if hasattr(self.client, "aclose") else self.client.close())


@pytest.fixture
async def shell(kind: str, logto: LogtoTestServer) -> Any:
    shell = Shell(kind, logto)
    yield shell
    await shell.close()


@pytest.mark.loopback
async def test_userinfo_gives_the_signed_in_subject(shell: Shell, logto: LogtoTestServer) -> None:
    tokens = await shell.sign_in(scopes=(*OFFLINE, "roles", "urn:logto:scope:organizations"))
    user = logto.server.users.find("username", USER)
    assert user is not None
    logto.add_organization("org-1", [user])
    claims = await shell("userinfo", tokens.access_token)
    assert claims["sub"] == tokens.subject == user.id
    assert claims["username"] == USER
    assert claims["organizations"] == ["org-1"] and claims["roles"] == []
    with pytest.raises(TokenRequestError) as refused:
        await shell("userinfo", tokens.access_token + "x")
    assert (refused.value.status_code, refused.value.error) == (401, "invalid_token")


@pytest.mark.loopback
async def test_silent_sign_in_reuses_the_session_then_sign_out_ends_it(
    shell: Shell, logto: LogtoTestServer
) -> None:
    with pytest.raises(LoginRequired) as before:  # no session yet
        await shell("silent_sign_in", logto.app_id, logto.redirect_uri)
    assert before.value.error == "login_required"
    first = await shell.sign_in(scopes=("openid", "profile"), prompt="login")
    silent = await shell("silent_sign_in", logto.app_id, logto.redirect_uri)
    assert silent.subject == first.subject and silent.claims["iss"] == logto.issuer
    assert silent.id_token != first.id_token and silent.refresh_token is None
    assert (await shell("userinfo", silent.access_token))["sub"] == first.subject
    with pytest.raises(AuthorizationError) as wider:  # a scope this app was never granted
        await shell("silent_sign_in", logto.app_id, logto.redirect_uri, scopes=("email",))
    assert wider.value.error == "consent_required"
    ended = await shell(
        "sign_out",
        logto.app_id,
        id_token=first.id_token,
        post_logout_redirect_uri=logto.redirect_uri,
    )
    assert ended.startswith(logto.redirect_uri)  # returned, never fetched
    with pytest.raises(LoginRequired, match="login_required"):
        await shell("silent_sign_in", logto.app_id, logto.redirect_uri)
    for ended_token in (first.access_token, silent.access_token):  # the grant ended too
        with pytest.raises(TokenRequestError):
            await shell("userinfo", ended_token)
    again = await shell("sign_out", logto.app_id)  # no session: still a clean sign-out
    assert again == f"{logto.base_url}/oidc/session/end/success?client_id={logto.app_id}"


@pytest.mark.loopback
async def test_an_offline_grant_outlives_the_sign_out(shell: Shell, logto: LogtoTestServer) -> None:
    tokens = await shell.sign_in()  # offline_access with prompt=consent: a refresh token
    assert tokens.refresh_token is not None
    await shell("sign_out", logto.app_id, id_token=tokens.id_token)
    with pytest.raises(LoginRequired):
        await shell("silent_sign_in", logto.app_id, logto.redirect_uri)
    renewed = await shell("refresh_tokens", logto.app_id, tokens.refresh_token)
    assert (await shell("userinfo", renewed.access_token))["sub"] == tokens.subject


@pytest.mark.loopback
async def test_a_resource_token_verifies_only_for_its_audience_and_scopes(
    shell: Shell, logto: LogtoTestServer, kind: str
) -> None:
    logto.add_resource(API, ("read:things", "write:things", "admin"))
    user = logto.server.users.find("username", USER)
    assert user is not None
    logto.add_role(user, ("read:things", "write:things"))
    scopes = (*OFFLINE, "read:things", "admin")
    tokens = await shell.sign_in(scopes=scopes, resources=(API,))
    assert tokens.refresh_token is not None
    resource = await shell("refresh_tokens", logto.app_id, tokens.refresh_token, resource=API)
    verifier = AccessTokenVerifier(logto.issuer, API)
    verify = verifier.verify if kind == "sync" else verifier.averify
    claims = await run(verify(resource.access_token, scopes=("read:things",)))
    assert claims["sub"] == tokens.subject and claims["aud"] == API
    assert claims["scope"] == "read:things"  # asked and granted; admin asked, not granted
    with pytest.raises(TokenVerificationError) as missing:
        await run(verify(resource.access_token, scopes=("read:things", "admin")))
    assert (missing.value.check, missing.value.error) == ("scope", "insufficient_scope")
    other = AccessTokenVerifier(logto.issuer, "https://elsewhere.test")
    with pytest.raises(TokenVerificationError) as audience:
        other.verify(resource.access_token)
    assert audience.value.check == "aud" and "https://elsewhere.test" in str(audience.value)
    with pytest.raises(TokenVerificationError) as opaque:  # the /oidc/me token is no JWT
        await run(verify(tokens.access_token))
    assert opaque.value.check == "format"


@pytest.mark.loopback
async def test_a_revoked_refresh_token_gets_invalid_grant(
    shell: Shell, logto: LogtoTestServer
) -> None:
    tokens = await shell.sign_in()
    assert tokens.refresh_token is not None
    await shell("revoke_token", logto.app_id, tokens.refresh_token, hint="refresh_token")
    with pytest.raises(TokenRequestError) as refused:
        await shell("refresh_tokens", logto.app_id, tokens.refresh_token)
    assert (refused.value.status_code, refused.value.error) == (400, "invalid_grant")
    assert "invalid_grant" in str(refused.value)
    with pytest.raises(TokenRequestError):  # the grant went with it: its access token too
        await shell("userinfo", tokens.access_token)
    await shell("revoke_token", logto.app_id, "never-issued")  # unknown: 200, no error
    with pytest.raises(ValueError, match="hint"):
        await shell("revoke_token", logto.app_id, "t", hint="id_token")


@pytest.mark.loopback
async def test_revoking_an_access_token_ends_only_that_token(
    shell: Shell, logto: LogtoTestServer
) -> None:
    tokens = await shell.sign_in()
    assert tokens.refresh_token is not None
    await shell("revoke_token", logto.app_id, tokens.access_token)
    with pytest.raises(TokenRequestError):
        await shell("userinfo", tokens.access_token)
    renewed = await shell("refresh_tokens", logto.app_id, tokens.refresh_token)
    assert (await shell("userinfo", renewed.access_token))["sub"] == tokens.subject


@pytest.mark.loopback
async def test_a_confidential_app_signs_in_with_its_secret(
    shell: Shell, logto: LogtoTestServer
) -> None:
    secret = "web-app-s3cret"
    logto.add_app("web", "/web/callback", secret=secret)
    redirect = f"{logto.base_url}/web/callback"
    with pytest.raises(TokenRequestError) as wrong:
        await shell.sign_in("web", redirect_uri=redirect, client_secret="not-it")
    assert (wrong.value.status_code, wrong.value.error) == (401, "invalid_client")
    assert "not-it" not in str(wrong.value) and "not-it" not in repr(wrong.value)
    with pytest.raises(TokenRequestError, match="invalid_client"):  # no secret at all
        await shell.sign_in("web", redirect_uri=redirect)
    tokens = await shell.sign_in("web", redirect_uri=redirect, client_secret=secret)
    assert tokens.claims["aud"] == "web" and tokens.refresh_token is not None
    renewed = await shell("refresh_tokens", "web", tokens.refresh_token, client_secret=secret)
    assert renewed.subject == tokens.subject
    silent = await shell("silent_sign_in", "web", redirect, client_secret=secret)
    assert silent.subject == tokens.subject
    assert renewed.refresh_token is not None
    with pytest.raises(TokenRequestError, match="invalid_client"):
        await shell("revoke_token", "web", renewed.refresh_token, client_secret="nope")
    await shell("revoke_token", "web", renewed.refresh_token, client_secret=secret)
    with pytest.raises(TokenRequestError, match="invalid_grant"):
        await shell("refresh_tokens", "web", renewed.refresh_token, client_secret=secret)


@pytest.mark.loopback
async def test_organization_tokens_are_for_members_only(
    shell: Shell, logto: LogtoTestServer
) -> None:
    member = logto.server.users.find("username", USER)
    outsider = logto.add_user("erin", "Zx9#quarry-Fern")
    assert member is not None
    logto.add_organization("acme", [member])
    logto.add_organization("globex", [outsider])
    scopes = (*OFFLINE, "urn:logto:scope:organizations")
    tokens = await shell.sign_in(scopes=scopes)
    assert tokens.refresh_token is not None
    org = await shell("refresh_tokens", logto.app_id, tokens.refresh_token, organization_id="acme")
    audience = "urn:logto:organization:acme"
    claims = AccessTokenVerifier(logto.issuer, audience).verify(org.access_token)
    assert claims["sub"] == member.id and claims["aud"] == audience
    assert org.refresh_token is not None
    with pytest.raises(TokenRequestError) as refused:
        await shell("refresh_tokens", logto.app_id, org.refresh_token, organization_id="globex")
    assert (refused.value.status_code, refused.value.error) == (403, "access_denied")
    # the refusal did not use the refresh token up
    await shell("refresh_tokens", logto.app_id, org.refresh_token, organization_id="acme")


@pytest.mark.loopback
async def test_an_organization_token_needs_the_organizations_scope(
    shell: Shell, logto: LogtoTestServer
) -> None:
    member = logto.server.users.find("username", USER)
    assert member is not None
    logto.add_organization("acme", [member])
    tokens = await shell.sign_in()  # without urn:logto:scope:organizations
    assert tokens.refresh_token is not None
    with pytest.raises(TokenRequestError) as refused:
        await shell("refresh_tokens", logto.app_id, tokens.refresh_token, organization_id="acme")
    assert (refused.value.status_code, refused.value.error) == (403, "insufficient_scope")
