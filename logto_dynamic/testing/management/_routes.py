"""The Management API subset of the embedded server, routed as Logto 1.42 routes it.

Served: users (list, create, get, update, delete) and the sign-in experience (get, patch),
plus the anonymous ``GET /api/swagger.json`` (the shipped Management API document). A served
route checks the bearer token first (``_m2m``), then pagination, then the request against
the Management API document (Logto's ``koaGuard`` answers), then runs its handler. Any other
``/api/...`` path is left to the caller, which answers as Logto does for an unknown route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .._asgi import Request, Response
from ..inbound._guard import guard_request
from ..oidc._m2m import ClientCredentials
from ._app_views import url_redirect_uris
from ._arranging import ARRANGING_HANDLERS, ARRANGING_PAGINATED, ARRANGING_ROUTES
from ._context import ManagementContext, ManagementStore, Page, ServerState
from ._sign_in_experience import SIE_HANDLERS
from ._users import USER_HANDLERS

if TYPE_CHECKING:
    from logto_dynamic._spec import Spec

__all__ = ["MANAGEMENT_ROUTES", "ManagementApi"]

HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {**USER_HANDLERS, **SIE_HANDLERS}
#: (method, path pattern, operationId) of every served route.
MANAGEMENT_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), op_id)
    for method, pattern, op_id in (
        ("GET", r"/api/users", "ListUsers"),
        ("POST", r"/api/users", "CreateUser"),
        ("GET", r"/api/users/(?P<userId>[^/]+)", "GetUser"),
        ("PATCH", r"/api/users/(?P<userId>[^/]+)", "UpdateUser"),
        ("DELETE", r"/api/users/(?P<userId>[^/]+)", "DeleteUser"),
        ("GET", r"/api/sign-in-exp", "GetSignInExp"),
        ("PATCH", r"/api/sign-in-exp", "UpdateSignInExp"),
    )
)
_PAGINATED = frozenset({"ListUsers"})
# The arranging routes (applications, resources, roles, organizations, user details).
HANDLERS.update(ARRANGING_HANDLERS)
MANAGEMENT_ROUTES += ARRANGING_ROUTES
_PAGINATED |= ARRANGING_PAGINATED


class ManagementApi:
    """The served Management API routes; the document loads on the first such request."""

    def __init__(self, server: ServerState, credentials: ClientCredentials) -> None:
        self.server = server
        self.credentials = credentials
        self.store = ManagementStore()
        self._spec: Spec | None = None

    @property
    def spec(self) -> Spec:
        """The shipped Management API document (requests are checked against it)."""
        if self._spec is None:
            self._spec = url_redirect_uris("logto-management-1.42")
        return self._spec

    def handle(self, request: Request, path: str) -> Response | None:
        """Serve a Management API request, or None when no served route matches."""
        if path == "/api/swagger.json" and request.method == "GET":
            return self._document()
        for method, pattern, op_id in MANAGEMENT_ROUTES:
            found = pattern.fullmatch(path)
            if found is not None and method == request.method:
                return self._serve(request, op_id, found.groupdict())
        return None

    def _serve(self, request: Request, op_id: str, path_params: dict[str, str]) -> Response:
        from logto_dynamic._validation._params import decode_query

        app_id = self.credentials.authorize(request)
        if op_id in _PAGINATED:
            Page.of(request)  # Logto's pagination middleware runs before the guard
        op = self.spec.operation(op_id)
        query = decode_query(op.parameters, request.query_items, self.spec.document)
        body = guard_request(self.spec, op, request, path_params, query=query)
        ctx = ManagementContext(
            request=request,
            server=self.server,
            store=self.store,
            body=body,
            path_params=path_params,
            app_id=app_id,
        )
        return HANDLERS[op_id](ctx)

    def _document(self) -> Response:
        from logto_dynamic._document._load import named_spec_path

        path = named_spec_path("logto-management-1.42")
        assert path is not None
        return Response(200, path.read_bytes(), [("content-type", "application/json")])
