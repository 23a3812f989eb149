"""Errors of the OIDC side of a sign-in: authorization, completion, tokens.

::

    LogtoDynamicError
    └── OidcError                   the OIDC round did not complete (``.error``, ...)
        ├── AuthorizationError      the server answered an OIDC error (redirect or JSON)
        ├── ConsentRequiredError    a third-party app: Logto shows a consent page to a person
        ├── StateMismatchError      the code redirect's ``state`` or ``iss`` is not ours
        ├── TokenRequestError       the token endpoint refused (``.status_code``)
        └── TokenVerificationError  the ID token failed verification (signature, iss, aud, ...)

Messages never contain a code, token, verifier or cookie.
"""

from __future__ import annotations

from logto_dynamic._exceptions import LogtoDynamicError

__all__ = [
    "AuthorizationError",
    "ConsentRequiredError",
    "OidcError",
    "StateMismatchError",
    "TokenRequestError",
    "TokenVerificationError",
]


class OidcError(LogtoDynamicError):
    """The OIDC round did not complete. ``error``/``error_description`` as the server sent them."""

    def __init__(
        self, message: str, *, error: str | None = None, error_description: str | None = None
    ) -> None:
        self.error = error
        self.error_description = error_description
        super().__init__(message)


class AuthorizationError(OidcError):
    """The authorization server answered an OIDC error (``invalid_request``, ...)."""


class ConsentRequiredError(OidcError):
    """The app is a third-party app: Logto shows a consent page that a person must accept."""


class StateMismatchError(OidcError):
    """The code redirect's ``state`` or ``iss`` does not belong to this interaction."""


class TokenRequestError(OidcError):
    """The token endpoint refused the request (``status_code`` is its HTTP status; ``code``
    is Logto's error code, e.g. ``oidc.invalid_client``, when the answer had one)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str | None = None,
        error_description: str | None = None,
        code: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        super().__init__(message, error=error, error_description=error_description)


class TokenVerificationError(OidcError):
    """The ID token failed verification: signature, algorithm, iss, aud, exp/iat or nonce."""
