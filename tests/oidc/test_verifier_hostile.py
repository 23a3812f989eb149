"""Issue 26.3 and 26.4: AccessTokenVerifier refuses whatever a token holds with a
TokenVerificationError naming its check (never another exception, so an ASGI app answers 401,
not 500), and a cold verifier fetches discovery and the JWKS once however many callers ask."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import ECKey
from test_verifier import API, ISSUER, Issuer, claims, protected_app, sign

from logto_dynamic import AccessTokenVerifier, OidcError, TokenVerificationError
from logto_dynamic.testing import serve_app

pytestmark = pytest.mark.anyio

DEEP = "[" * 100_000 + "]" * 100_000


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _with_header(text: str) -> str:
    return f"{_b64(text.encode())}.{_b64(b'{}')}.c2ln"


def _signed_raw(key: ECKey, payload: bytes) -> str:
    """A token the issuer really signed whose payload is ``payload`` as it is."""
    header = {"alg": "ES384", "kid": key.kid, "typ": "at+jwt"}
    return jws.serialize_compact(header, payload, key, algorithms=["ES384"])


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.mark.parametrize(
    ("header", "check"),
    [
        ('{"alg": "ES384", "kid": ["a", "b"], "typ": "at+jwt"}', "kid"),
        ('{"alg": "ES384", "kid": {"x": 1}, "typ": "at+jwt"}', "kid"),
        ('{"alg": "ES384", "kid": 7, "typ": "at+jwt"}', "kid"),
        ('{"alg": ' + DEEP + "}", "format"),
        ('{"alg": "ES384", "kid": ' + "9" * 5000 + "}", "format"),
        ('{"alg": NaN}', "format"),
        ('{"alg": ["ES384"], "kid": "%KID%", "typ": "at+jwt"}', "alg"),
        ('{"alg": "ES384", "kid": "%KID%", "typ": ["at+jwt"]}', "typ"),
    ],
)
def test_a_hostile_header_is_refused_by_its_check(issuer: Issuer, header: str, check: str) -> None:
    verifier = issuer.verifier()
    token = _with_header(header.replace("%KID%", str(issuer.keys[0].kid)))
    with pytest.raises(TokenVerificationError) as refused:
        verifier.verify(token)
    assert refused.value.check == check, refused.value


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        (b'{"exp": NaN}', "format"),
        (b'{"exp": -Infinity}', "format"),
        (b'{"exp": Infinity}', "format"),
        (b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "format"),
        (b'{"x": ' + b"1" * 5000 + b"}", "format"),
        (b"\xff\xfe", "format"),
    ],
)
def test_a_hostile_signed_payload_is_refused(issuer: Issuer, payload: bytes, check: str) -> None:
    with pytest.raises(TokenVerificationError) as refused:
        issuer.verifier().verify(_signed_raw(issuer.keys[0], payload))
    assert refused.value.check == check, refused.value


@pytest.mark.parametrize("exp", ["1e400", "-1e400", "1" + "0" * 400, "-1" + "0" * 400])
def test_an_exp_out_of_range_is_not_finite(issuer: Issuer, exp: str) -> None:
    body = json.dumps(claims(exp=None))[:-1] + f', "exp": {exp}}}'
    with pytest.raises(TokenVerificationError) as refused:
        issuer.verifier().verify(_signed_raw(issuer.keys[0], body.encode()))
    assert refused.value.check == "exp" and "finite" in str(refused.value)


def test_an_nbf_out_of_range_is_refused(issuer: Issuer) -> None:
    body = json.dumps(claims())[:-1] + ', "nbf": 1e400}'
    with pytest.raises(TokenVerificationError) as refused:
        issuer.verifier().verify(_signed_raw(issuer.keys[0], body.encode()))
    assert refused.value.check == "nbf"


@pytest.mark.parametrize("token", [None, b"a.b.c", 42, ["a", "b", "c"]])
async def test_not_a_string_is_a_format_refusal(issuer: Issuer, token: Any) -> None:
    verifier = issuer.verifier()
    with pytest.raises(TokenVerificationError) as refused:
        verifier.verify(token)
    assert refused.value.check == "format"
    with pytest.raises(TokenVerificationError):
        await verifier.averify(token)
    assert issuer.requests == []  # refused before anything is fetched


@pytest.mark.parametrize(
    "jwks",
    [
        '{"keys": ' + DEEP + "}",
        '{"keys": [{"kid": ["x"], "kty": "EC"}]}',
        '{"keys": [{"kid": 1e400}]}',
        '{"keys": [{"kid": ' + "1" * 5000 + "}]}",
    ],
)
def test_a_hostile_jwks_is_a_server_problem_or_a_refusal(issuer: Issuer, jwks: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/jwks"):
            return httpx.Response(200, content=jwks.encode())
        return issuer.handler(request)

    verifier = AccessTokenVerifier(
        ISSUER, API, http=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(OidcError):  # TokenVerificationError is an OidcError too
        verifier.verify(sign(issuer.keys[0], claims()))


def test_over_loopback_an_asgi_app_answers_401_never_500(issuer: Issuer) -> None:
    async def make() -> Any:
        jwks_http = httpx.AsyncClient(transport=httpx.MockTransport(issuer.handler))
        return protected_app(AccessTokenVerifier(ISSUER, API, async_http=jwks_http), "read:things")

    app = asyncio.run(make())
    key = issuer.keys[0]
    hostile = [
        _with_header('{"alg": "ES384", "kid": ["a"], "typ": "at+jwt"}'),
        _with_header('{"a": ' + "[" * 5000 + "]" * 5000 + "}"),
        _signed_raw(key, b'{"exp": NaN}'),
        _signed_raw(key, json.dumps(claims(exp=None))[:-1].encode() + b', "exp": 1e400}'),
        "\u00e9.\u00e9.\u00e9",
    ]
    with serve_app(app) as url, httpx.Client(base_url=url) as http:
        good = http.get("/", headers={"authorization": f"Bearer {sign(key, claims())}"})
        answers = [
            http.get("/", headers={"authorization": f"Bearer {t}".encode()}) for t in hostile
        ]
    assert good.status_code == 200
    assert [a.status_code for a in answers] == [401] * len(hostile)


class SlowIssuer(Issuer):
    """Answers after a pause, so concurrent callers overlap their fetches."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def handler(self, request: httpx.Request) -> httpx.Response:
        time.sleep(0.05)
        with self.lock:
            return super().handler(request)

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return super().handler(request)


async def test_200_tasks_on_a_cold_verifier_fetch_once() -> None:
    issuer = SlowIssuer()
    async with httpx.AsyncClient(transport=httpx.MockTransport(issuer.ahandler)) as http:
        verifier = AccessTokenVerifier(ISSUER, API, async_http=http)
        token = sign(issuer.keys[0], claims())
        start = time.perf_counter()
        got = await asyncio.gather(*(verifier.averify(token) for _ in range(200)))
        seconds = time.perf_counter() - start
    assert all(c["sub"] == "u1" for c in got)
    assert issuer.requests == ["/oidc/.well-known/openid-configuration", "/oidc/jwks"]
    assert seconds < 5.0  # (200 discovery and 200 JWKS fetches took 14.5 s before)


def test_8_threads_on_a_cold_verifier_fetch_once() -> None:
    issuer = SlowIssuer()
    verifier = issuer.verifier()
    token = sign(issuer.keys[0], claims())
    barrier = threading.Barrier(8)
    results: list[str] = []

    def run() -> None:
        barrier.wait(timeout=10)
        results.append(verifier.verify(token)["sub"])

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == ["u1"] * 8
    assert issuer.requests == ["/oidc/.well-known/openid-configuration", "/oidc/jwks"]


async def test_a_refetch_for_an_unknown_kid_is_single_flight_too() -> None:
    issuer = SlowIssuer()
    async with httpx.AsyncClient(transport=httpx.MockTransport(issuer.ahandler)) as http:
        verifier = AccessTokenVerifier(ISSUER, API, async_http=http)
        await verifier.averify(sign(issuer.keys[0], claims()))
        issuer.keys = [ECKey.generate_key("P-384", {"alg": "ES384"}, private=True, auto_kid=True)]
        token = sign(issuer.keys[0], claims())
        got = await asyncio.gather(*(verifier.averify(token) for _ in range(50)))
    assert all(c["sub"] == "u1" for c in got)
    assert issuer.jwks_fetches == 2  # the first fetch and one refetch for the new kid
