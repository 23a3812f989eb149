"""Issue 26.10: the access lines of ``proxy -vv`` and ``serve`` (real processes) show query
names, never their values (``code``, ``state``, an e-mail address)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from _support import Upstream
from _support.processes import free_port, proxy_process, stop, wait_listening

from logto_dynamic.testing import serve_app

pytestmark = [pytest.mark.loopback, pytest.mark.process]

QUERY = {"code": "c0de-S3CRET-91", "state": "st4te-S3CRET", "email": "ann@secret.example"}
SECRETS = tuple(QUERY.values())


def _check(output: str) -> None:
    assert "code=<redacted>" in output and "email=<redacted>" in output, output
    for secret in SECRETS:
        assert secret not in output


@pytest.mark.parametrize("verbosity", ["-vv", "-vvv"])
def test_proxy_access_lines_hide_query_values(verbosity: str) -> None:
    with serve_app(Upstream()) as upstream:
        with proxy_process(upstream, verbosity) as (url, proc):
            with httpx.Client(base_url=url) as client:
                client.get("/callback", params=QUERY)
                client.get("/api/experience/verification/password", params=QUERY)
            stop(proc)
            assert proc.stderr is not None and proc.stdout is not None
            output = proc.stdout.read() + proc.stderr.read()  # uvicorn's access log: stdout
    assert "GET /callback?" in output, output
    _check(output)


def test_serve_access_lines_hide_query_values() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "logto_dynamic", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_listening(port, proc)
        httpx.get(f"http://127.0.0.1:{port}/oidc/auth", params=QUERY)
    finally:
        stop(proc)
    assert proc.stdout is not None
    output = proc.stdout.read()
    proc.stdout.close()
    assert "GET /oidc/auth?" in output, output  # the access line is there
    _check(output)
