"""The embedded server's session, sign-out, revocation and client authentication in process.

An AsyncClient over ``httpx.ASGITransport`` signs in (the session cookie lands in its jar);
the raw requests that follow go through ``client.http``, the same jar, to check each answer
the way a real Logto 1.42 gives it (behaviour facts, "The token lifecycle").
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from _support import SEED_USER

from logto_dynamic import AsyncClient, AuthorizationError, OidcError, Tokens
from logto_dynamic._oidc._logout_page import read_logout_form
from logto_dynamic.testing import ExperienceServer, SignInExperience
from logto_dynamic.testing.oidc._apps import build_apps, parse_secret

pytestmark = pytest.mark.anyio

BASE = "http://testserver"
REDIRECT = f"{BASE}/demo-app"


@pytest.fixture
def server() -> ExperienceServer:
    server = ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))
    server.add_app("web", "/web/cb", secret="s3cret", post_logout_redirect_uris=("/web/bye",))
    return server


@pytest.fixture
async def client(server: ExperienceServer) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(BASE, transport=httpx.ASGITransport(app=server)) as client:
        yield client


async def _sign_in(client: AsyncClient, app: str = "demo-app", **options: object) -> Tokens:
    redirect = REDIRECT if app == "demo-app" else f"{BASE}/web/cb"
    scopes = ("openid", "profile", "offline_access")
    interaction = await client.interaction(
        app,
        redirect,
        scopes=scopes,
        prompt="consent",
        **options,  # type: ignore[arg-type]
    )
    return await interaction.sign_in(*SEED_USER)


async def test_discovery_names_the_end_session_and_revocation_endpoints(
    client: AsyncClient,
) -> None:
    meta = (await client.http.get(f"{BASE}/oidc/.well-known/openid-configuration")).json()
    assert meta["end_session_endpoint"] == f"{BASE}/oidc/session/end"
    assert meta["revocation_endpoint"] == f"{BASE}/oidc/token/revocation"


async def test_the_end_session_page_and_its_confirmation(client: AsyncClient) -> None:
    tokens = await _sign_in(client)
    assert client.cookies.get("_session")
    page = await client.http.get(
        f"{BASE}/oidc/session/end", params={"id_token_hint": tokens.id_token, "state": "s1"}
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    form = read_logout_form(page.text)
    assert form.action == f"{BASE}/oidc/session/end/confirm" and form.method == "post"
    assert set(form.fields) == {"xsrf", "logout"} and form.fields["logout"] == "yes"
    assert form.fields["xsrf"] not in repr(form)
    forged = await client.http.post(form.action, data={**form.fields, "xsrf": "forged"})
    assert (forged.status_code, forged.json()["error"]) == (400, "invalid_request")
    assert forged.json()["error_description"] == "xsrf token invalid"
    done = await client.http.post(form.action, data=form.fields)
    assert done.status_code == 303
    assert done.headers["location"] == f"{BASE}/oidc/session/end/success?client_id=demo-app"
    assert not client.cookies.get("_session")  # cleared
    success = await client.http.get(done.headers["location"])
    assert success.status_code == 200 and "signed out" in success.text


async def test_post_logout_redirect_uris_must_be_registered(client: AsyncClient) -> None:
    tokens = await _sign_in(client, "web", client_secret="s3cret")
    end = f"{BASE}/oidc/session/end"
    cases = [
        ({"post_logout_redirect_uri": f"{BASE}/web/bye"}, "in combination with"),
        ({"client_id": "web", "post_logout_redirect_uri": f"{BASE}/elsewhere"}, "not registered"),
        ({"id_token_hint": "not.a.token"}, "could not validate id_token_hint"),
        ({"id_token_hint": tokens.id_token, "client_id": "demo-app"}, "does not match"),
    ]
    for params, words in cases:
        answer = await client.http.get(end, params=params)
        assert answer.status_code == 400 and words in answer.json()["error_description"]
    unknown = await client.http.get(end, params={"client_id": "nobody"})
    assert unknown.json()["error"] == "invalid_client"
    ended = await client.sign_out(
        "web", id_token=tokens.id_token, post_logout_redirect_uri=f"{BASE}/web/bye"
    )
    assert ended == f"{BASE}/web/bye"
    with pytest.raises(AuthorizationError, match="not registered"):
        await client.sign_out("demo-app", post_logout_redirect_uri=f"{BASE}/web/bye")


async def test_a_confirmation_without_logout_ends_only_that_apps_grant(
    client: AsyncClient, server: ExperienceServer
) -> None:
    await _sign_in(client)
    await _sign_in(client, "web", client_secret="s3cret")
    page = await client.http.get(f"{BASE}/oidc/session/end", params={"client_id": "web"})
    form = read_logout_form(page.text)
    done = await client.http.post(form.action, data={"xsrf": form.fields["xsrf"]})
    assert done.status_code == 303
    silent = await client.silent_sign_in("demo-app", REDIRECT)  # still signed in there
    assert silent.subject
    with pytest.raises(AuthorizationError) as refused:
        await client.silent_sign_in("web", f"{BASE}/web/cb", client_secret="s3cret")
    assert refused.value.error == "consent_required"


async def test_sign_out_refuses_a_form_posting_elsewhere(client: AsyncClient) -> None:
    def evil(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("openid-configuration"):
            meta = {"issuer": f"{BASE}/oidc", "token_endpoint": "t", "jwks_uri": f"{BASE}/j"}
            return httpx.Response(200, json={**meta, "end_session_endpoint": f"{BASE}/end"})
        if request.url.path == "/j":
            return httpx.Response(200, json={"keys": []})
        page = '<form id="op.logoutForm" method="post" action="https://evil.test/x"></form>'
        return httpx.Response(200, text=page, headers={"content-type": "text/html"})

    async with AsyncClient(BASE, transport=httpx.MockTransport(evil)) as other:
        with pytest.raises(OidcError, match="does not post back to Logto"):
            await other.sign_out("demo-app")


async def test_revocation_answers(client: AsyncClient) -> None:
    tokens = await _sign_in(client)
    web = await _sign_in(client, "web", client_secret="s3cret")
    url = f"{BASE}/oidc/token/revocation"
    missing = await client.http.post(url, data={"client_id": "demo-app"})
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    foreign = await client.http.post(url, data={"client_id": "demo-app", "token": web.access_token})
    assert foreign.status_code == 400
    assert foreign.json()["error_description"] == (
        "client is not authorized to revoke the presented token"
    )
    ok = await client.http.post(url, data={"client_id": "demo-app", "token": tokens.access_token})
    assert (ok.status_code, ok.content) == (200, b"")
    anonymous = await client.http.post(url, data={"token": tokens.access_token})
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "invalid_client")


async def test_client_authentication_methods(client: AsyncClient) -> None:
    web = await _sign_in(client, "web", client_secret="s3cret")
    assert web.refresh_token is not None
    form = {"grant_type": "refresh_token", "refresh_token": web.refresh_token}
    basic = "Basic " + base64.b64encode(b"web:s3cret").decode()
    both = await client.http.post(
        f"{BASE}/oidc/token",
        data={**form, "client_secret": "s3cret"},
        headers={"authorization": basic},
    )
    assert (both.status_code, both.json()["error"]) == (400, "invalid_request")
    mismatch = await client.http.post(
        f"{BASE}/oidc/token",
        data={**form, "client_id": "demo-app"},
        headers={"authorization": basic},
    )
    assert mismatch.json()["error_description"] == "mismatch in body and authorization client ids"
    garbled = await client.http.post(
        f"{BASE}/oidc/token", data=form, headers={"authorization": "Basic %"}
    )
    assert garbled.status_code == 400
    public_with_secret = await client.http.post(
        f"{BASE}/oidc/token", data={**form, "client_id": "demo-app", "client_secret": "x"}
    )
    assert public_with_secret.json()["error"] == "invalid_client"
    post = await client.http.post(
        f"{BASE}/oidc/token", data={**form, "client_id": "web", "client_secret": "s3cret"}
    )
    assert post.status_code == 200  # client_secret_post is accepted too


async def test_pkce_is_optional_for_confidential_apps_only(client: AsyncClient) -> None:
    query = {
        "client_id": "web",
        "redirect_uri": f"{BASE}/web/cb",
        "response_type": "code",
        "scope": "openid",
        "prompt": "login",
    }
    web = await client.http.get(f"{BASE}/oidc/auth", params=query)
    assert web.headers["location"].startswith("/sign-in")
    public = await client.http.get(
        f"{BASE}/oidc/auth", params={**query, "client_id": "demo-app", "redirect_uri": REDIRECT}
    )
    assert dict(parse_qsl(urlsplit(public.headers["location"]).query))["error"] == (
        "invalid_request"
    )


async def test_the_client_secret_stays_out_of_reprs(client: AsyncClient) -> None:
    interaction = await client.interaction("web", f"{BASE}/web/cb", client_secret="s3cret")
    assert interaction.state.client_secret == "s3cret"
    assert "s3cret" not in repr(interaction) + repr(interaction.state) + repr(client)


async def test_an_unknown_resource_is_invalid_target(client: AsyncClient) -> None:
    with pytest.raises(AuthorizationError) as refused:
        await client.interaction("demo-app", REDIRECT, resources=("https://unknown.test",))
    assert refused.value.error == "invalid_target"


def test_serve_app_secrets_make_apps_confidential() -> None:
    apps = {a.id: a for a in build_apps(["web=/cb"], secrets=["web=pa=ss"])}
    assert apps["web"].secret == "pa=ss" and apps["web"].confidential
    assert "pa=ss" not in repr(apps["web"]) and not apps["demo-app"].confidential
    with pytest.raises(ValueError, match="no --app registers"):
        build_apps([], secrets=["ghost=x"])
    with pytest.raises(ValueError, match="ID=SECRET"):
        parse_secret("no-secret=")
