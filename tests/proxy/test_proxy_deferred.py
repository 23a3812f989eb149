"""Report mode's deferred checks stay off the critical path, over real loopback sockets."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from logto_dynamic._proxy import ValidatingProxy, _recorder
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = pytest.mark.loopback

CHECK_SECONDS = 0.3


def test_a_deferred_check_runs_after_the_next_request_went_upstream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only the next request may start the queued check (no idle timer within the test).
    monkeypatch.setattr(_recorder, "IDLE_DELAY", 60.0)
    arrived: list[float] = []

    async def upstream(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        arrived.append(time.monotonic())
        body = b'{"redirectTo":"http://x/cb"}'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    # Requests with a body: aiohttp writes those from a task of its own (Python < 3.12).
    checks: list[tuple[float, float]] = []
    with serve_app(upstream) as upstream_url:
        proxy = ValidatingProxy(upstream_url, mode="report")
        real = proxy.relay.checker.exchange

        def slow_check(*args: Any, **kwargs: Any) -> None:
            started = time.monotonic()
            time.sleep(CHECK_SECONDS)  # holds the proxy's loop, like a long validation
            real(*args, **kwargs)
            checks.append((started, time.monotonic()))

        proxy.relay.checker.exchange = slow_check  # type: ignore[method-assign]
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            try:
                assert client.post("/api/experience/submit", json={}).status_code == 200
                assert checks == []  # deferred: the answer went out first
                assert client.post("/api/experience/submit", json={}).status_code == 200
            finally:
                proxy.close_from_thread()
    first_check_started, first_check_ended = checks[0]
    assert len(arrived) == 2 and len(checks) == 2
    # The second request reached the upstream while the first exchange's check ran, not after.
    assert arrived[1] < first_check_ended - CHECK_SECONDS / 2, (arrived, checks)
    assert first_check_started > arrived[0]
