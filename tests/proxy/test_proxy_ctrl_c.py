"""Ctrl+C on ``logto-dynamic proxy`` at any moment of start-up: exit 130, never a traceback
(issue 27, item 6). Real processes, the installed console script, SIGINT sent at several
moments: while Python and the package import, while the document loads, as uvicorn starts,
and once it serves. Also ``--metrics 127.0.0.1:0`` printing the port it bound."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from logto_dynamic import ValidatingProxy

SCRIPT = Path(sys.executable).parent / "logto-dynamic"
NOISE = ("Traceback", "Unclosed", "Exception in", "CancelledError", "KeyboardInterrupt")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as a terminal's Ctrl+C finds it


def _start(*extra: str, importtime: bool = False) -> subprocess.Popen[str]:
    python = [sys.executable, "-X", "importtime"] if importtime else [sys.executable]
    return subprocess.Popen(
        [*python, str(SCRIPT), "proxy", "--upstream", "http://127.0.0.1:9", "--port", "0", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _interrupt(proc: subprocess.Popen[str], already: str = "") -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, already + out + err


def _lines_until(proc: subprocess.Popen[str], pattern: str) -> str:
    """stderr read until a line matches (60 s at most); what was read."""
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        if re.search(pattern, line):
            return seen
    raise AssertionError(f"no {pattern!r} in: {seen}")


@pytest.mark.process
@pytest.mark.loopback
@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside python")
@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3, 0.6, 1.0])
def test_ctrl_c_while_the_package_imports_exits_130_quietly(delay: float) -> None:
    """Timed from the moment the launcher is imported (``-X importtime`` says when): what
    comes before it is Python's own start, which no program can take over."""
    proc = _start(importtime=True)
    seen = _lines_until(proc, r"\| logto_dynamic_cli$")
    time.sleep(delay)
    code, text = _interrupt(proc, seen)
    text = "".join(line for line in text.splitlines(True) if not line.startswith("import time:"))
    assert code == 130, text
    assert not [word for word in NOISE if word in text], text


@pytest.mark.process
@pytest.mark.loopback
@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside python")
@pytest.mark.parametrize("delay", [0.0, 0.01, 0.05, 0.3])
def test_ctrl_c_as_the_server_starts_exits_130_quietly(delay: float) -> None:
    proc = _start()
    assert proc.stderr is not None
    first = proc.stderr.readline()  # "validating proxy (report) on http://..." : uvicorn next
    assert "validating proxy" in first
    time.sleep(delay)
    code, text = _interrupt(proc, first)
    assert code == 130, text
    assert not [word for word in NOISE if word in text], text


@pytest.mark.process
@pytest.mark.loopback
@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside python")
def test_metrics_on_port_0_prints_the_port_it_bound() -> None:
    proc = _start("--metrics", "127.0.0.1:0")
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 60
    found = None
    while found is None and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        found = re.search(r"metrics on (http://127\.0\.0\.1:(\d+)/metrics)", line)
    try:
        assert found is not None, seen
        assert int(found.group(2)) > 0
        with urllib.request.urlopen(found.group(1), timeout=10) as answer:
            assert b"logto_dynamic_" in answer.read()
    finally:
        code, text = _interrupt(proc, seen)
    assert code == 130 and "Traceback" not in text


def test_a_cancelled_lifespan_closes_the_pool_and_ends_quietly() -> None:
    """The loop torn down while the lifespan waits: no exception out, the pool closed."""

    async def scenario() -> ValidatingProxy:
        proxy = ValidatingProxy("http://127.0.0.1:9")
        started = asyncio.Event()
        messages = [{"type": "lifespan.startup"}]

        async def receive() -> dict[str, str]:
            if messages:
                return messages.pop()
            started.set()
            await asyncio.Event().wait()  # never: the shutdown message does not come
            raise AssertionError("unreachable")

        async def send(message: dict[str, str]) -> None:
            assert message["type"] == "lifespan.startup.complete"

        task = asyncio.ensure_future(proxy({"type": "lifespan"}, receive, send))
        await started.wait()
        assert proxy.upstream.is_open
        task.cancel()
        await asyncio.wait_for(task, 5)  # ends, no CancelledError out of it
        assert not task.cancelled() and task.exception() is None
        return proxy

    proxy = asyncio.run(scenario())
    assert not proxy.upstream.is_open
    assert os.environ.get("PYTHONASYNCIODEBUG") != "x"  # a plain run, nothing patched
