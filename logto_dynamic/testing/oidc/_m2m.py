"""Machine-to-machine apps of the embedded server: the client-credentials grant and the bearer
check of the Management API, as Logto 1.42 answers them.

- ``POST /oidc/token`` with ``grant_type=client_credentials``: the app authenticates with
  ``client_secret_basic`` (or ``client_secret_post``); the answer is an ES384 JWT
  (``typ: at+jwt``) for the resource, ``{access_token, expires_in: 3600, token_type, scope}``.
  A wrong secret or an unknown app: ``401 oidc.invalid_client``.
- ``Authorization: Bearer <JWT>`` on the Management API: missing header ``401
  auth.authorization_header_missing``; another scheme ``401
  auth.authorization_token_type_not_supported``; a token that is not this server's, expired,
  or for another audience ``401 auth.unauthorized``; without the ``all`` scope ``403
  auth.forbidden``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_plus

from .._asgi import Request, Response
from .._errors import LogtoError, oidc_error
from ._access import AccessDirectory
from ._apps import AppSecret, accepts_secret
from ._entities import MANAGEMENT_RESOURCE, now_ms
from ._keys import SigningKey

__all__ = [
    "DEFAULT_M2M_APP_ID",
    "MANAGEMENT_RESOURCE",
    "ClientCredentials",
    "M2MApp",
    "auth_error",
    "parse_m2m_app",
]

DEFAULT_M2M_APP_ID = "m2m-app"
_NO_STORE = [("cache-control", "no-store"), ("pragma", "no-cache")]
_AUTH_MESSAGES = {
    "auth.authorization_header_missing": "Authorization header is missing.",
    "auth.authorization_token_type_not_supported": "Authorization type is not supported.",
    "auth.unauthorized": "Unauthorized. Please check credentials and its scope.",
    "auth.forbidden": "Forbidden. Please check your user roles and permissions.",
    "auth.jwt_sub_missing": "Missing `sub` in JWT.",
    "oidc.unauthorized_client": "The client is not authorized to request this grant.",
}


def auth_error(status: int, code: str, data: object = None) -> LogtoError:
    """A Management API authentication error with Logto's English message."""
    return LogtoError(status, code, message=_AUTH_MESSAGES[code], data=data)


@dataclass(frozen=True)
class M2MApp:
    """A machine-to-machine app (its secrets are not in the repr). Apps given to the server
    directly hold the Management API role; apps created through the Management API hold
    the roles assigned to them there.

    >>> M2MApp("backend", "s3cret")
    M2MApp(id='backend')
    """

    id: str
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    name: str | None = None
    description: str | None = None
    created_at: int = field(default_factory=now_ms)
    #: More secrets (``CreateApplicationSecret``): ``(name, value, created_at, expires_at)``.
    extra_secrets: tuple[AppSecret, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        return f"M2MApp(id={self.id!r})"

    def check(self, secret: str) -> bool:
        """Whether ``secret`` is one of this app's unexpired secrets (constant time)."""
        return accepts_secret(self.secret, self.extra_secrets, secret)


def parse_m2m_app(text: str) -> M2MApp:
    """``ID=SECRET`` (the ``serve --m2m-app`` syntax; the older ``ID:SECRET`` too: an app ID
    holds neither separator) as an :class:`M2MApp`."""
    cut = min((i for i in (text.find("="), text.find(":")) if i >= 0), default=-1)
    app_id, secret = (text[:cut], text[cut + 1 :]) if cut >= 0 else (text, "")
    if cut < 0 or not app_id.strip() or not secret:
        raise ValueError("expected ID=SECRET")
    return M2MApp(app_id.strip(), secret)


def _credentials(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from the Basic header or the form, if any was sent."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        app_id, sep, secret = decoded.partition(":")
        return (unquote_plus(app_id), unquote_plus(secret)) if sep else None
    if "client_secret" in form:
        return form.get("client_id", ""), form["client_secret"]
    return None


class ClientCredentials:
    """The ``client_credentials`` grant and the Management API's bearer check."""

    def __init__(
        self,
        apps: Iterable[M2MApp],
        key: SigningKey,
        clock: Callable[[], float],
        public_apps: Collection[str] = (),
        directory: AccessDirectory | None = None,
    ) -> None:
        #: Resources and the roles held by apps (the Management API role by default).
        self.directory = directory if directory is not None else AccessDirectory()
        self.apps: dict[str, M2MApp] = {}
        for app in apps:
            self.register(app)
        self.key = key
        self.clock = clock
        self.public_apps = public_apps
        #: How many tokens were issued (tests count token requests with it).
        self.issued = 0

    def register(self, app: M2MApp, *, management: bool = True) -> M2MApp:
        """Add (or replace) an app; ``management`` gives it the Management API role."""
        self.apps[app.id] = app
        if management:
            held = self.directory.app_roles.setdefault(app.id, set())
            held.add(self.directory.management_role_id)
        return app

    @staticmethod
    def handles(request: Request) -> bool:
        """Whether a token request is a client-credentials grant."""
        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        return form.get("grant_type") == "client_credentials"

    def token(self, request: Request) -> Response:
        """``POST /oidc/token`` with ``grant_type=client_credentials``."""
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        given = _credentials(request, form)
        if given is None:
            if form.get("client_id") in self.public_apps:
                error = oidc_error(
                    400,
                    "unauthorized_client",
                    "requested grant type is not allowed for this client",
                )
                error.message = _AUTH_MESSAGES["oidc.unauthorized_client"]
                raise error
            raise oidc_error(401, "invalid_client", "client authentication failed")
        app = self.apps.get(given[0])
        if app is None or not app.check(given[1]):
            raise oidc_error(401, "invalid_client", "client authentication failed")
        resource = form.get("resource") or ""
        if self.directory.resource(resource) is None:
            raise oidc_error(400, "invalid_target", "resource indicator is missing, or unknown")
        allowed = self.directory.app_scopes(app.id, resource)
        granted = list(dict.fromkeys(s for s in form.get("scope", "").split() if s in allowed))
        now = int(self.clock())
        claims = {
            "jti": secrets.token_urlsafe(16),
            "sub": app.id,
            "iat": now,
            "exp": now + self.directory.token_ttl(resource),
            "scope": " ".join(granted),
            "client_id": app.id,
            "iss": f"{request.base_url}/oidc",
            "aud": resource,
        }
        self.issued += 1
        body = {
            "access_token": self.key.sign(claims, typ="at+jwt"),
            "expires_in": self.directory.token_ttl(resource),
            "token_type": "Bearer",
            "scope": claims["scope"],
        }
        return Response.json(200, body, headers=_NO_STORE)

    def authorize(self, request: Request) -> str:
        """The app id of a valid Management API bearer token; raises Logto's 401/403."""
        header = request.headers.get("authorization")
        if not header:
            raise auth_error(401, "auth.authorization_header_missing")
        if not header.startswith("Bearer"):
            raise auth_error(
                401,
                "auth.authorization_token_type_not_supported",
                data={"supportedTypes": ["Bearer"]},
            )
        try:
            claims = self.key.verify(header[len("Bearer ") :])
        except ValueError:
            raise auth_error(401, "auth.unauthorized") from None
        exp = claims.get("exp")
        fresh = isinstance(exp, int | float) and exp > self.clock()
        issuer_ok = claims.get("iss") == f"{request.base_url}/oidc"
        if not (fresh and issuer_ok and claims.get("aud") == MANAGEMENT_RESOURCE):
            raise auth_error(401, "auth.unauthorized")
        if not claims.get("sub"):
            raise auth_error(401, "auth.jwt_sub_missing")
        scopes = str(claims.get("scope") or "").split(" ")
        if "all" not in scopes:
            raise auth_error(403, "auth.forbidden")
        return str(claims["sub"])
