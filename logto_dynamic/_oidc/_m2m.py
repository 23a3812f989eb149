"""``M2MAuth``: machine-to-machine access tokens (the client-credentials grant) as an httpx.Auth.

One sans-I/O core (:class:`TokenCache`: the token request, the answer, the expiry) and two
drivers, ``sync_auth_flow`` and ``async_auth_flow``. The token request goes through the
httpx client the auth is used on (its transport, proxies and timeouts), and one token request
runs at a time: a thread lock for threads, an asyncio lock per event loop for tasks.
"""

from __future__ import annotations

import base64
import enum
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

import httpx

from logto_dynamic._exceptions import OidcError
from logto_dynamic._oidc._loop_locks import LoopLocks
from logto_dynamic._oidc._rounds import maybe_json, token_refused

if TYPE_CHECKING:
    pass

__all__ = ["DEFAULT_MANAGEMENT_RESOURCE", "M2MAuth", "TokenCache"]

logger = logging.getLogger("logto_dynamic.m2m")

#: The Management API's resource indicator on a self-hosted Logto.
DEFAULT_MANAGEMENT_RESOURCE = "https://default.logto.app/api"
#: A token is renewed this long before it expires (at most a tenth of its lifetime).
RENEW_BEFORE = 60.0


class Lock(enum.Enum):
    """What the flow asks of its driver besides sending: take or leave the driver's lock."""

    TAKE = "take"
    LEAVE = "leave"


#: One step of the flow: a lock action, or ``(request, is_token_request)`` to send.
Step = Lock | tuple[httpx.Request, bool]


class TokenCache:
    """The sans-I/O part: builds the token request, reads the answer, knows when to renew.

    The secret and the token live only in private attributes and in the requests this builds;
    the repr shows neither.
    """

    def __init__(
        self,
        token_url: str,
        app_id: str,
        app_secret: str,
        *,
        resource: str | None,
        scopes: Sequence[str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.app_id = app_id
        self._secret = app_secret
        self.resource = resource
        self.scopes = tuple(scopes)
        self.clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        #: How many token requests were answered with a token (for logs and tests).
        self.fetches = 0

    def __repr__(self) -> str:
        state = "cached" if self._token is not None else "none"
        return f"<TokenCache {self.app_id!r} token={state}>"

    def usable(self) -> str | None:
        """The cached token, unless it is absent or due for renewal."""
        if self._token is not None and self.clock() < self._renew_at:
            return self._token
        return None

    def forget(self, token: str) -> None:
        """Drop ``token`` (refused by the API) unless another request renewed it already."""
        if self._token == token:
            self._token = None

    def request(self) -> httpx.Request:
        """``POST /oidc/token``: client_credentials, client_secret_basic."""
        credentials = f"{quote_plus(self.app_id)}:{quote_plus(self._secret)}".encode()
        form = {"grant_type": "client_credentials"}
        if self.resource:
            form["resource"] = self.resource
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        return httpx.Request(
            "POST",
            self.token_url,
            data=form,
            headers={
                "authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
                "accept": "application/json",
            },
        )

    def accept(self, answer: httpx.Response) -> str:
        """Keep the token of a 200 answer; raise :class:`TokenRequestError` for a refusal."""
        body = maybe_json(answer)
        if answer.status_code != 200:
            raise token_refused(answer.status_code, body)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise OidcError("the token answer has no access_token")
        lifetime = body.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 0.0
        self._token = token
        self._renew_at = self.clock() + seconds - min(RENEW_BEFORE, seconds / 10)
        self.fetches += 1
        logger.debug("M2M token for app %s, expires in %.0f s", self.app_id, seconds)
        return token


class M2MAuth(httpx.Auth):
    """Bearer tokens of a machine-to-machine app, for any ``httpx.Client``/``AsyncClient``.

    The token comes from ``{base_url}/oidc/token`` (``client_credentials``, the app id and
    secret by ``client_secret_basic``, ``resource`` and ``scope``). It is kept until shortly
    before it expires; a ``401`` answer makes it fetch a new token once and resend. Under
    concurrency one token request runs at a time. A refused token request raises
    :class:`TokenRequestError` with Logto's ``error`` and ``code`` (``invalid_client`` for a
    wrong secret). Neither the secret nor a token appears in a repr, message or log.

    >>> auth = M2MAuth("http://localhost:3001", "my-m2m-app", "secret")
    >>> auth
    <M2MAuth 'my-m2m-app' at http://localhost:3001 resource='https://default.logto.app/api'>
    """

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        *,
        resource: str | None = DEFAULT_MANAGEMENT_RESOURCE,
        scopes: Sequence[str] = ("all",),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not app_id or not app_secret:
            raise ValueError("M2MAuth needs an app id and an app secret")
        self.base_url = base_url.rstrip("/")
        self.cache = TokenCache(
            self.base_url + "/oidc/token",
            app_id,
            app_secret,
            resource=resource,
            scopes=scopes,
            clock=clock,
        )
        self._lock = threading.Lock()
        self._loop_locks = LoopLocks()  # one asyncio lock per running loop

    @property
    def app_id(self) -> str:
        """The app's id (its ``client_id``)."""
        return self.cache.app_id

    def __repr__(self) -> str:
        return f"<M2MAuth {self.app_id!r} at {self.base_url} resource={self.cache.resource!r}>"

    # -- one flow (auth_steps), two drivers -------------------------------------------

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.read()  # a request may be sent twice (after a 401)
        steps = auth_steps(self.cache, request)
        held = False
        try:
            step = next(steps)
            while True:
                answer: httpx.Response | None = None
                if step is Lock.TAKE:
                    held = self._lock.acquire()
                elif step is Lock.LEAVE:
                    self._lock.release()
                    held = False
                else:
                    outgoing, is_token_request = step
                    answer = yield outgoing
                    if is_token_request:
                        answer.read()
                step = steps.send(answer)
        except StopIteration:
            return
        finally:
            if held:
                self._lock.release()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        lock = self._loop_locks.get()
        steps = auth_steps(self.cache, request)
        held = False
        try:
            step = next(steps)
            while True:
                answer: httpx.Response | None = None
                if step is Lock.TAKE:
                    held = await lock.acquire()
                elif step is Lock.LEAVE:
                    lock.release()
                    held = False
                else:
                    outgoing, is_token_request = step
                    answer = yield outgoing
                    if is_token_request:
                        await answer.aread()
                step = steps.send(answer)
        except StopIteration:
            return
        finally:
            if held:
                lock.release()


def auth_steps(
    cache: TokenCache, request: httpx.Request
) -> Generator[Step, httpx.Response | None, None]:
    """:class:`M2MAuth`'s flow without I/O: lock, token (cached or requested), send, maybe
    renew once.

    It yields :class:`Lock` actions (the drivers hold their kind of lock in between) or
    ``(request, is_token_request)``, and is sent each answer back (None after a lock).
    """
    yield Lock.TAKE
    token = cache.usable()
    if token is None:
        token = cache.accept(_sent((yield cache.request(), True)))
    yield Lock.LEAVE
    request.headers["Authorization"] = f"Bearer {token}"
    response = yield request, False
    if response is None or response.status_code != 401:
        return
    yield Lock.TAKE
    cache.forget(token)
    renewed = cache.usable()
    if renewed is None:
        renewed = cache.accept(_sent((yield cache.request(), True)))
    yield Lock.LEAVE
    request.headers["Authorization"] = f"Bearer {renewed}"
    yield request, False


def _sent(answer: httpx.Response | None) -> httpx.Response:
    """The answer a driver sent back for a request (never None there)."""
    assert answer is not None, "the driver sends every answer back"
    return answer
