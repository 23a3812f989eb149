"""The Management API of the embedded server, routed as Logto 1.42's koa-router routes it.

Served: users (list, create, get, update, delete; here) and their details, applications and
their secrets, API resources and scopes, roles, organizations (``_arranging``), the sign-in
experience (get, patch, the username case conflicts, the password check), the account center
(``testing/account``), plus the anonymous ``GET /api/swagger.json`` (the shipped Management API
document). Paths match without regard to case (``/api/Users``), ``HEAD`` runs the ``GET`` route
and answers without a body, ``OPTIONS`` on a known path answers 200 with ``Allow``, another
method on a known path is 405 and a method koa-router does not implement is 501; "known" is any
path of the Management API document, served here or not. A served route checks the bearer token
first (``_m2m``; or, when the server's ``integration_mode`` is on, Logto's integration-mode
``development-user-id`` header), then pagination, then the request against the Management API
document (Logto's ``koaGuard``: unknown keys are dropped, as zod drops them), then runs its
handler. Any other ``/api/...`` path is left to the caller, which answers 404 as Logto does.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._asgi import Request, Response
from .._errors import LogtoError
from ..account._management import (
    ACCOUNT_MANAGEMENT_HANDLERS,
    ACCOUNT_MANAGEMENT_ROUTES,
    development_user,
)
from ..inbound._body import read_body
from ..inbound._guard import guard_request
from ..oidc._m2m import ClientCredentials
from ._arranging import ARRANGING_HANDLERS, ARRANGING_PAGINATED, ARRANGING_ROUTES
from ._context import ManagementContext, ManagementStore, Page, ServerState
from ._sign_in_experience import BODY_CHECKS, QUERY_CHECKED_BY_HANDLER, SIE_HANDLERS
from ._users import USER_HANDLERS

if TYPE_CHECKING:
    from logto_dynamic._document._operations import Operation
    from logto_dynamic._spec import Spec

__all__ = ["MANAGEMENT_ROUTES", "ManagementApi"]

HANDLERS: dict[str, Callable[[ManagementContext], Response]] = {**USER_HANDLERS, **SIE_HANDLERS}
HANDLERS.update(ACCOUNT_MANAGEMENT_HANDLERS)  # the account center, identities (testing/account)
#: (method, path pattern, operationId) of every served route.
MANAGEMENT_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern, re.IGNORECASE), op_id)
    for method, pattern, op_id in (
        ("GET", r"/api/users", "ListUsers"),
        ("POST", r"/api/users", "CreateUser"),
        ("GET", r"/api/users/(?P<userId>[^/]+)", "GetUser"),
        ("PATCH", r"/api/users/(?P<userId>[^/]+)", "UpdateUser"),
        ("DELETE", r"/api/users/(?P<userId>[^/]+)", "DeleteUser"),
        ("GET", r"/api/sign-in-exp", "GetSignInExp"),
        ("PATCH", r"/api/sign-in-exp", "UpdateSignInExp"),
        (
            "GET",
            r"/api/sign-in-exp/username-policy/case-sensitivity-conflicts",
            "GetUsernameCaseSensitivityConflicts",
        ),
        (
            "POST",
            r"/api/sign-in-exp/default/check-password",
            "CheckPasswordWithDefaultSignInExperience",
        ),
    )
    # the account center and identities (testing/account), matched without regard to case too
    + tuple((m, p.pattern, o) for m, p, o in ACCOUNT_MANAGEMENT_ROUTES)
)
_PAGINATED = frozenset({"ListUsers"})
#: The methods koa-router implements; any other is 501.
_KOA_METHODS = ("HEAD", "OPTIONS", "GET", "PUT", "PATCH", "POST", "DELETE")
_SWAGGER = re.compile(r"/api/swagger\.json", re.IGNORECASE)
_BOM = b"\xef\xbb\xbf"
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
        self._known: list[tuple[re.Pattern[str], frozenset[str]]] | None = None

    @property
    def spec(self) -> Spec:
        """The shipped Management API document (requests are checked against it)."""
        if self._spec is None:
            from logto_dynamic._spec import load_spec

            self._spec = load_spec("logto-management-1.42")
        return self._spec

    def handle(self, request: Request, path: str) -> Response | None:
        """Serve a Management API request, or None when no route of the API matches."""
        if request.method != "HEAD":
            return self._route(request, path, request.method)
        try:  # koa-router runs the GET route; Node sends no body for HEAD
            answer = self._route(request, path, "GET")
        except LogtoError as exc:
            answer = exc.response()
        except Exception:  # the server's 500, without its body
            answer = Response.json(500, {"message": "Internal server error."})
        if answer is not None:
            answer.body = b""
        return answer

    def _route(self, request: Request, path: str, method: str) -> Response | None:
        if method == "GET" and _SWAGGER.fullmatch(path):
            return self._document()
        if request.method not in _KOA_METHODS:
            return _allow(Response.text(501, "Not Implemented"), self._allowed(path))
        for route_method, pattern, op_id in MANAGEMENT_ROUTES:
            found = pattern.fullmatch(path)
            if found is not None and route_method == method:
                return self._serve(request, op_id, found.groupdict())
        allowed = self._allowed(path)
        if not allowed:
            return None
        if request.method == "OPTIONS":
            return _allow(
                Response(200, b"", [("content-type", "text/plain; charset=utf-8")]), allowed
            )
        if request.method not in allowed:
            return _allow(Response.text(405, "Method Not Allowed"), allowed)
        return None  # an operation of the document this server does not serve

    def _allowed(self, path: str) -> list[str]:
        """The methods of every route (served or in the document) whose path matches."""
        if self._known is None:
            self._known = _document_routes(self.spec.document)
        methods: list[str] = []
        for pattern, route_methods in self._known:
            if pattern.fullmatch(path):
                methods += [m for m in _KOA_METHODS if m in route_methods and m not in methods]
        for method, pattern, _ in MANAGEMENT_ROUTES:
            if pattern.fullmatch(path):
                for m in ("HEAD", method) if method == "GET" else (method,):
                    if m not in methods:
                        methods.append(m)
        return methods

    def _authorize(self, request: Request) -> str:
        return development_user(self.server, request) or self.credentials.authorize(request)

    def _serve(self, request: Request, op_id: str, path_params: dict[str, str]) -> Response:
        from logto_dynamic._validation._params import decode_query

        app_id = self._authorize(request)
        query_items = request.query_items
        if op_id in _PAGINATED:
            Page.of(request)  # Logto's pagination middleware runs before the guard
            query_items = [(k, v) for k, v in query_items if k not in ("page", "page_size")]
        op = self.spec.operation(op_id)
        own = QUERY_CHECKED_BY_HANDLER.get(op_id, ())
        if own:  # the handler reads these itself: the document does not check them
            query_items = [(k, v) for k, v in query_items if k not in own]
            kept = tuple(p for p in op.parameters if p.name not in own)
            op = dataclasses.replace(op, parameters=kept)
        query = decode_query(op.parameters, query_items, self.spec.document)
        body = _guard(self.spec, op, request, path_params, query)
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


def _guard(
    spec: Spec, op: Operation, request: Request, path_params: dict[str, str], query: dict[str, Any]
) -> Any:
    """Logto's ``koaGuard`` of the body: the document's checks, the checks Logto makes
    that the document cannot say (:data:`BODY_CHECKS`), unknown keys dropped."""
    from logto_dynamic._document._refs import inline_refs

    if request.body.startswith(_BOM):  # koa-body decodes with iconv-lite, which drops it
        request = dataclasses.replace(request, body=request.body[len(_BOM) :])
    schema = inline_refs(spec.document, op.request_schema or {})[0]
    checks = BODY_CHECKS.get(op.operation_id, {})
    aside: dict[str, Any] = {}
    parsed = read_body(request) if op.request_content else None
    if isinstance(parsed, dict) and "json" in request.content_type:
        aside = {key: value for key, value in parsed.items() if key in checks}
        if aside:
            rest = {k: v for k, v in parsed.items() if k not in aside}
            request = dataclasses.replace(request, body=json.dumps(rest).encode())
    body = guard_request(spec, op, request, path_params, query=query)
    for key, value in aside.items():
        checks[key](value)
    if isinstance(body, dict):
        body = {**body, **aside}
    return _known_keys(schema, body)


def _allow(response: Response, methods: list[str]) -> Response:
    response.headers.append(("allow", ", ".join(methods)))
    return response


def _document_routes(document: Any) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """Every path of the document as koa-router matches it, with its methods."""
    routes = []
    for template, item in (document.get("paths") or {}).items():
        pieces = re.split(r"(\{[^}]+\})", template)
        pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in pieces)
        methods = frozenset(m.upper() for m in item if m.upper() in _KOA_METHODS)
        if "GET" in methods:
            methods |= {"HEAD"}
        routes.append((re.compile(pattern, re.IGNORECASE), methods))
    return routes


def _known_keys(schema: Any, value: Any) -> Any:
    """``value`` without the keys ``schema`` does not name (zod's objects strip them)."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict) and "properties" in schema:
        if schema.get("additionalProperties"):
            return value
        properties = schema["properties"]
        return {k: _known_keys(properties[k], v) for k, v in value.items() if k in properties}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_known_keys(schema["items"], item) for item in value]
    return value
