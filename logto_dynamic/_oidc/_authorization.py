"""The OIDC pieces of a sign-in, without I/O: PKCE, the authorization request, redirects.

Requests that must go over the wire are described by :class:`HttpRequest`; the drivers in
``_interaction`` send them with the client's httpx client (and so its cookie jar).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlencode, urljoin, urlsplit

from logto_dynamic._exceptions import (
    AuthorizationError,
    LoginRequired,
    OidcError,
    StateMismatchError,
)

__all__ = [
    "AuthorizationRequest",
    "HttpRequest",
    "Provider",
    "client_auth",
    "discovery_url",
    "origin",
    "pkce_challenge",
    "random_token",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request to send as is (redirects are never followed by the driver)."""

    method: str
    url: str
    params: Mapping[str, str] | None = None
    data: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None

    def httpx_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``httpx.Client.request`` (and the async one) for this request."""
        return {
            "method": self.method,
            "url": self.url,
            "params": self.params,
            "data": self.data,
            "headers": self.headers,
            "follow_redirects": False,
        }


def client_auth(form: dict[str, str], app_id: str, client_secret: str | None) -> dict[str, str]:
    """Authenticate a token or revocation request: the headers to send, ``form`` completed.

    A public app sends ``client_id`` in the form; a confidential one ``client_secret_basic``
    (RFC 6749 2.3.1: id and secret form-encoded, joined by ``:``, base64).
    """
    headers = {"accept": "application/json"}
    if client_secret is None:
        form["client_id"] = app_id
        return headers
    pair = f"{quote_plus(app_id)}:{quote_plus(client_secret)}".encode()
    headers["authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return headers


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random string (``state``, ``nonce``, PKCE verifier)."""
    return secrets.token_urlsafe(nbytes)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 ``S256``: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def origin(url: str) -> tuple[str, str]:
    """``(scheme, host[:port])`` of an absolute URL, lower-cased."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def discovery_url(base_url: str) -> str:
    """Where a Logto endpoint publishes its OpenID configuration."""
    return base_url.rstrip("/") + "/oidc/.well-known/openid-configuration"


@dataclass(frozen=True, slots=True, repr=False)
class AuthorizationRequest:
    """One authorization request: its parameters and the secrets that go with it.

    ``state``, ``nonce`` and the PKCE ``verifier`` are fresh random values; the repr never
    shows them.
    """

    app_id: str
    redirect_uri: str
    scopes: tuple[str, ...] = ("openid", "profile")
    resources: tuple[str, ...] = ()
    prompt: str = "login"
    extra_params: Mapping[str, str] = field(default_factory=dict)
    state: str = field(default_factory=random_token)
    nonce: str = field(default_factory=random_token)
    verifier: str = field(default_factory=lambda: random_token(48))

    def params(self) -> list[tuple[str, str]]:
        """The query of ``GET /oidc/auth`` (``resource`` repeated once per indicator)."""
        scopes = list(dict.fromkeys(("openid", *self.scopes)))
        pairs = [
            ("client_id", self.app_id),
            ("redirect_uri", self.redirect_uri),
            ("response_type", "code"),
            ("scope", " ".join(scopes)),
            ("prompt", self.prompt),
            ("state", self.state),
            ("nonce", self.nonce),
            ("code_challenge", pkce_challenge(self.verifier)),
            ("code_challenge_method", "S256"),
        ]
        pairs += [("resource", r) for r in self.resources]
        taken = {name for name, _ in pairs}
        for name, value in self.extra_params.items():
            if name in taken:
                raise ValueError(f"extra_params may not override {name!r}")
            pairs.append((name, str(value)))
        return pairs

    def url(self, base_url: str) -> str:
        """The full authorization URL on ``base_url``."""
        return f"{base_url.rstrip('/')}/oidc/auth?{urlencode(self.params())}"

    def is_redirect_uri(self, url: str) -> bool:
        """Whether ``url`` points at the app's redirect URI (scheme, host, port and path)."""
        mine, theirs = urlsplit(self.redirect_uri), urlsplit(url)
        return (mine.scheme.lower(), mine.netloc.lower(), mine.path or "/") == (
            theirs.scheme.lower(),
            theirs.netloc.lower(),
            theirs.path or "/",
        )

    def code_from(self, url: str, *, issuer: str, iss_required: bool) -> str:
        """The authorization code of a redirect to the app; raise on errors and mismatches."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        raise_for_error(query, where="the redirect to the app")
        if query.get("state") != self.state:
            raise StateMismatchError(
                "the code redirect's state does not match this interaction's state",
                error="state_mismatch",
            )
        iss = query.get("iss")
        if (iss is None and iss_required) or (iss is not None and iss != issuer):
            raise StateMismatchError(
                f"the code redirect's iss is {iss!r}, expected {issuer!r}", error="iss_mismatch"
            )
        code = query.get("code")
        if not code:
            raise OidcError("the redirect to the app carries no authorization code")
        return code

    def __repr__(self) -> str:
        return f"<AuthorizationRequest {self.app_id} {self.redirect_uri} scope={self.scopes!r}>"


def raise_for_error(fields: Mapping[str, Any], *, where: str) -> None:
    """Raise :class:`AuthorizationError` when ``fields`` hold an OIDC ``error``."""
    error = fields.get("error")
    if not isinstance(error, str) or not error:
        return
    description = fields.get("error_description")
    description = description if isinstance(description, str) else None
    detail = f": {description}" if description else ""
    kind = LoginRequired if error == "login_required" else AuthorizationError
    raise kind(
        f"{where} carries OIDC error {error}{detail}", error=error, error_description=description
    )


def location_of(status: int, headers: Mapping[str, str], current: str) -> str | None:
    """The absolute target of a redirect answer, or None when it is not a redirect."""
    if status not in REDIRECT_STATUSES:
        return None
    location = headers.get("location")
    if not location:
        raise OidcError(f"HTTP {status} from {urlsplit(current).path} has no Location header")
    return urljoin(current, location)


_SIGNING_ALGS = {
    ("EC", "P-256"): "ES256",
    ("EC", "P-384"): "ES384",
    ("EC", "P-521"): "ES512",
    ("OKP", "Ed25519"): "EdDSA",
}


@dataclass(frozen=True, slots=True)
class Provider:
    """An issuer's discovered endpoints and its current JWKS."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    jwks: Mapping[str, Any]
    userinfo_endpoint: str | None = None
    iss_parameter_supported: bool = False
    end_session_endpoint: str | None = None
    revocation_endpoint: str | None = None

    @classmethod
    def from_discovery(cls, document: Any, jwks: Any) -> Provider:
        """Build from the discovery document and the JWKS (both parsed JSON)."""
        if not isinstance(document, dict):
            raise OidcError("the OpenID configuration is not a JSON object")
        missing = [k for k in ("issuer", "token_endpoint", "jwks_uri") if not document.get(k)]
        if missing:
            raise OidcError(f"the OpenID configuration lacks {', '.join(missing)}")
        return cls(
            issuer=str(document["issuer"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            jwks=check_jwks(jwks),
            userinfo_endpoint=document.get("userinfo_endpoint"),
            iss_parameter_supported=document.get("authorization_response_iss_parameter_supported")
            is True,
            end_session_endpoint=document.get("end_session_endpoint"),
            revocation_endpoint=document.get("revocation_endpoint"),
        )

    def with_jwks(self, jwks: Any) -> Provider:
        """The same provider with a fresh JWKS."""
        return replace(self, jwks=check_jwks(jwks))

    def algorithms(self) -> list[str]:
        """Signature algorithms the JWKS keys allow: each key's ``alg``, else its curve's."""
        return signing_algorithms(self.jwks.get("keys", ()))


def check_jwks(jwks: Any) -> Mapping[str, Any]:
    """A JWKS must be an object with a list of key objects."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise OidcError("the JWKS is not an object with a 'keys' list")
    return dict(jwks)


def signing_algorithms(keys: Iterable[Mapping[str, Any]]) -> list[str]:
    """Asymmetric signing algorithms of public keys (never ``none``, never HMAC)."""
    algs: list[str] = []
    for key in keys:
        if key.get("use", "sig") != "sig":
            continue
        kty = key.get("kty")
        alg = key.get("alg")
        if isinstance(alg, str):
            ok = alg.startswith(("ES", "RS", "PS")) or alg == "EdDSA"
        elif kty == "RSA":
            alg, ok = "RS256", True
        else:
            alg = _SIGNING_ALGS.get((str(kty), str(key.get("crv"))))
            ok = alg is not None
        if ok and alg not in algs:
            algs.append(str(alg))
    return algs
