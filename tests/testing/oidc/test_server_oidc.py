"""The embedded server's OIDC side, against the facts of a real Logto 1.42 (sections 1-3).

In-process (ASGITransport) except the last test, which goes over loopback. ID tokens are
checked with joserfc against the published JWKS, independently of the server's signing code.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from _support import SEED_USER

from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app

pytestmark = pytest.mark.anyio

BASE = "http://testserver"
REDIRECT = f"{BASE}/demo-app"


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _query(challenge: str, **extra: str) -> dict[str, str]:
    return {
        "client_id": "demo-app",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid profile",
        "state": "st4te",
        "nonce": "n0nce",
        "prompt": "login",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def _params(location: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(location).query)


@pytest.fixture
def server() -> ExperienceServer:
    return ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))


@pytest.fixture
async def http(server: ExperienceServer) -> Any:
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


async def _submit(http: httpx.AsyncClient, challenge: str, **extra: str) -> str:
    """Start an interaction, sign in as the seed user, submit; the ``redirectTo``."""
    started = await http.get("/oidc/auth", params=_query(challenge, **extra))
    assert started.status_code == 303, started.text
    await http.put("/api/experience", json={"interactionEvent": "SignIn"})
    verified = await http.post(
        "/api/experience/verification/password",
        json={"identifier": {"type": "username", "value": SEED_USER[0]}, "password": SEED_USER[1]},
    )
    await http.post("/api/experience/identification", json=verified.json())
    submitted = await http.post("/api/experience/submit")
    assert submitted.status_code == 200, submitted.text
    return str(submitted.json()["redirectTo"])


async def _code(http: httpx.AsyncClient, challenge: str, **extra: str) -> str:
    resumed = await http.get(await _submit(http, challenge, **extra))
    assert resumed.status_code == 303
    return dict(_params(resumed.headers["location"]))["code"]


async def _exchange(http: httpx.AsyncClient, code: str, verifier: str) -> httpx.Response:
    return await http.post(
        "/oidc/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "demo-app",
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )


async def _verify(http: httpx.AsyncClient, id_token: str) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set((await http.get("/oidc/jwks")).json())
    token = jwt.decode(id_token, keys, algorithms=["ES384"])
    assert token.header["alg"] == "ES384" and token.header["kid"] == keys.keys[0].kid
    return dict(token.claims)


# -- discovery and keys --------------------------------------------------------------------


async def test_discovery_names_every_endpoint_under_the_issuer(http: httpx.AsyncClient) -> None:
    meta = (await http.get("/oidc/.well-known/openid-configuration")).json()
    assert meta["issuer"] == f"{BASE}/oidc"
    assert meta["authorization_endpoint"] == f"{BASE}/oidc/auth"
    assert meta["token_endpoint"] == f"{BASE}/oidc/token"
    assert meta["jwks_uri"] == f"{BASE}/oidc/jwks"
    assert meta["userinfo_endpoint"] == f"{BASE}/oidc/me"
    assert meta["id_token_signing_alg_values_supported"] == ["ES384"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(
        meta["grant_types_supported"]
    )


async def test_jwks_is_one_public_p384_key(http: httpx.AsyncClient) -> None:
    keys = (await http.get("/oidc/jwks")).json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-384", "ES384", "sig")
    assert key["kid"] and "d" not in key
    assert ExperienceServer().key.kid != key["kid"]  # a new key per server


# -- the authorization request -------------------------------------------------------------


async def test_without_pkce_the_error_goes_back_to_the_redirect_uri(
    http: httpx.AsyncClient,
) -> None:
    query = _query("x")
    del query["code_challenge"], query["code_challenge_method"]
    response = await http.get("/oidc/auth", params=query)
    assert response.status_code == 303
    assert "set-cookie" not in response.headers
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    assert _params(location) == [
        ("error", "invalid_request"),
        (
            "error_description",
            "Authorization Server policy requires PKCE to be used for this request",
        ),
        ("state", "st4te"),
        ("iss", f"{BASE}/oidc"),
    ]


async def test_only_s256_is_accepted(http: httpx.AsyncClient) -> None:
    response = await http.get("/oidc/auth", params=_query("x", code_challenge_method="plain"))
    assert dict(_params(response.headers["location"]))["error_description"] == (
        "not supported value of code_challenge_method"
    )


async def test_unknown_client_and_unregistered_redirect_uri_are_400_json(
    http: httpx.AsyncClient,
) -> None:
    unknown = await http.get("/oidc/auth", params=_query("x", client_id="nobody"))
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "oidc.invalid_client"
    elsewhere = await http.get(
        "/oidc/auth", params=_query("x", redirect_uri="http://evil.example/cb")
    )
    assert elsewhere.status_code == 400
    assert "location" not in elsewhere.headers and "set-cookie" not in elsewhere.headers
    assert elsewhere.json() == {
        "code": "oidc.invalid_redirect_uri",
        "message": "`redirect_uri` did not match any of the client's registered `redirect_uris`.",
        "error": "invalid_redirect_uri",
        "error_description": "redirect_uri did not match any of the client's registered "
        "redirect_uris",
        "iss": f"{BASE}/oidc",
    }


# -- completing the round ------------------------------------------------------------------


async def test_code_redirect_carries_code_state_and_iss(http: httpx.AsyncClient) -> None:
    _, challenge = _pkce()
    redirect_to = await _submit(http, challenge)
    assert redirect_to.startswith(f"{BASE}/oidc/auth/")
    resumed = await http.get(redirect_to)
    assert resumed.status_code == 303
    location = resumed.headers["location"]
    assert location.startswith(REDIRECT + "?code=")
    names = [name for name, _ in _params(location)]
    assert names == ["code", "state", "iss"]
    assert dict(_params(location))["iss"] == f"{BASE}/oidc"


async def test_resuming_without_the_cookies_is_session_not_found(
    server: ExperienceServer,
    http: httpx.AsyncClient,
) -> None:
    _, challenge = _pkce()
    redirect_to = await _submit(http, challenge)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=server)) as bare:
        response = await bare.get(redirect_to)
    assert response.status_code == 400
    assert response.json() == {
        "code": "session.not_found",
        "message": "Session not found. Please go back and sign in again.",
        "error": "invalid_request",
        "error_description": "authorization request has expired",
    }


async def test_token_exchange_returns_a_verified_es384_id_token(
    server: ExperienceServer,
    http: httpx.AsyncClient,
) -> None:
    verifier, challenge = _pkce()
    answer = await _exchange(http, await _code(http, challenge), verifier)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert list(body) == ["access_token", "expires_in", "id_token", "scope", "token_type"]
    assert (body["expires_in"], body["token_type"]) == (3600, "Bearer")
    assert body["scope"] == "openid profile"
    assert answer.headers["cache-control"] == "no-store"
    claims = await _verify(http, body["id_token"])
    user = server.users.find("username", SEED_USER[0])
    assert user is not None
    assert claims["sub"] == user.id and claims["username"] == SEED_USER[0]
    assert {"name", "picture", "created_at", "updated_at"} <= set(claims)
    assert claims["updated_at"] > 10**12  # milliseconds
    assert (claims["aud"], claims["iss"], claims["nonce"]) == ("demo-app", f"{BASE}/oidc", "n0nce")
    assert claims["exp"] == claims["iat"] + 3600
    me = await http.get("/oidc/me", headers={"authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["sub"] == user.id
    assert me.json()["username"] == SEED_USER[0]


async def test_a_code_is_single_use(http: httpx.AsyncClient) -> None:
    verifier, challenge = _pkce()
    code = await _code(http, challenge)
    assert (await _exchange(http, code, verifier)).status_code == 200
    again = await _exchange(http, code, verifier)
    assert again.status_code == 400
    assert (again.json()["code"], again.json()["error"]) == ("oidc.invalid_grant", "invalid_grant")


async def test_a_code_expires_after_a_minute(
    server: ExperienceServer,
    http: httpx.AsyncClient,
) -> None:
    verifier, challenge = _pkce()
    code = await _code(http, challenge)
    real = server.clock
    server.clock = lambda: real() + 61
    assert (await _exchange(http, code, verifier)).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("wrong", ["verifier", "redirect_uri", "client_id"])
async def test_the_exchange_checks_pkce_redirect_uri_and_client(
    server: ExperienceServer,
    http: httpx.AsyncClient,
    wrong: str,
) -> None:
    server.add_app("other-app", "/other")
    verifier, challenge = _pkce()
    form = {
        "grant_type": "authorization_code",
        "code": await _code(http, challenge),
        "client_id": "demo-app",
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    form[{"verifier": "code_verifier"}.get(wrong, wrong)] = {
        "verifier": _pkce()[0],
        "redirect_uri": f"{BASE}/other",
        "client_id": "other-app",
    }[wrong]
    answer = await http.post("/oidc/token", data=form)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    if wrong == "verifier":
        assert answer.json()["error_description"] == "PKCE verification failed"


async def test_token_endpoint_errors(http: httpx.AsyncClient) -> None:
    unsupported = await http.post("/oidc/token", data={"grant_type": "password"})
    assert unsupported.json()["error"] == "unsupported_grant_type"
    unknown = await http.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "client_id": "nobody", "refresh_token": "x"},
    )
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")


async def test_me_needs_a_live_bearer_token(http: httpx.AsyncClient) -> None:
    for headers in ({}, {"authorization": "Bearer nope"}):
        response = await http.get("/oidc/me", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert response.headers["www-authenticate"].startswith("Bearer")


# -- consent and refresh tokens ------------------------------------------------------------


async def test_consent_hop_then_refresh_rotation(http: httpx.AsyncClient) -> None:
    verifier, challenge = _pkce()
    redirect_to = await _submit(
        http, challenge, prompt="consent", scope="openid profile offline_access"
    )
    first = await http.get(redirect_to)
    assert first.status_code == 303
    assert first.headers["location"] == "/consent?app_id=demo-app"
    consent = await http.get(first.headers["location"])
    assert consent.status_code == 302
    second_url = consent.headers["location"]
    assert second_url.startswith(f"{BASE}/oidc/auth/") and second_url != redirect_to
    final = await http.get(second_url)
    assert final.status_code == 303 and final.headers["location"].startswith(REDIRECT + "?code=")
    code = dict(_params(final.headers["location"]))["code"]
    tokens = (await _exchange(http, code, verifier)).json()
    assert "refresh_token" in tokens
    assert "offline_access" in tokens["scope"].split()

    def refresh(token: str) -> Any:
        return http.post(
            "/oidc/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": token,
                "client_id": "demo-app",
            },
        )

    renewed = await refresh(tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert list(body) == [
        "access_token",
        "expires_in",
        "id_token",
        "refresh_token",
        "scope",
        "token_type",
    ]
    assert body["refresh_token"] != tokens["refresh_token"]
    assert (await _verify(http, body["id_token"]))["aud"] == "demo-app"
    reused = await refresh(tokens["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    # reusing a rotated token revokes the whole grant, the newest refresh token included
    assert (await refresh(body["refresh_token"])).status_code == 400


@pytest.mark.parametrize(
    ("prompt", "scope"),
    [
        ("login", "openid offline_access"),
        ("consent", "openid"),
    ],
)
async def test_no_refresh_token_without_offline_access_and_consent(
    http: httpx.AsyncClient,
    prompt: str,
    scope: str,
) -> None:
    verifier, challenge = _pkce()
    location = await _submit(http, challenge, prompt=prompt, scope=scope)
    while True:
        hop = await http.get(location)
        location = hop.headers["location"]
        if location.startswith(REDIRECT):
            break
    code = dict(_params(location))["code"]
    assert "refresh_token" not in (await _exchange(http, code, verifier)).json()


async def test_a_third_party_app_shows_a_consent_page(
    server: ExperienceServer,
    http: httpx.AsyncClient,
) -> None:
    server.add_app("partner", "/partner", third_party=True)
    _, challenge = _pkce()
    redirect_to = await _submit(
        http, challenge, client_id="partner", redirect_uri=f"{BASE}/partner"
    )
    hop = await http.get(redirect_to)
    assert hop.headers["location"] == "/consent?app_id=partner"
    page = await http.get(hop.headers["location"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


# -- the endpoint ----------------------------------------------------------------------------


async def test_a_configured_endpoint_is_used_for_every_absolute_url() -> None:
    server = ExperienceServer(
        SignInExperience(seed_users=(SEED_USER,)), endpoint="https://auth.example.test/"
    )
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        meta = (await http.get("/oidc/.well-known/openid-configuration")).json()
        assert meta["issuer"] == "https://auth.example.test/oidc"
        # the default demo-app's redirect URI follows the endpoint too
        started = await http.get(
            "/oidc/auth",
            params=_query(_pkce()[1], redirect_uri="https://auth.example.test/demo-app"),
        )
        assert started.status_code == 303


async def test_behind_a_proxy_the_forwarded_host_is_the_endpoint(
    http: httpx.AsyncClient,
) -> None:
    meta = await http.get(
        "/oidc/.well-known/openid-configuration",
        headers={"x-forwarded-host": "proxy.test:8080", "x-forwarded-proto": "https"},
    )
    assert meta.json()["issuer"] == "https://proxy.test:8080/oidc"


@pytest.mark.loopback
def test_over_loopback_the_ephemeral_port_is_the_endpoint() -> None:
    server = ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))
    verifier, challenge = _pkce()
    with serve_app(server) as base_url, httpx.Client(base_url=base_url) as http:
        issuer = http.get("/oidc/.well-known/openid-configuration").json()["issuer"]
        assert issuer == f"{base_url}/oidc"
        redirect = f"{base_url}/demo-app"
        query = {**_query(challenge), "redirect_uri": redirect}
        assert http.get("/oidc/auth", params=query).status_code == 303
        http.put("/api/experience", json={"interactionEvent": "SignIn"})
        verified = http.post(
            "/api/experience/verification/password",
            json={
                "identifier": {"type": "username", "value": SEED_USER[0]},
                "password": SEED_USER[1],
            },
        )
        http.post("/api/experience/identification", json=verified.json())
        redirect_to = http.post("/api/experience/submit").json()["redirectTo"]
        assert redirect_to.startswith(f"{base_url}/oidc/auth/")
        location = http.get(redirect_to).headers["location"]
        assert dict(_params(location))["iss"] == issuer
        tokens = http.post(
            "/oidc/token",
            data={
                "grant_type": "authorization_code",
                "code": dict(_params(location))["code"],
                "client_id": "demo-app",
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
        ).json()
        assert tokens["token_type"] == "Bearer" and tokens["id_token"].count(".") == 2


def test_apps_from_serve_options() -> None:
    from logto_dynamic.testing.oidc._apps import build_apps, parse_app

    apps = {
        app.id: app
        for app in build_apps(
            ["spa=http://localhost:5173/cb", "spa=/cb2"], ["partner=https://partner.test/cb"]
        )
    }
    assert apps["demo-app"].redirect_uris == ("/demo-app",)  # the default stays
    assert apps["spa"].redirect_uris == ("http://localhost:5173/cb", "/cb2")
    assert apps["spa"].allows("http://h:1/cb2", endpoint="http://h:1")
    assert apps["partner"].third_party and not apps["spa"].third_party
    for bad in ("no-equals", "=http://x/cb", "id="):
        with pytest.raises(ValueError, match="ID=REDIRECT_URI"):
            parse_app(bad)


async def test_a_resource_gets_a_jwt_access_token_through_refresh(
    http: httpx.AsyncClient, server: ExperienceServer
) -> None:
    """Like Logto's SDKs: the code gives an opaque token; refresh with ``resource`` a JWT
    whose ``scope`` holds the requested scopes the user's roles grant, no others."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    server.directory.add_resource("https://api.test", ("read:things", "write:things"))
    server.directory.add_resource("https://other.test", ("read:things",))
    user = server.users.find("username", SEED_USER[0])
    assert user is not None
    server.directory.add_role(user.id, ("read:things",), resource="https://api.test", name="r")
    verifier, challenge = _pkce()
    location = await _submit(
        http,
        challenge,
        prompt="consent",
        resource="https://api.test",
        scope="openid offline_access read:things write:things",
    )
    while not location.startswith(REDIRECT):
        location = (await http.get(location)).headers["location"]
    first = (await _exchange(http, dict(_params(location))["code"], verifier)).json()
    assert first["access_token"].count(".") == 0  # opaque, good for /oidc/me
    form = {
        "grant_type": "refresh_token",
        "client_id": "demo-app",
        "refresh_token": first["refresh_token"],
        "resource": "https://api.test",
    }
    answer = (await http.post("/oidc/token", data=form)).json()
    keys = KeySet.import_key_set((await http.get("/oidc/jwks")).json())
    token = jwt.decode(answer["access_token"], keys, algorithms=["ES384"])
    assert token.header["typ"] == "at+jwt"
    assert token.claims["aud"] == "https://api.test"
    assert token.claims["scope"] == "read:things" and token.claims["iss"] == f"{BASE}/oidc"
    me = await http.get("/oidc/me", headers={"authorization": f"Bearer {answer['access_token']}"})
    assert me.status_code == 401
    form.update(refresh_token=answer["refresh_token"], resource="https://other.test")
    other = await http.post("/oidc/token", data=form)
    assert (other.status_code, other.json()["error"]) == (400, "invalid_target")
    form.update(resource="https://api.test")  # the refused request did not use it up
    assert (await http.post("/oidc/token", data=form)).status_code == 200
