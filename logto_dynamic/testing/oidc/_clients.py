"""Client authentication at the token and revocation endpoints, as oidc-provider does it.

Public apps (SPA, native) send only ``client_id``; a confidential app (one with a secret)
authenticates with ``client_secret_basic`` (``Authorization: Basic``, id and secret
form-encoded, then base64) or ``client_secret_post`` (``client_secret`` in the form). Any
failure answers ``401 invalid_client`` without saying which part was wrong.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import unquote_plus

from .._asgi import Request
from .._errors import LogtoError, oidc_error
from ._apps import OidcApp

__all__ = ["authenticate_client"]


def _invalid_client() -> LogtoError:
    return oidc_error(401, "invalid_client", "client authentication failed")


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise oidc_error(
            400, "invalid_request", "invalid authorization header value format"
        ) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise oidc_error(400, "invalid_request", "invalid authorization header value format")
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate_client(
    apps: Mapping[str, OidcApp], request: Request, form: Mapping[str, str]
) -> OidcApp:
    """The app that made ``request``, authenticated; ``invalid_client`` (401) otherwise."""
    basic = _basic(request)
    form_secret = form.get("client_secret")
    if basic is not None and form_secret is not None:
        raise oidc_error(
            400,
            "invalid_request",
            "client authentication must only be provided using one mechanism",
        )
    client_id = form.get("client_id")
    if basic is not None:
        if client_id and client_id != basic[0]:
            raise oidc_error(
                400, "invalid_request", "mismatch in body and authorization client ids"
            )
        client_id = basic[0]
    app = apps.get(client_id or "")
    if app is None:
        raise _invalid_client()
    given = basic[1] if basic is not None else form_secret
    if app.secret is None:
        if given is not None:  # a public app registered for "none"
            raise _invalid_client()
        return app
    if given is None or not app.accepts(given):
        raise _invalid_client()
    return app
