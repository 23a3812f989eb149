"""The checks of an access token that need no I/O, each refusing with
:class:`TokenVerificationError` naming itself (``.check``).

Whatever a token holds — any JSON (deep nesting, a 5,000-digit number, ``NaN``), a ``kid``
that is not a string, a value that is not a string at all — ends in a refusal, never in
another exception: a resource server using the verifier answers 401, never 500.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from typing import Any

from logto_dynamic._exceptions import TokenVerificationError
from logto_dynamic._validation._json import parse as parse_json

__all__ = ["check_claims", "import_keys", "read_header", "refuse", "verified_claims"]

#: How much of a refused value a message shows.
_SHOWN = 80


def refuse(check: str, message: str) -> TokenVerificationError:
    """The refusal of ``check`` (``insufficient_scope`` for a scope, else ``invalid_token``)."""
    error = "insufficient_scope" if check == "scope" else "invalid_token"
    return TokenVerificationError(
        f"access token refused ({check}): {message}", check=check, error=error
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def read_header(token: object) -> tuple[dict[str, Any], str | None]:
    """The protected header of a compact JWS and its ``kid`` (None when absent)."""
    if not isinstance(token, str):
        raise refuse("format", f"the token is not a string ({type(token).__name__})")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise refuse("format", "not a compact JWS (three dot-separated parts)")
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
    except (ValueError, binascii.Error):
        raise refuse("format", "the header is not base64url JSON") from None
    header, why = parse_json(raw)
    if why is not None:
        raise refuse("format", f"the header is not base64url JSON ({why})")
    if not isinstance(header, dict):
        raise refuse("format", "the header is not a JSON object")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise refuse("kid", f"the kid is not a string ({type(kid).__name__})")
    return header, kid


def import_keys(keys: list[dict[str, Any]]) -> Any:
    """The public keys as a joserfc ``KeySet`` (a key that cannot be read refuses the token)."""
    from joserfc import errors, jwk

    try:
        return jwk.KeySet.import_key_set({"keys": keys})
    except (errors.JoseError, ValueError, TypeError, RecursionError) as exc:
        raise refuse(
            "signature", f"the issuer's key cannot be read ({type(exc).__name__})"
        ) from None


def verified_claims(token: str, key_set: Any, algorithms: list[str]) -> dict[str, Any]:
    """The payload of ``token`` once joserfc has verified its signature with ``key_set``."""
    from joserfc import errors, jws

    try:
        verified = jws.deserialize_compact(token, key_set, algorithms=algorithms)
    except errors.BadSignatureError:
        raise refuse("signature", "the signature does not verify") from None
    except (errors.JoseError, ValueError, TypeError, RecursionError) as exc:
        raise refuse("signature", f"cannot be verified ({type(exc).__name__})") from None
    claims, why = parse_json(verified.payload)
    if why is not None:
        raise refuse("format", f"the payload is not JSON ({why})")
    if not isinstance(claims, dict):
        raise refuse("format", "the payload is not a JSON object")
    return claims


def _time_claim(claims: dict[str, Any], name: str) -> float | None:
    """A numeric date claim: absent (None), or a finite number; anything else is refused."""
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise refuse(name, f"{name} is not a number")
    try:
        number = float(value)  # an int past a double's range too (10**400)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise refuse(name, f"{name} is not a finite number")
    return number


def check_claims(
    claims: dict[str, Any], issuer: str, audience: str, leeway: int, scopes: tuple[str, ...]
) -> None:
    """``iss``, ``aud``, ``exp``/``nbf`` (with ``leeway``) and the required ``scopes``."""
    if claims.get("iss") != issuer:
        raise refuse("iss", f"iss is {_shown(claims.get('iss'))}, expected {issuer!r}")
    aud = claims.get("aud")
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise refuse("aud", f"aud is {_shown(aud)}, expected {audience!r}")
    now = time.time()
    exp = _time_claim(claims, "exp")
    if exp is None:
        raise refuse("exp", "the token has no numeric exp")
    if now > exp + leeway:
        raise refuse("exp", f"expired {int(now - exp)} s ago")
    nbf = _time_claim(claims, "nbf")
    if nbf is not None and now + leeway < nbf:
        raise refuse("nbf", f"not valid for another {int(nbf - now)} s")
    scope = claims.get("scope")
    granted = scope.split() if isinstance(scope, str) else []
    missing = [s for s in scopes if s not in granted]
    if missing:
        raise refuse("scope", f"missing scope(s) {' '.join(missing)}")
