"""ID-token verification with keys made here (joserfc), ``Tokens``, ``Totp`` and import cost."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from typing import Any

import pytest
from joserfc import jwk, jwt

from logto_dynamic import Tokens, TokenVerificationError, Totp
from logto_dynamic._exceptions import UnknownKeyIdError
from logto_dynamic._oidc._authorization import signing_algorithms
from logto_dynamic._oidc._tokens import verify_id_token

ISSUER = "http://127.0.0.1:3001/oidc"
CLIENT = "demo-app"
NONCE = "n0nce-value"


def _key(kid: str = "k1") -> jwk.ECKey:
    return jwk.ECKey.generate_key("P-384", parameters={"kid": kid, "alg": "ES384", "use": "sig"})


KEY = _key()
JWKS = {"keys": [KEY.as_dict(private=False)]}


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "u1",
        "aud": CLIENT,
        "iss": ISSUER,
        "iat": now,
        "exp": now + 3600,
        "nonce": NONCE,
        "username": "alice",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims: dict[str, Any], key: jwk.ECKey = KEY, kid: str = "k1") -> str:
    return jwt.encode({"alg": "ES384", "kid": kid}, claims, key, algorithms=["ES384"])


def _verify(token: str, nonce: str | None = NONCE, jwks: Any = JWKS) -> dict[str, Any]:
    algorithms = signing_algorithms(jwks["keys"])
    return verify_id_token(token, jwks, algorithms, issuer=ISSUER, client_id=CLIENT, nonce=nonce)


def test_a_good_token_verifies() -> None:
    claims = _verify(_sign(_claims()))
    assert claims["sub"] == "u1" and claims["username"] == "alice"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (_sign(_claims(), key=_key()), "signature"),  # same kid, another key
        (_sign(_claims(aud="other-app")), "aud"),
        (_sign(_claims(iss="http://evil.example/oidc")), "iss"),
        (_sign(_claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)), "expired"),
        (_sign(_claims(iat=int(time.time()) + 3600)), "future"),
        (_sign(_claims(nonce="someone-elses")), "nonce"),
        (_sign(_claims(nonce=None)), "nonce"),
        (_sign(_claims(sub=None)), "sub"),
        (_sign(_claims(aud=[CLIENT, "other-app"])), "azp"),
        ("not.a.token", "decoded"),
    ],
)
def test_bad_tokens_are_refused(token: str, reason: str) -> None:
    with pytest.raises(TokenVerificationError) as caught:
        _verify(token)
    assert reason in str(caught.value)
    assert token not in str(caught.value)


def test_exp_and_iat_get_a_small_leeway() -> None:
    now = int(time.time())
    _verify(_sign(_claims(iat=now + 30, exp=now - 30)))


def test_unsigned_and_symmetric_tokens_are_refused() -> None:
    payload = base64.urlsafe_b64encode(json.dumps(_claims()).encode()).decode().rstrip("=")
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"k1"}').decode().rstrip("=")
    with pytest.raises(TokenVerificationError, match="algorithm"):
        _verify(f"{header}.{payload}.")
    hmac_key = jwk.OctKey.import_key(b"k" * 48, {"kid": "k1"})
    forged = jwt.encode({"alg": "HS256", "kid": "k1"}, _claims(), hmac_key)
    with pytest.raises(TokenVerificationError):
        _verify(forged)


def test_unknown_kid_is_its_own_error() -> None:
    with pytest.raises(UnknownKeyIdError):
        _verify(_sign(_claims(), key=_key("k2"), kid="k2"))


def test_nonce_is_not_required_on_refresh() -> None:
    _verify(_sign(_claims(nonce=None)), nonce=None)


def test_algorithms_come_from_the_jwks_and_never_none() -> None:
    keys = [
        {"kty": "EC", "crv": "P-384", "kid": "a"},
        {"kty": "EC", "crv": "P-256", "kid": "b", "alg": "ES256"},
        {"kty": "RSA", "kid": "c"},
        {"kty": "RSA", "kid": "d", "use": "enc"},
        {"kty": "oct", "kid": "e", "alg": "HS256"},
        {"kty": "EC", "kid": "f", "alg": "none"},
    ]
    assert signing_algorithms(keys) == ["ES384", "ES256", "RS256"]
    with pytest.raises(TokenVerificationError, match="no signing key"):
        _verify(_sign(_claims()), jwks={"keys": [keys[4]]})


def test_tokens_never_show_their_values() -> None:
    body = {
        "access_token": "AT-secret",
        "id_token": "ID-secret",
        "refresh_token": "RT-secret",
        "expires_in": 3600,
        "scope": "openid",
        "token_type": "Bearer",
    }
    tokens = Tokens.from_response(body, {"sub": "u1"}, now=1000.0)
    assert tokens.expires_at == 4600 and tokens.subject == "u1" and tokens.expired
    for text in (repr(tokens), str(tokens), f"{tokens}"):
        assert "secret" not in text and "u1" in text
    assert tokens.as_dict()["refresh_token"] == "RT-secret"


def test_refresh_answer_without_a_new_refresh_token_keeps_the_old_one() -> None:
    body = {"access_token": "a", "id_token": "i", "expires_in": 60}
    tokens = Tokens.from_response(body, {}, now=0, previous_refresh_token="old")
    assert tokens.refresh_token == "old"


def test_totp_rfc6238_vectors_and_repr() -> None:
    # RFC 6238 appendix B (SHA1 key "12345678901234567890"), last 6 digits of the 8-digit values.
    secret = base64.b32encode(b"12345678901234567890").decode()
    totp = Totp(secret)
    assert [totp.at(t) for t in (59, 1111111109, 1234567890, 2000000000)] == [
        "287082",
        "081804",
        "005924",
        "279037",
    ]
    assert totp.verify(totp.now()) and secret not in repr(totp)
    with pytest.raises(ValueError, match="base32"):
        Totp("not base32 !")


@pytest.mark.process
def test_import_does_not_load_the_jose_library() -> None:
    code = (
        "import sys, logto_dynamic\n"
        "from logto_dynamic import Client\n"
        "print([m for m in ('joserfc', 'cryptography') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
