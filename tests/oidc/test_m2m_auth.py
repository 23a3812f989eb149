"""M2MAuth: the token is cached until shortly before it expires, renewed once on a 401, requested
once under concurrency (threads and tasks), and neither it nor the secret is ever shown."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from logto_dynamic import (
    AsyncManagementClient,
    M2MAuth,
    ManagementClient,
    NotFoundError,
    OidcError,
    TokenRequestError,
)
from logto_dynamic.testing import LogtoTestServer

SECRET = "Sup3r secret/+value"


class FakeLogto:
    """A MockTransport handler: a token endpoint and an API that counts what it gets."""

    def __init__(self, *, api_status: Callable[[str], int] = lambda token: 200) -> None:
        self.token_requests: list[httpx.Request] = []
        self.api_requests: list[httpx.Request] = []
        self.api_status = api_status
        self.token_answer: tuple[int, dict[str, Any]] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oidc/token":
            self.token_requests.append(request)
            if self.token_answer is not None:
                return httpx.Response(self.token_answer[0], json=self.token_answer[1])
            token = f"token-{len(self.token_requests)}"
            return httpx.Response(200, json={"access_token": token, "expires_in": 3600})
        self.api_requests.append(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        return httpx.Response(self.api_status(token), json={"seen": token})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client(fake: FakeLogto, clock: Clock | None = None) -> tuple[httpx.Client, M2MAuth]:
    auth = M2MAuth("http://logto.test", "app id", SECRET, clock=clock or Clock())
    return httpx.Client(transport=httpx.MockTransport(fake), auth=auth), auth


def test_the_token_request_is_client_credentials_with_basic_auth() -> None:
    fake = FakeLogto()
    http, _ = _client(fake)
    with http:
        assert http.get("http://logto.test/api/users").json() == {"seen": "token-1"}
    sent = fake.token_requests[0]
    assert sent.method == "POST" and sent.url == "http://logto.test/oidc/token"
    form = dict(httpx.QueryParams(sent.content.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "resource": "https://default.logto.app/api",
        "scope": "all",
    }
    expected = base64.b64encode(b"app+id:Sup3r+secret%2F%2Bvalue").decode()
    assert sent.headers["authorization"] == f"Basic {expected}"


def test_the_token_is_kept_until_shortly_before_it_expires() -> None:
    fake, clock = FakeLogto(), Clock()
    http, auth = _client(fake, clock)
    with http:
        http.get("http://logto.test/api/a")
        clock.now += 3539  # renewed 60 s before the 3600 s are up
        http.get("http://logto.test/api/b")
        assert len(fake.token_requests) == 1
        clock.now += 2
        assert http.get("http://logto.test/api/c").json() == {"seen": "token-2"}
    assert len(fake.token_requests) == 2 and auth.cache.fetches == 2


def test_a_401_fetches_a_new_token_once_and_resends() -> None:
    fake = FakeLogto(api_status=lambda token: 401 if token == "token-1" else 200)
    http, _ = _client(fake)
    with http:
        answer = http.post("http://logto.test/api/users", json={"username": "a"})
    assert answer.status_code == 200 and answer.json() == {"seen": "token-2"}
    assert [r.content for r in fake.api_requests] == [b'{"username":"a"}'] * 2


def test_a_401_that_persists_is_returned_after_one_renewal() -> None:
    fake = FakeLogto(api_status=lambda token: 401)
    http, _ = _client(fake)
    with http:
        assert http.get("http://logto.test/api/users").status_code == 401
    assert (len(fake.token_requests), len(fake.api_requests)) == (2, 2)


def test_a_refused_token_request_raises_with_logtos_error_and_code() -> None:
    fake = FakeLogto()
    fake.token_answer = (
        401,
        {
            "code": "oidc.invalid_client",
            "message": "Client authentication failed.",
            "error": "invalid_client",
            "error_description": "client authentication failed",
        },
    )
    http, _ = _client(fake)
    with pytest.raises(TokenRequestError) as caught:
        http.get("http://logto.test/api/users")
    err = caught.value
    assert (err.status_code, err.error, err.code) == (401, "invalid_client", "oidc.invalid_client")
    assert err.error_description == "client authentication failed"
    assert fake.api_requests == []  # nothing was sent without a token
    fake.token_answer = (200, {"token_type": "Bearer"})
    with pytest.raises(OidcError, match="no access_token"):
        http.get("http://logto.test/api/users")
    http.close()
    assert fake.api_requests == []


@pytest.mark.anyio
async def test_the_async_flow_caches_and_renews_alike() -> None:
    fake = FakeLogto(api_status=lambda token: 401 if token == "token-1" else 200)
    clock = Clock()
    auth = M2MAuth("http://logto.test", "app", SECRET, clock=clock)
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake), auth=auth) as http:
        first = await http.get("http://logto.test/api/a")  # 401 -> renewed -> 200
        await http.get("http://logto.test/api/b")
        clock.now += 3600
        last = await http.get("http://logto.test/api/c")
    assert (first.json(), last.json()) == ({"seen": "token-2"}, {"seen": "token-3"})
    assert len(fake.token_requests) == 3 and len(fake.api_requests) == 4


# -- over loopback, against the embedded server ------------------------------------------------


def _slow_tokens(server: LogtoTestServer, seconds: float) -> None:
    """Make the token endpoint slow, so concurrent first uses really overlap."""
    grant = server.server.m2m
    original = grant.token

    def slow(request: Any) -> Any:
        time.sleep(seconds)
        return original(request)

    grant.token = slow  # type: ignore[method-assign]


@pytest.mark.loopback
def test_threads_share_one_token_request(logto_server: LogtoTestServer) -> None:
    _slow_tokens(logto_server, 0.3)
    start = threading.Barrier(8)
    with logto_server.management() as client:

        def call(_: int) -> int:
            start.wait()
            return client.call("ListUsers").status_code

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(call, range(8))) == [200] * 8
    assert logto_server.server.m2m.issued == 1


@pytest.mark.loopback
@pytest.mark.anyio
async def test_tasks_share_one_token_request(logto_server: LogtoTestServer) -> None:
    _slow_tokens(logto_server, 0.3)
    app = logto_server.m2m_app
    async with AsyncManagementClient(
        logto_server.base_url, app_id=app.id, app_secret=app.secret
    ) as client:
        answers = await asyncio.gather(*(client.call("ListUsers") for _ in range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert logto_server.server.m2m.issued == 1


@pytest.mark.loopback
def test_a_token_the_server_finds_expired_is_renewed_on_its_401(
    logto_server: LogtoTestServer, logto_management: ManagementClient
) -> None:
    seen: list[int] = []
    logto_management.http.event_hooks["response"].append(lambda r: seen.append(r.status_code))
    assert logto_management.call("GetSignInExp").status_code == 200
    later = time.time() + 7200
    logto_server.server.clock = lambda: later  # the cached token expired on the server
    assert logto_management.call("GetSignInExp").status_code == 200
    assert logto_server.server.m2m.issued == 2
    assert seen == [200, 200, 401, 200, 200]  # token, call, refused call, token, resent call


@pytest.mark.loopback
def test_an_app_without_the_scope_or_token_gets_logtos_errors(
    logto_server: LogtoTestServer,
) -> None:
    app = logto_server.m2m_app
    with ManagementClient(
        logto_server.base_url, app_id=app.id, app_secret=app.secret, scopes=()
    ) as client:
        with pytest.raises(Exception) as forbidden:
            client.call("ListUsers")
    assert getattr(forbidden.value, "code", None) == "auth.forbidden"
    with httpx.Client() as plain:
        answer = plain.get(logto_server.base_url + "/api/users")
    assert answer.status_code == 401
    assert answer.json()["code"] == "auth.authorization_header_missing"
    with ManagementClient(
        logto_server.base_url, app_id=app.id, app_secret=app.secret, resource="https://x.test"
    ) as client:
        with pytest.raises(TokenRequestError) as target:
            client.call("ListUsers")
    assert target.value.error == "invalid_target"


@pytest.mark.loopback
def test_neither_the_secret_nor_the_token_is_ever_shown(
    logto_server: LogtoTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = logto_server.m2m_app
    caplog.set_level(logging.DEBUG)
    with ManagementClient(
        logto_server.base_url, app_id=app.id, app_secret=app.secret, validate="warn"
    ) as client:
        client.call("ListUsers")
        token = client.auth.cache.usable()
        assert token
        shown = [repr(client), repr(client.auth), repr(client.auth.cache), str(client.auth)]
        with pytest.raises(NotFoundError) as refused:
            client.call("GetUser", path={"userId": "nobody"})
    with ManagementClient(
        logto_server.base_url, app_id=app.id, app_secret=app.secret + "-wrong"
    ) as wrong:
        with pytest.raises(TokenRequestError) as failed:
            wrong.call("ListUsers")
    shown += [str(refused.value), repr(refused.value), str(failed.value), repr(failed.value)]
    shown += [repr(app), caplog.text]
    for text in shown:
        assert app.secret not in text and token not in text
    assert any("M2M token for app" in r.getMessage() for r in caplog.records)


def test_a_failed_token_request_leaves_the_lock_free() -> None:
    fake = FakeLogto()
    failures = [httpx.ConnectError("refused")]

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oidc/token" and failures:
            raise failures.pop()
        return fake(request)

    auth = M2MAuth("http://logto.test", "app", SECRET)
    with httpx.Client(transport=httpx.MockTransport(flaky), auth=auth) as http:
        with pytest.raises(httpx.ConnectError):
            http.get("http://logto.test/api/users")
        assert not auth._lock.locked()
        assert http.get("http://logto.test/api/users").json() == {"seen": "token-1"}


@pytest.mark.anyio
async def test_a_failed_async_token_request_leaves_the_lock_free() -> None:
    fake = FakeLogto()
    fake.token_answer = (400, {"error": "invalid_target", "code": "oidc.invalid_target"})
    auth = M2MAuth("http://logto.test", "app", SECRET)
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake), auth=auth) as http:
        with pytest.raises(TokenRequestError, match="invalid_target"):
            await http.get("http://logto.test/api/users")
        assert not auth._loop_locks.get().locked()
        fake.token_answer = None
        assert (await http.get("http://logto.test/api/users")).status_code == 200
