"""The OIDC client side's errors: a round that did not complete, refused token requests,
tokens that failed verification."""

from __future__ import annotations

from ._base import LogtoDynamicError


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


class LoginRequired(AuthorizationError):
    """A silent sign-in (``prompt=none``) found no Logto session: ``error == "login_required"``."""


class ConsentRequiredError(OidcError):
    """The app is a third-party app: Logto shows a consent page that a person must accept."""


class StateMismatchError(OidcError):
    """The code redirect's ``state`` or ``iss`` does not belong to this interaction."""


class TokenRequestError(OidcError):
    """The token, revocation or userinfo endpoint refused (``status_code`` is its HTTP
    status; ``code`` is Logto's error code, e.g. ``oidc.invalid_client``, when the answer
    had one)."""

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
    """A token failed verification. ``check`` names the check that failed when known:
    ``format``, ``alg``, ``typ``, ``kid``, ``signature``, ``iss``, ``aud``, ``exp``,
    ``nbf``, ``scope`` (``error`` is then ``invalid_token``, or ``insufficient_scope``)."""

    def __init__(
        self,
        message: str,
        *,
        check: str | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> None:
        self.check = check
        super().__init__(message, error=error, error_description=error_description)


class UnknownKeyIdError(TokenVerificationError):
    """The ID token names a ``kid`` the JWKS does not hold (the JWKS may have rotated)."""
