"""Every exchange timed, sized and reported: the load driver of the sans-I/O flows.

The sign-in steps, flows and OIDC rounds are generators that yield operation calls and HTTP
requests (``_signin._steps``); the library's own drivers perform them. :class:`Reporter` is a
third driver, for load: it performs each effect with a :class:`~logto_dynamic.Client` and
reports one :class:`Exchange` per HTTP exchange to a callback (Locust's ``request`` event in
``_user``; nothing here imports Locust).

An exchange is a failure when the flow does not accept its outcome: a validation violation,
an unexpected status or an OIDC check that the flow raises on. An error the flow expects and
handles (``MfaRequired`` before the TOTP step, an MFA suggestion it skips) is not a failure:
an exchange is reported only once the flow has reacted to it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from logto_dynamic._client_core import map_transport_errors
from logto_dynamic._exceptions import LogtoDynamicError
from logto_dynamic._oidc._authorization import HttpRequest
from logto_dynamic._signin._steps import Flow, OperationCall

if TYPE_CHECKING:
    from logto_dynamic._client import Client

__all__ = ["Exchange", "Fire", "Reporter", "step_name"]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One reported exchange: what Locust's ``request`` event takes.

    ``request_type`` is the HTTP method, ``name`` the operationId (Experience or Management
    API) or the OIDC step (``oidc authorize``, ``oidc token (refresh_token)`` ...),
    ``response_time`` in milliseconds, ``response_length`` the answer's body in bytes and
    ``exception`` what made it a failure (None for a success).
    """

    request_type: str
    name: str
    response_time: float
    response_length: int
    exception: BaseException | None = None


Fire = Callable[[Exchange], None]

#: (path pattern, step name) of the OIDC endpoints, first match wins.
_STEPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"/\.well-known/openid-configuration$", "oidc discovery"),
        (r"/oidc/jwks$", "oidc jwks"),
        (r"/oidc/auth$", "oidc authorize"),
        (r"/oidc/auth/[^/]+$", "oidc authorize (resume)"),
        (r"/consent$", "oidc consent"),
        (r"/oidc/token/revocation$", "oidc revoke"),
        (r"/oidc/token$", "oidc token"),
        (r"/oidc/me$", "oidc userinfo"),
        (r"/oidc/session/end/confirm$", "oidc end session (confirm)"),
        (r"/oidc/session/end/success$", "oidc end session (success)"),
        (r"/oidc/session/end$", "oidc end session"),
    )
)


def step_name(request: HttpRequest) -> str:
    """The OIDC step an HTTP request of a flow is (its stats name).

    The token endpoint is named with its grant type; an unknown path is ``oidc <path>``.
    """
    path = urlsplit(request.url).path.rstrip("/")
    for pattern, name in _STEPS:
        if pattern.search(path):
            if name == "oidc token" and request.data and "grant_type" in request.data:
                return f"oidc token ({request.data['grant_type']})"
            return name
    return f"oidc {path or '/'}"


@dataclass(slots=True)
class _Pending:
    """An exchange done, waiting for the flow's verdict."""

    request_type: str
    name: str
    response_time: float
    response_length: int


class Reporter:
    """Drives flows and single calls with a client, reporting every exchange to ``fire``.

    One reporter serves one simulated user (its clients' answers are remembered between
    sending and reporting); :meth:`watch` makes an httpx client tell it its answers' sizes.
    """

    def __init__(self, fire: Fire) -> None:
        self.fire = fire
        self._last: httpx.Response | None = None

    def watch(self, http: httpx.Client) -> None:
        """Remember every answer ``http`` receives (for its size)."""
        hooks = dict(http.event_hooks)
        hooks["response"] = [*hooks.get("response", []), self._remember]
        http.event_hooks = hooks

    def _remember(self, response: httpx.Response) -> None:
        self._last = response

    def _size(self) -> int:
        last, self._last = self._last, None
        if last is None:
            return 0
        try:
            return len(last.content)
        except httpx.ResponseNotRead:  # pragma: no cover - the clients read every answer
            return int(last.headers.get("content-length", 0))

    def call(self, client: Client, operation: str, body: Any = None, **options: Any) -> Any:
        """One operation call (a Management API call, say), reported; errors raised."""
        method = client.spec.operation(operation).method.upper()
        name = client.spec.operation(operation).operation_id
        self._last = None
        start = time.perf_counter()
        try:
            result = client.call(operation, body, **options)
        except Exception as exc:
            self._report(_Pending(method, name, _ms(start), self._size()), exc)
            raise
        self._report(_Pending(method, name, _ms(start), self._size()), None)
        return result

    def request(self, client: Client, name: str, **arguments: Any) -> httpx.Response:
        """One plain HTTP request (an app's own API, say), reported under ``name``.

        A transport error or an answer of 400 or more is a failure; the response is returned.
        """
        method = str(arguments.get("method", "GET")).upper()
        start = time.perf_counter()
        try:
            with map_transport_errors(name):
                response = client.http.request(**arguments)
        except LogtoDynamicError as exc:
            self._report(_Pending(method, name, _ms(start), 0), exc)
            raise
        failure: Exception | None = None
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            failure = exc
        self._report(_Pending(method, name, _ms(start), len(response.content)), failure)
        return response

    def run(self, client: Client, flow: Flow) -> Any:
        """Run ``flow`` to its end with ``client``, reporting each exchange; its result."""
        outcome: Any = None
        error: LogtoDynamicError | None = None
        pending: _Pending | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(outcome)
            except StopIteration as stop:
                self._report(pending, None)
                return stop.value
            except Exception as exc:
                self._report(pending, exc)
                raise
            self._report(pending, None)
            outcome, error = None, None
            self._last = None
            start = time.perf_counter()
            if isinstance(effect, OperationCall):
                op = client.spec.operation(effect.operation)
                method, name = op.method.upper(), op.operation_id
            else:
                method, name = effect.method.upper(), step_name(effect)
            try:
                if isinstance(effect, OperationCall):
                    outcome = client.call(effect.operation, effect.body, raise_for_status=True)
                else:
                    with map_transport_errors("OIDC"):
                        outcome = client.http.request(**effect.httpx_arguments())
            except LogtoDynamicError as exc:
                error = exc
            pending = _Pending(method, name, _ms(start), self._size())

    def _report(self, pending: _Pending | None, exception: BaseException | None) -> None:
        if pending is not None:
            self.fire(
                Exchange(
                    pending.request_type,
                    pending.name,
                    pending.response_time,
                    pending.response_length,
                    exception,
                )
            )


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
