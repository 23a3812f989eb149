"""Load: 2,000 exchanges at concurrency 50 through the proxy; none lost, none mixed up."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import httpx
import pytest

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic.testing._uvicorn import serve_app

TOTAL = 2000
CONCURRENCY = 50


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def echo_upstream(scope: Any, receive: Any, send: Any) -> None:
    """Answers a password verification with the identifier it was sent, in a header too."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    value = json.loads(body)["identifier"]["value"]
    content = json.dumps({"verificationId": value}).encode()
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            (b"x-echo", value.encode()),
        ],
    })
    await send({"type": "http.response.body", "body": content})


@pytest.mark.anyio
async def test_many_concurrent_exchanges_stay_paired() -> None:
    mismatched: list[int] = []
    failed: list[str] = []
    latencies: list[float] = []
    with serve_app(echo_upstream) as upstream_url:
        proxy = ValidatingProxy(upstream_url, mode="enforce")
        with serve_app(proxy) as proxy_url:
            try:
                limits = httpx.Limits(max_connections=CONCURRENCY)
                async with httpx.AsyncClient(base_url=proxy_url, limits=limits,
                                             timeout=20) as client:
                    semaphore = anyio.Semaphore(CONCURRENCY)

                    async def one(i: int) -> None:
                        value = f"user-{i}-{i * 7919 % 10007}"
                        body = {"identifier": {"type": "username", "value": value},
                                "password": f"pw-{i}"}
                        async with semaphore:
                            start = time.perf_counter()
                            try:
                                response = await client.post(
                                    "/api/experience/verification/password", json=body
                                )
                            except httpx.HTTPError as exc:
                                failed.append(f"{i}: {exc!r}")
                                return
                            latencies.append(time.perf_counter() - start)
                        if (response.status_code != 200 or response.headers["x-echo"] != value
                                or response.json() != {"verificationId": value}):
                            mismatched.append(i)

                    started = time.perf_counter()
                    async with anyio.create_task_group() as group:
                        for i in range(TOTAL):
                            group.start_soon(one, i)
                    elapsed = time.perf_counter() - started
            finally:
                proxy.close_from_thread()
    assert failed == []
    assert mismatched == []
    assert len(latencies) == TOTAL
    latencies.sort()
    p50, p99 = latencies[TOTAL // 2], latencies[int(TOTAL * 0.99)]
    print(f"\n{TOTAL} exchanges at concurrency {CONCURRENCY}: {elapsed:.2f} s "
          f"({TOTAL / elapsed:.0f}/s), p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    assert elapsed < 60
