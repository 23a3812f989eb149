"""The OIDC side of an interaction against an httpx.MockTransport that follows the facts file.

Fast, in-process checks of what the embedded server cannot be made to do wrong: foreign
hops, endless redirects, a wrong ``iss``, a rotated JWKS, Logto 1.22's MFA answers.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwk, jwt

from logto_dynamic import (
    AuthorizationError,
    Client,
    MfaBindingRequired,
    MfaRequired,
    OidcError,
    StateMismatchError,
    TokenVerificationError,
)
from logto_dynamic._oidc._rounds import reset_cache

BASE = "http://logto.test"
REDIRECT = f"{BASE}/demo-app"


@dataclass
class FakeLogto:
    """Just enough of Logto 1.42 (facts sections 1-4) to drive one sign-in."""

    key: jwk.ECKey = field(default_factory=lambda: FakeLogto.new_key("k1"))
    published: list[jwk.ECKey] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    auth: dict[str, str] = field(default_factory=dict)
    redirect_to: str = f"{BASE}/oidc/auth/uid1"
    submit_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    code_redirect: Callable[[dict[str, str]], str] | None = None
    issuer: str = f"{BASE}/oidc"
    jwks_fetches: int = 0

    @staticmethod
    def new_key(kid: str) -> jwk.ECKey:
        return jwk.ECKey.generate_key("P-384", parameters={"kid": kid, "alg": "ES384"})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.seen.append(f"{request.method} {path}")
        if path == "/oidc/auth":
            self.auth = dict(request.url.params)
            if "code_challenge" not in self.auth:
                return httpx.Response(303, headers={"location": f"{REDIRECT}?error=x"})
            cookies = [
                ("set-cookie", "_interaction=uid1; path=/; httponly"),
                ("set-cookie", "_interaction.sig=s; path=/; httponly"),
            ]
            return httpx.Response(303, headers=[("location", "/sign-in?app_id=demo-app"), *cookies])
        if path.startswith("/api/experience"):
            return self._experience(request, path)
        if path == "/oidc/auth/uid1":
            query = {"code": "c0de", "state": self.auth["state"], "iss": self.issuer}
            target = (self.code_redirect or (lambda q: f"{REDIRECT}?{urlencode(q)}"))(query)
            return httpx.Response(303, headers={"location": target})
        if path == "/oidc/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": self.issuer,
                    "token_endpoint": f"{BASE}/oidc/token",
                    "jwks_uri": f"{BASE}/oidc/jwks",
                    "authorization_response_iss_parameter_supported": True,
                },
            )
        if path == "/oidc/jwks":
            self.jwks_fetches += 1
            keys = self.published or [self.key]
            return httpx.Response(200, json={"keys": [k.as_dict(private=False) for k in keys]})
        if path == "/oidc/token":
            return self._token(request)
        return httpx.Response(404)

    def _experience(self, request: httpx.Request, path: str) -> httpx.Response:
        if path.endswith("/submit"):
            if self.submit_answers:
                status, body = self.submit_answers.pop(0)
                return httpx.Response(status, json=body)
            return httpx.Response(200, json={"redirectTo": self.redirect_to})
        if path.endswith(("/verification/password", "/new-password-identity")):
            return httpx.Response(200, json={"verificationId": "v1"})
        if path.endswith("/identification"):
            return httpx.Response(201 if "Register" in self.seen[-1] else 204)
        return httpx.Response(204)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if challenge != self.auth["code_challenge"] or form["code"] != "c0de":
            return httpx.Response(400, json={"error": "invalid_grant"})
        now = int(time.time())
        claims = {
            "sub": "u1",
            "aud": "demo-app",
            "iss": self.issuer,
            "iat": now,
            "exp": now + 3600,
            "nonce": self.auth["nonce"],
        }
        id_token = jwt.encode(
            {"alg": "ES384", "kid": self.key.kid}, claims, self.key, algorithms=["ES384"]
        )
        return httpx.Response(
            200,
            json={
                "access_token": "at",
                "id_token": id_token,
                "expires_in": 3600,
                "scope": "openid",
                "token_type": "Bearer",
            },
        )


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    reset_cache()
    yield
    reset_cache()


def _client(fake: FakeLogto) -> Client:
    return Client(BASE, transport=httpx.MockTransport(fake))


def test_authorization_request_carries_pkce_state_nonce() -> None:
    fake = FakeLogto()
    with _client(fake) as client:
        client.interaction(
            "demo-app",
            REDIRECT,
            resources=("https://api.test",),
            extra_params={"first_screen": "signIn"},
        )
        assert client.cookies.get("_interaction") == "uid1"
    auth = fake.auth
    assert auth["code_challenge_method"] == "S256" and len(auth["code_challenge"]) == 43
    assert auth["scope"] == "openid profile" and auth["response_type"] == "code"
    assert auth["prompt"] == "login" and auth["resource"] == "https://api.test"
    assert auth["first_screen"] == "signIn" and auth["state"] != auth["nonce"]


def test_extra_params_may_not_override_the_protocol() -> None:
    with _client(FakeLogto()) as client, pytest.raises(ValueError, match="state"):
        client.interaction("demo-app", REDIRECT, extra_params={"state": "mine"})


def test_pkce_error_redirect_carries_error_and_description() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        query = urlencode(
            {
                "error": "invalid_request",
                "error_description": "Authorization Server policy requires PKCE to be used for this request",  # noqa: E501
            }
        )
        return httpx.Response(303, headers={"location": f"{REDIRECT}?{query}"})

    with Client(BASE, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(AuthorizationError) as caught:
            client.interaction("demo-app", REDIRECT)
    assert caught.value.error == "invalid_request"
    assert "PKCE" in (caught.value.error_description or "")


def test_a_redirect_without_cookies_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(303, headers={"location": "/sign-in"})

    with Client(BASE, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(OidcError, match="_interaction"):
            client.interaction("demo-app", REDIRECT)


def _sign_in(fake: FakeLogto) -> Any:
    with _client(fake) as client:
        return client.interaction("demo-app", REDIRECT).sign_in("alice", password="pw-12345678")


def test_sign_in_never_fetches_the_redirect_uri() -> None:
    fake = FakeLogto()
    tokens = _sign_in(fake)
    assert tokens.subject == "u1"
    assert "GET /demo-app" not in fake.seen
    assert fake.seen[-4:] == [
        "GET /oidc/.well-known/openid-configuration",
        "GET /oidc/jwks",
        "GET /oidc/auth/uid1",
        "POST /oidc/token",
    ]


def test_discovery_and_jwks_are_cached() -> None:
    fake = FakeLogto()
    _sign_in(fake)
    _sign_in(fake)
    assert fake.seen.count("GET /oidc/.well-known/openid-configuration") == 1
    assert fake.jwks_fetches == 1


def test_a_rotated_key_refreshes_the_jwks_once() -> None:
    fake = FakeLogto()
    _sign_in(fake)
    fake.key = FakeLogto.new_key("k2")
    assert _sign_in(fake).subject == "u1"
    assert fake.jwks_fetches == 2
    fake.published = [FakeLogto.new_key("k3")]  # the JWKS never shows the signing key
    fake.key = FakeLogto.new_key("k4")
    with pytest.raises(TokenVerificationError):
        _sign_in(fake)
    assert fake.jwks_fetches == 3


def test_foreign_origin_hops_are_not_followed() -> None:
    fake = FakeLogto(redirect_to="http://evil.test/oidc/auth/uid1")
    with pytest.raises(OidcError, match="another origin"):
        _sign_in(fake)
    assert not any("evil" in s for s in fake.seen)


def test_redirect_loops_stop_at_the_hop_limit() -> None:
    fake = FakeLogto(code_redirect=lambda q: f"{BASE}/oidc/auth/uid1")
    with pytest.raises(OidcError, match="redirects"):
        _sign_in(fake)
    assert 5 < fake.seen.count("GET /oidc/auth/uid1") <= 10


def test_a_wrong_iss_is_refused() -> None:
    fake = FakeLogto(
        code_redirect=lambda q: f"{REDIRECT}?{urlencode({**q, 'iss': 'http://evil.test/oidc'})}"
    )
    with pytest.raises(StateMismatchError, match="iss"):
        _sign_in(fake)
    assert "POST /oidc/token" not in fake.seen


def test_a_missing_iss_is_refused_when_advertised() -> None:
    fake = FakeLogto(code_redirect=lambda q: f"{REDIRECT}?code={q['code']}&state={q['state']}")
    with pytest.raises(StateMismatchError):
        _sign_in(fake)


def test_an_error_on_the_code_redirect() -> None:
    query = {"error": "access_denied", "error_description": "nope"}
    fake = FakeLogto(code_redirect=lambda q: f"{REDIRECT}?{urlencode(query)}")
    with pytest.raises(AuthorizationError) as caught:
        _sign_in(fake)
    assert (caught.value.error, caught.value.error_description) == ("access_denied", "nope")


def test_logto_122_skippable_missing_mfa_is_skipped_by_register() -> None:
    answer = {
        "code": "user.missing_mfa",
        "message": "...",
        "data": {"availableFactors": ["Totp"], "skippable": True},
    }
    fake = FakeLogto(submit_answers=[(422, answer)])
    with _client(fake) as client:
        registered = client.interaction("demo-app", REDIRECT).register("bob", "pw-12345678")
    assert registered.tokens.subject == "u1"
    assert "POST /api/experience/profile/mfa/mfa-skipped" in fake.seen


def test_logto_122_missing_mfa_error_fields() -> None:
    answer = {
        "code": "user.missing_mfa",
        "message": "...",
        "data": {"availableFactors": ["Totp", "WebAuthn"], "skippable": False},
    }
    fake = FakeLogto(submit_answers=[(422, answer)])
    with _client(fake) as client, pytest.raises(MfaBindingRequired) as caught:
        client.interaction("demo-app", REDIRECT).register("bob", "pw-12345678")
    assert caught.value.factors == ("Totp", "WebAuthn") and not caught.value.skippable
    assert urlsplit(fake.seen[-1]).path.endswith("submit")


def test_an_error_page_redirect_is_an_authorization_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        query = urlencode({"error": "invalid_client", "error_description": "client is invalid"})
        return httpx.Response(303, headers={"location": f"/unknown-session?{query}"})

    with Client(BASE, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(AuthorizationError) as caught:
            client.interaction("nobody", REDIRECT)
    assert caught.value.error == "invalid_client"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("alice", {"type": "username", "value": "alice"}),
        ("alice@example.com", {"type": "email", "value": "alice@example.com"}),
        ("+1 (555) 010-0999", {"type": "phone", "value": "15550100999"}),
        ("15550100999", {"type": "phone", "value": "15550100999"}),
        ("user_123", {"type": "username", "value": "user_123"}),
        ({"type": "email", "value": "x@y.z"}, {"type": "email", "value": "x@y.z"}),
    ],
)
def test_identifiers_are_told_apart_by_shape(given: Any, expected: dict[str, str]) -> None:
    from logto_dynamic._signin._steps import to_identifier

    assert to_identifier(given) == expected


def test_steps_raise_even_on_a_client_that_does_not() -> None:
    fake = FakeLogto(
        submit_answers=[
            (
                403,
                {
                    "code": "session.mfa.require_mfa_verification",
                    "message": "...",
                    "data": {"availableFactors": ["Totp"], "maskedIdentifiers": {}},
                },
            )
        ]
    )
    with Client(BASE, transport=httpx.MockTransport(fake), raise_for_status=False) as client:
        interaction = client.interaction("demo-app", REDIRECT)
        with pytest.raises(MfaRequired) as caught:
            interaction.sign_in("alice", password="pw-12345678")
        assert caught.value.factors == ("Totp",)
        assert client.call("SubmitInteraction").status_code == 200  # call() keeps its setting
