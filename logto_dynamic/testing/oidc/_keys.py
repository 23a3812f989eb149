"""The server's signing key: one P-384 key made at start, ES384 JWS through joserfc."""

from __future__ import annotations

from typing import Any

__all__ = ["SigningKey"]

ALG = "ES384"


class SigningKey:
    """An EC P-384 key pair; signs ID tokens and publishes the public half as a JWKS.

    joserfc (and cryptography) load when the first key is made, not on import.
    """

    def __init__(self) -> None:
        from joserfc.jwk import ECKey

        self._key = ECKey.generate_key(
            "P-384", {"use": "sig", "alg": ALG}, private=True, auto_kid=True
        )

    @property
    def kid(self) -> str:
        """The key id (the RFC 7638 thumbprint)."""
        return str(self._key.kid)

    def jwks(self) -> dict[str, Any]:
        """``{"keys": [...]}`` with the public key only."""
        public = self._key.as_dict(private=False)
        ordered = {k: public[k] for k in ("kty", "kid", "use", "alg", "crv", "x", "y")}
        return {"keys": [ordered]}

    def sign(self, claims: dict[str, Any], *, typ: str | None = None) -> str:
        """A compact JWS of ``claims`` with header ``{"alg": "ES384", "kid": ...}``."""
        from joserfc import jwt

        header: dict[str, Any] = {"alg": ALG, "kid": self.kid}
        if typ is not None:
            header["typ"] = typ
        return jwt.encode(header, claims, self._key, algorithms=[ALG])

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a compact JWS this key signed (ES384 only); ``ValueError`` otherwise.

        Only the signature is checked here: the caller checks ``iss``, ``aud`` and ``exp``.
        """
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            return dict(jwt.decode(token, self._key, algorithms=[ALG]).claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise ValueError(f"not a token of this server ({type(exc).__name__})") from None
