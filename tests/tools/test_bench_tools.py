"""The wrk plumbing of tools/bench.py, without running wrk (load runs live in the benchmark)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

import _bench_logto_app  # noqa: E402
import _bench_proxy  # noqa: E402
import _bench_wrk  # noqa: E402


def test_parse_result_reads_the_done_hook_line() -> None:
    out = "Running 5s test\n  Latency ...\nWRK-RESULT 12000 5000000 1200 9800 31000 2 3\n"
    result = _bench_wrk.parse_result(out)
    assert result.requests == 12000
    assert result.rps == pytest.approx(2400.0)
    assert (result.p50_ms, result.p99_ms, result.max_ms) == (1.2, 9.8, 31.0)
    assert (result.errors, result.non_2xx) == (2, 3)


def test_parse_result_without_the_line_says_so() -> None:
    with pytest.raises(RuntimeError, match="no result line"):
        _bench_wrk.parse_result("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_lua_script_posts_the_body_verbatim(tmp_path: Path) -> None:
    body = b'{"identifier":{"type":"username","value":"alice"},"password":"p\\"q"}'
    script = _bench_wrk.lua_script("/api/x", body, tmp_path).read_text()
    assert 'wrk.method = "POST"' in script
    assert f"wrk.body = {json.dumps(body.decode())}" in script
    assert 'wrk.path = "/api/x"' in script
    assert "function done(summary, latency, requests)" in script


@pytest.mark.process
@pytest.mark.parametrize("workers", [None, 2])
def test_proxy_command_uses_flags_the_cli_offers(workers: int | None) -> None:
    command = _bench_proxy.proxy_command("http://127.0.0.1:1", 8123, "report", workers)
    help_text = _bench_proxy._proxy_help()
    flags = [arg for arg in command if arg.startswith("--")]
    if workers is not None and "--workers" not in help_text:
        pytest.skip("this proxy CLI has no --workers yet")
    assert flags and all(flag in help_text for flag in flags), (flags, help_text)
    assert any("8123" in arg for arg in command)


@pytest.mark.anyio
async def test_logto_like_upstream_answers_a_password_verification() -> None:
    transport = httpx.ASGITransport(app=_bench_logto_app.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://logto.test") as client:
        response = await client.post(
            _bench_proxy.PATH,
            content=_bench_proxy.BODY,
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 200
    assert "verificationId" in response.json()
