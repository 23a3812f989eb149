"""Run the proxy command, or a test upstream, as a real process on a loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(port: int, proc: subprocess.Popen[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"process exited with {proc.returncode}: {proc.stderr.read()}"
                if proc.stderr
                else f"process exited with {proc.returncode}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


def stop(proc: subprocess.Popen[str], timeout: float = 30.0) -> int:
    """SIGTERM, then wait; kill when it does not stop in time. The exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@contextlib.contextmanager
def proxy_process(upstream: str, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``logto-dynamic proxy --upstream UPSTREAM ARGS`` on a free port; stopped on exit."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "logto_dynamic",
        "proxy",
        "--upstream",
        upstream,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *args,
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_listening(port, proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop(proc)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@contextlib.contextmanager
def upstream_process(kind: str) -> Iterator[str]:
    """One of the apps of ``upstream_apps.py`` under uvicorn in its own process."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "upstream_apps.py"), kind, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_listening(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc, 10)
        if proc.stderr is not None:
            proc.stderr.close()
