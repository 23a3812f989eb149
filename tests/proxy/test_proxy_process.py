"""The ``proxy`` command as a real process: graceful drain, workers, metrics."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from _support.processes import free_port, proxy_process, upstream_process
from prometheus_client.parser import text_string_to_metric_families

from logto_dynamic.testing import serve_app

PASSWORD_PATH = "/api/experience/verification/password"


def _body(i: int, *, password: Any = None) -> dict[str, Any]:
    return {
        "identifier": {"type": "username", "value": f"user-{i}"},
        "password": f"pw-{i}" if password is None else password,
    }


async def _post(
    session: aiohttp.ClientSession, url: str, i: int, **kwargs: Any
) -> tuple[int, str, dict[str, Any]]:
    async with session.post(url, json=_body(i, **kwargs)) as response:
        return response.status, response.headers.get("x-echo", ""), await response.json()


@pytest.mark.loopback
@pytest.mark.process
def test_sigterm_drains_exchanges_in_flight(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with (
        upstream_process("echo") as upstream,
        proxy_process(upstream, "--log", str(log), "--log-all", "--grace", "20") as (url, proc),
    ):

        async def scenario() -> tuple[list[tuple[int, str, dict[str, Any]]], bool]:
            slow = f"{url}{PASSWORD_PATH}?delay=3"
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                tasks = [asyncio.create_task(_post(session, slow, i)) for i in range(40)]
                await asyncio.sleep(1.5)  # all 40 are now waiting on the upstream
                proc.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.5)
                refused = False
                async with aiohttp.ClientSession() as fresh:
                    try:
                        await _post(fresh, f"{url}{PASSWORD_PATH}", 99)
                    except aiohttp.ClientConnectionError:
                        refused = True
                return await asyncio.gather(*tasks), refused

        results, refused = asyncio.run(scenario())
        code = proc.wait(30)
    assert code == 0
    assert refused, "a new connection was accepted after SIGTERM"
    assert [status for status, _, _ in results] == [200] * 40
    assert [echo for _, echo, _ in results] == [f"user-{i}" for i in range(40)]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 40 and {line["status"] for line in lines} == {200}


@pytest.mark.loopback
@pytest.mark.process
@pytest.mark.parametrize("args", [(), ("--upstream-host", "--workers", "2")])
def test_host_kept_or_the_upstreams(args: tuple[str, ...]) -> None:
    with upstream_process("echo") as upstream, proxy_process(upstream, *args) as (url, _):
        request = urllib.request.Request(
            url + PASSWORD_PATH, data=json.dumps(_body(1)).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            host = answer.headers["x-echo-host"]
    expected = upstream if args else url
    assert host == expected.removeprefix("http://")


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.mark.loopback
@pytest.mark.process
@pytest.mark.parametrize("workers", [1, 2])
def test_metrics(workers: int) -> None:
    metrics_port = free_port()
    canary = "CANARY-pw-7f3a"
    with (
        upstream_process("echo") as upstream,
        proxy_process(
            upstream, "--workers", str(workers), "--metrics", f"127.0.0.1:{metrics_port}"
        ) as (url, _),
    ):

        async def traffic() -> None:
            async with aiohttp.ClientSession() as session:
                for i in range(6):
                    assert (await _post(session, url + PASSWORD_PATH, i))[0] == 200
                for i in range(3):  # an integer password: a type violation (relayed: report)
                    await _post(session, url + PASSWORD_PATH, i, password=12345)
                await _post(session, url + PASSWORD_PATH, 9, password=canary)

        asyncio.run(traffic())
        samples = _scrape(metrics_port)
        for _ in range(50):  # the deferred checks of report mode land just after the answers
            total = sum(
                v for (name, _), v in samples.items() if name == "logto_dynamic_exchanges_total"
            )
            # a scrape can fall between one exchange's counter and its histograms
            timed = samples.get(("logto_dynamic_proxy_overhead_seconds_count", ()), 0)
            if total >= 10 and timed >= 10:
                break
            asyncio.run(asyncio.sleep(0.1))
            samples = _scrape(metrics_port)
    op = ("operation", "CreatePasswordVerification")
    valid = (op, ("status_class", "2xx"), ("verdict", "valid"))
    invalid = (op, ("status_class", "2xx"), ("verdict", "invalid"))
    assert samples[("logto_dynamic_exchanges_total", valid)] == 7
    assert samples[("logto_dynamic_exchanges_total", invalid)] == 3
    violation = (("direction", "request"), ("keyword", "type"), op)
    assert samples[("logto_dynamic_violations_total", violation)] == 3
    assert samples[("logto_dynamic_upstream_latency_seconds_count", ())] == 10
    assert samples[("logto_dynamic_proxy_overhead_seconds_count", ())] == 10
    labels = {value for (_, pairs) in samples for _, value in pairs}
    assert not any(canary in value or "user-" in value for value in labels)


@pytest.mark.process
@pytest.mark.parametrize(
    "args",
    [
        ["--upstream", "ftp://127.0.0.1:1"],
        ["--upstream", "http://127.0.0.1:1", "--spec", "/nonexistent/spec.yaml"],
        ["--upstream", "http://127.0.0.1:1", "--workers", "0"],
    ],
)
def test_bad_settings_exit_2_with_one_line(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "logto_dynamic", "proxy", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("logto-dynamic proxy: "), lines


@pytest.mark.loopback
@pytest.mark.process
def test_forwarded_for_is_appended_to_not_replaced() -> None:
    """A client behind another proxy keeps its chain: the upstream sees it, then this hop."""
    seen: list[list[bytes]] = []

    async def upstream(scope: Any, receive: Any, send: Any) -> None:
        seen.append([v for k, v in scope["headers"] if k == b"x-forwarded-for"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with serve_app(upstream) as upstream_url, proxy_process(upstream_url) as (url, _):
        chain = "203.0.113.9, 198.51.100.4"
        answer = httpx.get(f"{url}/echo", headers={"X-Forwarded-For": chain})
        assert answer.status_code == 204
        httpx.get(f"{url}/echo")
    assert seen == [[f"{chain}, 127.0.0.1".encode()], [b"127.0.0.1"]]
