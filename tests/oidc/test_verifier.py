"""AccessTokenVerifier's refusals one by one, in process, with keys of the test's own.

The issuer's discovery document and JWKS are served by an httpx.MockTransport that counts
requests, so caching and the one refetch on an unknown ``kid`` are measured, not assumed.
The last test runs the verifier inside a tiny ASGI app (the README's pattern); against the
embedded server over loopback it runs in test_token_lifecycle.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey, OctKey

from logto_dynamic import AccessTokenVerifier, OidcError, TokenVerificationError

pytestmark = pytest.mark.anyio

ISSUER = "https://tenant.logto.test/oidc"
API = "https://api.example.test"


def _key() -> ECKey:
    return ECKey.generate_key("P-384", {"use": "sig", "alg": "ES384"}, private=True, auto_kid=True)


class Issuer:
    """Discovery + JWKS over a MockTransport; ``keys`` may be swapped (a rotation)."""

    def __init__(self) -> None:
        self.keys = [_key()]
        self.requests: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"})
        if request.url.path.endswith("/jwks"):
            return httpx.Response(200, json={"keys": [k.as_dict(private=False) for k in self.keys]})
        return httpx.Response(404)

    def verifier(self, **kwargs: Any) -> AccessTokenVerifier:
        http = httpx.Client(transport=httpx.MockTransport(self.handler))
        return AccessTokenVerifier(ISSUER, API, http=http, **kwargs)

    @property
    def jwks_fetches(self) -> int:
        return self.requests.count("/oidc/jwks")


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": API, "sub": "u1", "iat": now, "exp": now + 600}
    base.update({"scope": "read:things write:things", "client_id": "app"})
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: ECKey, body: dict[str, Any], **header: Any) -> str:
    head = {"alg": "ES384", "kid": key.kid, "typ": "at+jwt", **header}
    return jwt.encode(head, body, key, algorithms=["ES384"])


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def test_a_good_token_verifies_and_the_jwks_is_cached(issuer: Issuer) -> None:
    verifier = issuer.verifier()
    key = issuer.keys[0]
    for _ in range(3):
        got = verifier.verify(sign(key, claims()), scopes=("read:things",))
        assert got["sub"] == "u1"
    assert issuer.requests == ["/oidc/.well-known/openid-configuration", "/oidc/jwks"]
    assert "u1" not in repr(verifier) and API in repr(verifier)


Case = tuple[str, Callable[[ECKey], str]]

REFUSALS: list[Case] = [
    ("iss", lambda k: sign(k, claims(iss="https://evil.test/oidc"))),
    ("aud", lambda k: sign(k, claims(aud="https://other.test"))),
    ("aud", lambda k: sign(k, claims(aud=None))),
    ("exp", lambda k: sign(k, claims(exp=int(time.time()) - 120))),
    ("exp", lambda k: sign(k, claims(exp=None))),
    ("nbf", lambda k: sign(k, claims(nbf=int(time.time()) + 600))),
    ("typ", lambda k: sign(k, claims(), typ="JWT")),
    (
        "typ",
        lambda k: jwt.encode({"alg": "ES384", "kid": k.kid}, claims(), k, algorithms=["ES384"]),
    ),
    ("signature", lambda k: sign(k, claims())[:-8] + "AAAAAAAA"),
    # signed by another key that claims this key's kid
    ("signature", lambda k: sign(_key(), claims(), kid=k.kid)),
    ("format", lambda k: "not-a-jwt"),
    ("format", lambda k: "a.b"),
]


@pytest.mark.parametrize(("check", "make"), REFUSALS)
def test_each_refusal_names_its_check(issuer: Issuer, check: str, make: Callable[..., str]) -> None:
    verifier = issuer.verifier()
    with pytest.raises(TokenVerificationError) as refused:
        verifier.verify(make(issuer.keys[0]))
    assert refused.value.check == check, str(refused.value)
    assert f"({check})" in str(refused.value) and refused.value.error == "invalid_token"


def test_alg_none_is_never_accepted(issuer: Issuer) -> None:
    key = issuer.keys[0]
    token = f"{_b64({'alg': 'none', 'kid': key.kid, 'typ': 'at+jwt'})}.{_b64(claims())}."
    with pytest.raises(TokenVerificationError) as refused:
        issuer.verifier().verify(token)
    assert refused.value.check == "alg" and "'none'" in str(refused.value)


def test_hmac_is_never_accepted_even_keyed_with_the_public_key(issuer: Issuer) -> None:
    """The classic confusion: HS256 with the issuer's public key as the shared secret."""
    key = issuer.keys[0]
    secret = OctKey.import_key(json.dumps(key.as_dict(private=False)).encode())
    header = {"alg": "HS256", "kid": key.kid, "typ": "at+jwt"}
    token = jws.serialize_compact(
        header, json.dumps(claims()).encode(), secret, algorithms=["HS256"]
    )
    with pytest.raises(TokenVerificationError) as refused:
        issuer.verifier().verify(token)
    assert refused.value.check == "alg" and "HS256" in str(refused.value)


def test_a_missing_scope_is_insufficient_scope(issuer: Issuer) -> None:
    token = sign(issuer.keys[0], claims(scope="read:things"))
    verifier = issuer.verifier()
    assert verifier.verify(token, scopes=["read:things"])["scope"] == "read:things"
    with pytest.raises(TokenVerificationError) as refused:
        verifier.verify(token, scopes=("read:things", "write:things"))
    assert (refused.value.check, refused.value.error) == ("scope", "insufficient_scope")
    assert "write:things" in str(refused.value)


def test_the_leeway_forgives_small_clock_skew(issuer: Issuer) -> None:
    now = int(time.time())
    token = sign(issuer.keys[0], claims(exp=now - 5, nbf=now + 5))
    assert issuer.verifier(leeway=30).verify(token)["sub"] == "u1"
    with pytest.raises(TokenVerificationError, match=r"\(exp\)"):
        issuer.verifier(leeway=0).verify(token)


def test_a_rotated_key_is_fetched_once(issuer: Issuer) -> None:
    verifier = issuer.verifier()
    verifier.verify(sign(issuer.keys[0], claims()))
    assert issuer.jwks_fetches == 1
    issuer.keys = [_key()]  # the issuer rotates
    assert verifier.verify(sign(issuer.keys[0], claims()))["sub"] == "u1"
    assert issuer.jwks_fetches == 2
    verifier.verify(sign(issuer.keys[0], claims()))
    assert issuer.jwks_fetches == 2  # cached again


def test_an_unknown_kid_refetches_once_then_refuses(issuer: Issuer) -> None:
    verifier = issuer.verifier()
    verifier.verify(sign(issuer.keys[0], claims()))
    stranger = _key()
    with pytest.raises(TokenVerificationError) as refused:
        verifier.verify(sign(stranger, claims()))
    assert refused.value.check == "kid" and issuer.jwks_fetches == 2
    with pytest.raises(TokenVerificationError, match=r"\(kid\)"):
        verifier.verify(sign(stranger, claims()))
    assert issuer.jwks_fetches == 2  # no refetch storm: once per refetch_interval
    eager = issuer.verifier(refetch_interval=0)
    eager.verify(sign(issuer.keys[0], claims()))
    for _ in range(2):
        with pytest.raises(TokenVerificationError):
            eager.verify(sign(stranger, claims()))
    assert issuer.jwks_fetches == 5  # its first fetch, then one per unknown-kid token


def test_an_unreachable_issuer_is_not_a_bad_token() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = httpx.Client(transport=httpx.MockTransport(down))
    verifier = AccessTokenVerifier(ISSUER, API, http=http)
    with pytest.raises(OidcError) as failed:
        verifier.verify(sign(_key(), claims()))
    assert not isinstance(failed.value, TokenVerificationError)
    wrong = AccessTokenVerifier(
        ISSUER,
        API,
        http=httpx.Client(
            transport=httpx.MockTransport(
                lambda r: httpx.Response(
                    200, json={"issuer": "https://x.test/oidc", "jwks_uri": "u"}
                )
            )
        ),
    )
    with pytest.raises(OidcError, match="is not"):
        wrong.verify(sign(_key(), claims()))


async def test_averify_refuses_the_same_way(issuer: Issuer) -> None:
    transport = httpx.MockTransport(issuer.handler)
    async with httpx.AsyncClient(transport=transport) as http:
        verifier = AccessTokenVerifier(ISSUER, API, async_http=http)
        good = await verifier.averify(sign(issuer.keys[0], claims()), scopes=("read:things",))
        assert good["sub"] == "u1"
        with pytest.raises(TokenVerificationError) as refused:
            await verifier.averify(sign(issuer.keys[0], claims(aud="https://x.test")))
        assert refused.value.check == "aud"
    assert issuer.jwks_fetches == 1


def protected_app(verifier: AccessTokenVerifier, scope: str) -> Any:
    """The README's ASGI pattern: a bearer token checked before the endpoint runs."""

    async def app(asgi_scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(asgi_scope["headers"])
        auth = headers.get(b"authorization", b"").decode()
        status, body = 200, b""
        try:
            claims = await verifier.averify(auth.removeprefix("Bearer "), scopes=(scope,))
            body = json.dumps({"hello": claims["sub"]}).encode()
        except TokenVerificationError as exc:
            status = 403 if exc.error == "insufficient_scope" else 401
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


async def test_the_verifier_protects_an_asgi_endpoint(issuer: Issuer) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(issuer.handler)) as jwks_http:
        app = protected_app(AccessTokenVerifier(ISSUER, API, async_http=jwks_http), "read:things")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            key = issuer.keys[0]
            ok = await http.get("/", headers={"authorization": f"Bearer {sign(key, claims())}"})
            assert (ok.status_code, ok.json()) == (200, {"hello": "u1"})
            narrow = sign(key, claims(scope="write:things"))
            denied = await http.get("/", headers={"authorization": f"Bearer {narrow}"})
            assert denied.status_code == 403
            assert (await http.get("/")).status_code == 401
            expired = sign(key, claims(exp=int(time.time()) - 3600))
            old = await http.get("/", headers={"authorization": f"Bearer {expired}"})
            assert old.status_code == 401
