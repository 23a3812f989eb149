"""The embedded Logto experience server: a pure ASGI app with in-memory state.

``GET /oidc/auth`` starts an OIDC interaction and sets Logto's six cookies; the 25
Experience API operations then work inside that interaction. Requests are routed and
validated with the bundled OpenAPI document (see ``_guard``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from email.utils import formatdate
from time import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ._asgi import BodyTooLarge, Receive, Request, Response, Scope, Send, read_request
from ._context import Context
from ._errors import LogtoError, session_not_found
from ._guard import guard_request
from ._handlers_core import CORE_HANDLERS
from ._handlers_mfa import MFA_HANDLERS
from ._state import Interaction, Outbox, SignInExperience, UserStore, new_id

if TYPE_CHECKING:
    from logto_dynamic._spec import Spec

__all__ = ["ExperienceServer", "create_app"]

HANDLERS = {**CORE_HANDLERS, **MFA_HANDLERS}
_ANONYMOUS = frozenset({"GetEnabledSsoConnectors"})
_COOKIE_DAYS = 14


class ExperienceServer:
    """A Logto-like server for the Experience API, for tests and demos.

    >>> server = ExperienceServer(SignInExperience(seed_users=(("alice", "s3cure-Passw0rd"),)))
    >>> server.users.find("username", "alice") is not None
    True

    Use it in-process with ``httpx.ASGITransport(server)`` or over loopback with
    ``logto_dynamic.testing.serve_app(server)``. Verification codes land in ``server.outbox``.
    """

    def __init__(
        self, settings: SignInExperience | None = None, *, spec: Spec | None = None
    ) -> None:
        self.settings = settings or SignInExperience()
        self.users = UserStore()
        self.outbox = Outbox()
        self.interactions: dict[str, Interaction] = {}
        self._spec = spec
        self._key = secrets.token_bytes(32)
        for username, password in self.settings.seed_users:
            self.users.create(username=username, password=password)

    @property
    def spec(self) -> Spec:
        """The document requests are routed and checked with (the bundled one by default)."""
        if self._spec is None:
            from logto_dynamic._spec import load_spec

            self._spec = load_spec()
        return self._spec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (HTTP only; lifespan messages are acknowledged)."""
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
            response = self.handle(request)
        except LogtoError as exc:
            response = exc.response()
        except Exception:  # the real server answers 500 with a bare message
            response = Response.json(500, {"message": "Internal server error."})
        await response.send(send)

    def handle(self, request: Request) -> Response:
        """Serve one parsed request (raises :class:`LogtoError` for error answers)."""
        path = request.path.rstrip("/") or "/"
        if path == "/oidc/auth" and request.method == "GET":
            return self._start_interaction(request)
        if path.startswith("/oidc/auth/") and request.method == "GET":
            return self._resume(request, path.rsplit("/", 1)[1])
        if not path.startswith("/api/experience"):
            return Response.text(404, "Not Found")
        hit = self.spec.match(request.method, path)
        if hit is None:
            if self.spec.operations.methods_for(path):
                return Response.text(405, "Method Not Allowed")
            return Response.text(404, "Not Found")
        op, path_params = hit
        interaction = None
        if op.operation_id not in _ANONYMOUS:
            interaction = self._interaction(request)
        body = guard_request(self.spec, op, request, path_params)
        ctx = Context(
            request=request,
            settings=self.settings,
            users=self.users,
            outbox=self.outbox,
            interaction=interaction,
            body=body,
            path_params=path_params,
            query=request.query,
        )
        return HANDLERS[op.operation_id](ctx)

    # -- the OIDC side ------------------------------------------------------------------

    def _sign(self, name: str, value: str) -> str:
        mac = hmac.new(self._key, f"{name}={value}".encode(), hashlib.sha1).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def _interaction(self, request: Request) -> Interaction:
        uid = request.cookies.get("_interaction")
        signature = request.cookies.get("_interaction.sig", "")
        if not uid or not hmac.compare_digest(signature, self._sign("_interaction", uid)):
            raise session_not_found()
        interaction = self.interactions.get(uid)
        if interaction is None:
            raise session_not_found()
        return interaction

    def _cookie(self, name: str, value: str, path: str, *, httponly: bool) -> list[tuple[str, str]]:
        expires = formatdate(time() + _COOKIE_DAYS * 86400, usegmt=True)
        flags = f"; path={path}; expires={expires}; samesite=lax"
        if httponly:
            flags += "; httponly"
        return [
            ("set-cookie", f"{name}={value}{flags}"),
            ("set-cookie", f"{name}.sig={self._sign(name, value)}{flags}"),
        ]

    def _start_interaction(self, request: Request) -> Response:
        query = request.query
        missing = [k for k in ("client_id", "redirect_uri", "response_type") if not query.get(k)]
        if missing:
            return Response.json(400, {
                "error": "invalid_request",
                "error_description": f"missing required parameter(s) ({', '.join(missing)})",
            })
        uid = new_id()
        app_id = query["client_id"]
        self.interactions[uid] = Interaction(
            uid=uid, app_id=app_id, redirect_uri=query["redirect_uri"], state=query.get("state")
        )
        logto = base64.urlsafe_b64encode(json.dumps({"appId": app_id}).encode()).decode()
        headers = [("location", f"/sign-in?{urlencode({'app_id': app_id})}")]
        headers += self._cookie("_logto", logto.rstrip("="), "/", httponly=False)
        headers += self._cookie("_interaction", uid, "/", httponly=True)
        headers += self._cookie("_interaction_resume", uid, f"/oidc/auth/{uid}", httponly=True)
        headers.append(("content-type", "text/html; charset=utf-8"))
        return Response(303, b"Redirecting to /sign-in.", headers)

    def _resume(self, request: Request, uid: str) -> Response:
        interaction = self.interactions.get(uid)
        if interaction is None or not interaction.submitted:
            return Response.json(400, {
                "error": "invalid_request", "error_description": "interaction session not found",
            })
        del self.interactions[uid]
        params: dict[str, Any] = {"code": secrets.token_urlsafe(32)}
        if interaction.state is not None:
            params["state"] = interaction.state
        separator = "&" if "?" in interaction.redirect_uri else "?"
        location = f"{interaction.redirect_uri}{separator}{urlencode(params)}"
        return Response(303, b"", [("location", location)])


def create_app(
    settings: SignInExperience | None = None, *, spec: Spec | None = None
) -> ExperienceServer:
    """A new :class:`ExperienceServer` (an ASGI app) with its own empty state."""
    return ExperienceServer(settings, spec=spec)
