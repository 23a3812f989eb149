"""Load: 2,000 exchanges at 50 connections through the proxy; none lost, none mixed up.

Once with the proxy in this process (enforce mode: every exchange checked before it is
relayed) and once as the ``proxy`` command with ``--workers 2`` (report mode, logging every
exchange). The upstream runs in its own process and echoes the identifier it was sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from _support.processes import proxy_process, upstream_process

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = [pytest.mark.loopback, pytest.mark.process]

TOTAL = 2000
CONCURRENCY = 50
PATH = "/api/experience/verification/password"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with upstream_process("echo") as url:
        yield url


async def _load(url: str) -> tuple[list[int], list[str], float]:
    mismatched: list[int] = []
    failed: list[str] = []
    semaphore = asyncio.Semaphore(CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as session:

        async def one(i: int) -> None:
            value = f"user-{i}-{i * 7919 % 10007}"
            body = {"identifier": {"type": "username", "value": value}, "password": f"pw-{i}"}
            async with semaphore:
                try:
                    async with session.post(url + PATH, json=body) as response:
                        data = await response.json()
                        echo = response.headers.get("x-echo")
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    failed.append(f"{i}: {exc!r}")
                    return
            if status != 200 or echo != value or data != {"verificationId": value}:
                mismatched.append(i)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(TOTAL)))
        return mismatched, failed, time.perf_counter() - started


def test_in_process_enforce(upstream: str) -> None:
    proxy = ValidatingProxy(upstream, mode="enforce")
    with serve_app(proxy) as proxy_url:
        try:
            mismatched, failed, elapsed = asyncio.run(_load(proxy_url))
        finally:
            proxy.close_from_thread()
    assert failed == [] and mismatched == []
    print(f"\n{TOTAL} exchanges at {CONCURRENCY} connections, in process: {elapsed:.2f} s")


def test_two_workers_report(upstream: str, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with proxy_process(upstream, "--workers", "2", "--log", str(log), "--log-all") as (url, _):
        mismatched, failed, elapsed = asyncio.run(_load(url))
    assert failed == [] and mismatched == []
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # flushed at exit
    assert len(lines) == TOTAL
    assert {(line["operation"], line["status"]) for line in lines} == {
        ("CreatePasswordVerification", 200)
    }
    print(f"\n{TOTAL} exchanges at {CONCURRENCY} connections, --workers 2: {elapsed:.2f} s")
