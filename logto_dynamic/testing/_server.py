"""The embedded Logto experience server: a pure ASGI app with in-memory state.

``GET /oidc/auth`` starts an OIDC interaction and sets Logto's six cookies; the 37
Experience API operations of Logto 1.42 then work inside that interaction. Requests are
routed and validated with the project's Logto 1.42 document (see ``_document``, ``_body``
and ``_guard``) in Logto's order: the interaction cookie (400 ``session.not_found``), a
started experience (404 ``session.interaction_not_found``), the body parser, the guard.
After submit the OIDC side completes as on Logto 1.42 (``_oidc_auth``, ``_oidc_token``):
the code redirect with ``state`` and ``iss``, the first-party consent hop, discovery, an
ES384 JWKS, the token endpoint (PKCE, refresh-token rotation, confidential apps, API
resources and organization tokens: ``_oidc_access``), ``/oidc/me``, the session (silent
sign-in: ``_oidc_session``; sign-out: ``_oidc_end_session``) and revocation
(``_oidc_revoke``), routed by ``_oidc_routes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from logto_dynamic._document._load import WELL_KNOWN_PATH

from ._asgi import BodyTooLarge, Receive, Request, Response, Scope, Send, read_request
from ._errors import LogtoError, session_not_found
from ._grants import TokenStore
from ._state import Interaction, Outbox, SignInExperience, UserStore
from .account._records import AccountRecords
from .account._routes import ACCOUNT_PREFIXES, AccountApi
from .account._settings import AccountCenter
from .experience._code_handlers import CODE_HANDLERS
from .experience._connectors import CONNECTOR_HANDLERS
from .experience._context import Context
from .experience._core import CORE_HANDLERS
from .experience._interaction import INTERACTION_HANDLERS
from .experience._mfa import MFA_HANDLERS
from .experience._one_time import OneTimeTokens
from .experience._passkey import PASSKEY_HANDLERS
from .experience._rate import MessageRateGuard
from .inbound._cookies import CookieSigner
from .inbound._guard import guard_request
from .management._routes import ManagementApi
from .oidc._access import AccessDirectory
from .oidc._apps import DEFAULT_APPS, OidcApp
from .oidc._auth import Authorization
from .oidc._keys import SigningKey
from .oidc._m2m import DEFAULT_M2M_APP_ID, ClientCredentials, M2MApp
from .oidc._registry import AppRegistry
from .oidc._routes import OidcRoutes
from .oidc._session import Sessions
from .oidc._token import TokenEndpoint

if TYPE_CHECKING:
    from logto_dynamic._spec import Spec

__all__ = ["ExperienceServer", "create_app"]

HANDLERS = {
    **CORE_HANDLERS,
    **MFA_HANDLERS,
    **CONNECTOR_HANDLERS,
    **CODE_HANDLERS,
    **PASSKEY_HANDLERS,
    **INTERACTION_HANDLERS,
}
# Served without an initialised experience (Logto's white-listed endpoints); the interaction
# cookie is still required, as Logto reads the interaction before routing.
_NO_EXPERIENCE = frozenset(
    {"InitInteraction", "GetEnabledSsoConnectors", "CreateSignInPasskeyAuthentication"}
)


class ExperienceServer(AppRegistry):
    """A Logto-like server for the Experience API, for tests and demos.

    >>> server = ExperienceServer(SignInExperience(seed_users=(("alice", "s3cure-Passw0rd"),)))
    >>> server.users.find("username", "alice") is not None
    True

    Use it in-process with ``httpx.ASGITransport(server)`` or over loopback with
    ``logto_dynamic.testing.serve_app(server)``. Verification codes land in ``server.outbox``.

    ``endpoint`` is the public URL every absolute URL it emits is built on (``redirectTo``,
    ``iss``, discovery). Left ``None``, it is the URL each request came in on (``Host``, or
    ``X-Forwarded-Host/-Proto`` behind a proxy), so an ephemeral loopback port just works.
    ``apps`` defaults to ``demo-app`` with the redirect URI ``{endpoint}/demo-app``.
    """

    def __init__(
        self,
        settings: SignInExperience | None = None,
        *,
        spec: Spec | None = None,
        apps: Iterable[OidcApp] | None = None,
        endpoint: str | None = None,
        m2m_apps: Iterable[M2MApp] | None = None,
    ) -> None:
        self.settings = settings or SignInExperience()
        self.users = UserStore()
        self.outbox = Outbox()
        self.interactions: dict[str, Interaction] = {}
        self.apps: dict[str, OidcApp] = {app.id: app for app in (apps or DEFAULT_APPS)}
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.tokens = TokenStore()
        self.rate_guard = MessageRateGuard()
        self.one_time_tokens = OneTimeTokens()
        self.key = SigningKey()
        self.directory = AccessDirectory()
        self._spec = spec
        cookies = CookieSigner()
        self.sessions = Sessions(self.apps, cookies, self.tokens, self.key)
        self._authorization = Authorization(
            self.apps, self.interactions, cookies, self.tokens, self.sessions, self.directory
        )
        token_endpoint = TokenEndpoint(self.apps, self.users, self.tokens, self.key, self.directory)
        #: Machine-to-machine apps (``m2m_apps``, default one ``m2m-app`` with a random
        #: secret): the client-credentials grant and the Management API's bearer check.
        self.m2m = ClientCredentials(
            m2m_apps if m2m_apps is not None else (M2MApp(DEFAULT_M2M_APP_ID),),
            self.key,
            lambda: self.tokens.clock(),
            public_apps=self.apps,
            directory=self.directory,
        )
        self.management = ManagementApi(self, self.m2m)
        self._oidc = OidcRoutes(
            self._authorization, token_endpoint, self.sessions, self.key, self.m2m
        )
        for username, password in self.settings.seed_users:
            self.users.create(username=username, password=password)
        #: The Account API (``testing/account``): its settings (off by default), records,
        #: routes; ``integration_mode`` accepts Logto's ``development-user-id`` header on the
        #: Management API, as a Logto started for integration tests does.
        self.account_center = AccountCenter()
        self.account_records = AccountRecords(lambda: self.tokens.clock())
        self.account = AccountApi(self)
        self.integration_mode = False

    @property
    def clock(self) -> Callable[[], float]:
        """The time source of codes and tokens (replace it to test expiry)."""
        return self.tokens.clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        self.tokens.clock = value

    @property
    def spec(self) -> Spec:
        """The document requests are routed and checked with (Logto 1.42's by default)."""
        if self._spec is None:
            from ._document import experience_spec

            self._spec = experience_spec()
        return self._spec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (HTTP only; lifespan messages are acknowledged)."""
        await _serve(self.handle, scope, receive, send)

    def handle(self, request: Request) -> Response:
        """Serve one parsed request (raises :class:`LogtoError` for error answers)."""
        if self.endpoint is not None:
            request.base_url = self.endpoint
        path = request.path.rstrip("/") or "/"
        if path.startswith(("/oidc/", "/consent")):
            return self._oidc.route(request, path)
        if path == WELL_KNOWN_PATH and request.method == "GET":  # published, as Logto does
            return Response.json(200, dict(self.spec.document))
        if path.startswith(ACCOUNT_PREFIXES):
            return self.account.handle(request, path)
        if not path.startswith("/api/experience"):
            served = self.management.handle(request, path) if path.startswith("/api/") else None
            return served if served is not None else Response.text(404, "Not Found")
        hit = self.spec.match(request.method, path)
        if hit is None:
            if self.spec.operations.methods_for(path):
                return Response.text(405, "Method Not Allowed")
            return Response.text(404, "Not Found")
        op, path_params = hit
        interaction = self._authorization.interaction(request)
        if interaction is None:
            raise session_not_found()
        if interaction.event is None and op.operation_id not in _NO_EXPERIENCE:
            raise LogtoError(404, "session.interaction_not_found")
        body = guard_request(self.spec, op, request, path_params)
        handler = HANDLERS.get(op.operation_id)
        if handler is None:  # an operation of a custom document it cannot serve: no route
            return Response.text(404, "Not Found")
        return handler(_context(self, request, interaction, body, path_params))


def _context(
    server: ExperienceServer,
    request: Request,
    interaction: Interaction,
    body: Any,
    path_params: dict[str, str],
) -> Context:
    """What a handler of the Experience API gets from the server for one request."""
    return Context(
        request=request,
        settings=server.settings,
        users=server.users,
        outbox=server.outbox,
        interaction=interaction,
        body=body,
        path_params=path_params,
        query=request.query,
        clock=server.clock,
        rate_guard=server.rate_guard,
        one_time_tokens=server.one_time_tokens,
    )


async def _serve(
    handle: Callable[[Request], Response], scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one ASGI connection scope with ``handle``: errors become Logto's answers."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    try:
        request = await read_request(scope, receive)
    except BodyTooLarge:
        await Response.text(413, "Payload Too Large").send(send)
        return
    if request is None:
        return
    try:
        response = handle(request)
    except LogtoError as exc:
        response = exc.response()
    except Exception:  # the real server answers 500 with a bare message
        response = Response.json(500, {"message": "Internal server error."})
    await response.send(send)


def create_app(
    settings: SignInExperience | None = None,
    *,
    spec: Spec | None = None,
    apps: Iterable[OidcApp] | None = None,
    endpoint: str | None = None,
    m2m_apps: Iterable[M2MApp] | None = None,
) -> ExperienceServer:
    """A new :class:`ExperienceServer` (an ASGI app) with its own empty state."""
    return ExperienceServer(settings, spec=spec, apps=apps, endpoint=endpoint, m2m_apps=m2m_apps)
