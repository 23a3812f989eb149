"""``Tokens`` and ID-token verification.

Verification uses joserfc (imported on first use, so ``import logto_dynamic`` stays light):
the signature with the algorithms the JWKS keys allow (never ``none``), then ``iss``,
``aud`` (and ``azp`` when there are several audiences), ``exp`` and ``iat`` with a small
leeway, and ``nonce`` when one was sent. No signature code is written here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from logto_dynamic._exceptions import OidcError, TokenVerificationError, UnknownKeyIdError

__all__ = ["LEEWAY_SECONDS", "Tokens", "verify_id_token"]

LEEWAY_SECONDS = 60


@dataclass(frozen=True, slots=True, repr=False)
class Tokens:
    """A verified token set. ``claims`` come from the ID token, verified against the JWKS.

    ``expires_at`` is a unix time (seconds). ``repr`` and ``str`` never show a token.
    """

    id_token: str
    access_token: str
    refresh_token: str | None
    expires_at: int
    scope: str
    token_type: str
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        """The user's ID (the ``sub`` claim)."""
        return str(self.claims.get("sub", ""))

    @property
    def expired(self) -> bool:
        """Whether the access token has expired."""
        return time.time() >= self.expires_at

    def as_dict(self) -> dict[str, Any]:
        """The token set as plain JSON (holds secrets: keep it out of logs)."""
        return {
            "id_token": self.id_token,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": self.scope,
            "token_type": self.token_type,
            "claims": dict(self.claims),
        }

    def __repr__(self) -> str:
        refresh = ", refresh_token=<redacted>" if self.refresh_token else ""
        return (
            f"Tokens(sub={self.subject!r}, scope={self.scope!r}, expires_at={self.expires_at}, "
            f"id_token=<redacted>, access_token=<redacted>{refresh})"
        )

    __str__ = __repr__

    @classmethod
    def from_response(
        cls,
        body: Any,
        claims: Mapping[str, Any],
        *,
        now: float,
        previous_refresh_token: str | None = None,
    ) -> Tokens:
        """Build from a token endpoint's JSON answer whose ID token was verified into ``claims``."""
        expires_in = body.get("expires_in", 0)
        if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
            raise OidcError("the token answer's expires_in is not a number")
        refresh = body.get("refresh_token")
        return cls(
            id_token=str(body["id_token"]),
            access_token=str(body.get("access_token", "")),
            refresh_token=str(refresh) if refresh else previous_refresh_token,
            expires_at=int(now + expires_in),
            scope=str(body.get("scope", "")),
            token_type=str(body.get("token_type", "")),
            claims=claims,
        )


def verify_id_token(
    id_token: str,
    jwks: Mapping[str, Any],
    algorithms: list[str],
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float | None = None,
    leeway: int = LEEWAY_SECONDS,
) -> dict[str, Any]:
    """The verified claims of ``id_token``, or :class:`TokenVerificationError` saying why."""
    from joserfc import errors, jwk, jwt

    algorithms = [a for a in algorithms if a.lower() != "none"]
    if not algorithms:
        raise TokenVerificationError("the JWKS has no signing key this client can use")
    try:
        key_set = jwk.KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (errors.JoseError, ValueError, TypeError, KeyError) as exc:
        raise TokenVerificationError(f"the JWKS cannot be read ({exc})") from None
    try:
        token = jwt.decode(id_token, key_set, algorithms=algorithms)
    except errors.InvalidKeyIdError:
        raise UnknownKeyIdError("the ID token names a key the JWKS does not hold") from None
    except errors.BadSignatureError:
        raise TokenVerificationError("the ID token's signature is not valid") from None
    except errors.UnsupportedAlgorithmError:
        raise TokenVerificationError(
            f"the ID token's algorithm is not one of the JWKS's ({', '.join(algorithms)})"
        ) from None
    except (errors.JoseError, ValueError) as exc:
        raise TokenVerificationError(f"the ID token cannot be decoded ({exc})") from None
    claims = dict(token.claims)
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    stamp = int(time.time() if now is None else now)
    registry = jwt.JWTClaimsRegistry(now=stamp, leeway=leeway, **options)
    try:
        registry.validate(claims)
    except errors.ExpiredTokenError:
        raise TokenVerificationError("the ID token has expired") from None
    except errors.JoseError as exc:
        detail = getattr(exc, "description", None) or type(exc).__name__
        raise TokenVerificationError(f"the ID token's claims are not valid: {detail}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise TokenVerificationError("the ID token has several audiences and azp is not ours")
    return claims
