"""``serve`` and ``proxy`` run as real processes on ephemeral loopback ports; ``call`` (also a
process) drives a sign-in through both, with one cookie jar; the processes are then stopped."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support import SEED_USER, seed_jar

pytestmark = [pytest.mark.loopback, pytest.mark.process]

PASSWORD = SEED_USER[1]


def _ctrl_c_interrupts() -> None:
    """In the child, before exec: SIGINT at its default, whatever pytest inherited.

    Started with SIGINT ignored (``nohup cmd &``, some CI runners), a Python process keeps
    ignoring it, so Ctrl+C (the SIGINT these tests send) would not stop the command.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Process:
    """A ``logto-dynamic`` process whose stderr is read line by line in the background."""

    def __init__(self, *argv: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "logto_dynamic._cli", *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_ctrl_c_interrupts,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no {pattern!r} on stderr: {''.join(self.seen)}")

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.reader.join(timeout=10)  # stderr is read to its end
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, "".join(self.seen)


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for proc in started:  # whatever the test did, nothing outlives it
        if proc.proc.stderr is not None and not proc.proc.stderr.closed:
            proc.stop(signal.SIGKILL)


def start(processes: list[Process], *argv: str) -> tuple[Process, str]:
    proc = Process(*argv)
    processes.append(proc)
    url = proc.wait_for(r" on (http://127\.0\.0\.1:\d+)").group(1)
    return proc, url


def call(base_url: str, jar: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "logto_dynamic._cli",
            "call",
            *argv,
            "--base-url",
            base_url,
            "--cookie-jar",
            str(jar),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def sign_in(base_url: str, jar: Path) -> None:
    assert call(base_url, jar, "InitInteraction", '{"interactionEvent": "SignIn"}').returncode == 0
    verify = call(
        base_url,
        jar,
        "CreatePasswordVerification",
        json.dumps(
            {"identifier": {"type": "username", "value": SEED_USER[0]}, "password": PASSWORD}
        ),
    )
    assert (verify.returncode, verify.stderr) == (0, "")
    verification_id = json.loads(verify.stdout)["verificationId"]
    identify = call(base_url, jar, "IdentifyUser", json.dumps({"verificationId": verification_id}))
    assert (identify.returncode, identify.stdout, identify.stderr) == (0, "", "")
    submit = call(base_url, jar, "SubmitInteraction", "--json")
    assert submit.returncode == 0, submit.stderr
    assert "/oidc/auth/" in json.loads(submit.stdout)["data"]["redirectTo"]


def test_serve_and_proxy_as_processes(processes: list[Process], tmp_path: Path) -> None:
    server, server_url = start(
        processes, "serve", "--port", "0", "--seed-user", f"{SEED_USER[0]}:{PASSWORD}"
    )
    jar = tmp_path / "direct.txt"
    assert seed_jar(server_url, jar) == 6
    direct = call(server_url, jar, "InitInteraction", '{"interactionEvent": "SignIn"}', "--json")
    assert direct.returncode == 0 and json.loads(direct.stdout)["status"] == 204

    proxy, proxy_url = start(
        processes, "proxy", "--upstream", server_url, "--port", "0", "--mode", "enforce"
    )
    assert proxy_url != server_url
    jar = tmp_path / "proxied.txt"
    assert seed_jar(proxy_url, jar) == 6  # the six Set-Cookie headers came through the proxy
    sign_in(proxy_url, jar)

    # Sent anyway (--validate off): the enforcing proxy answers 400 itself and logs it.
    bad = call(
        proxy_url,
        jar,
        "CreatePasswordVerification",
        json.dumps({"identifier": {"type": "usernamex", "value": "alice"}, "password": PASSWORD}),
        "--validate",
        "off",
    )
    assert bad.returncode == 1 and "failed with HTTP 400" in bad.stderr
    assert PASSWORD not in bad.stdout + bad.stderr
    logged = proxy.wait_for(r"usernamex").string
    assert "CreatePasswordVerification" in logged

    # Both shut down gracefully: the proxy drains and exits 0 on SIGTERM (issue 11); the
    # server's exit status says how it was stopped (130 after Ctrl+C).
    code, proxy_log = proxy.stop(signal.SIGTERM)
    assert code == 0 and "Application shutdown complete" in proxy_log, proxy_log
    assert PASSWORD not in proxy_log and "Traceback" not in proxy_log
    code, server_log = server.stop(signal.SIGINT)
    assert code == 130 and "Finished server process" in server_log, server_log
    assert "Traceback" not in server_log


def test_address_conflicts_and_deprecated_listen(processes: list[Process]) -> None:
    server, server_url = start(processes, "serve", "--port", "0", "-q")
    port = server_url.rsplit(":", 1)[1]
    busy = subprocess.run(
        [
            sys.executable,
            "-m",
            "logto_dynamic._cli",
            "proxy",
            "--upstream",
            server_url,
            "--port",
            port,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert busy.returncode == 2
    assert busy.stderr.startswith(f"logto-dynamic proxy: error: cannot listen on 127.0.0.1:{port}")

    proxy, proxy_url = start(
        processes, "proxy", "--upstream", server_url, "--listen", "127.0.0.1:0"
    )
    assert "--listen is deprecated" in "".join(proxy.seen)
    assert proxy.stop()[0] == 130 and server.stop()[0] == 130


def test_named_documents_in_serve_and_proxy(processes: list[Process], tmp_path: Path) -> None:
    server, server_url = start(processes, "serve", "--port", "0", "--spec", "logto-1.22")
    log = tmp_path / "proxy.jsonl"
    proxy, proxy_url = start(
        processes,
        *("proxy", "--upstream", server_url, "--port", "0", "--spec", "logto-1.22"),
        *("--log", str(log), "--log-all", "--workers", "2"),
    )

    def ops(spec: str) -> str:
        argv = [sys.executable, "-m", "logto_dynamic._cli", "ops", "--spec", spec]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[0]

    # serve publishes the document it was given; a base URL finds it, through the proxy too
    assert "1.22.0" in ops(server_url) and "25 operations" in ops(proxy_url)
    jar = tmp_path / "jar.txt"
    assert seed_jar(proxy_url, jar) == 6
    # GetInteraction is in 1.42's document, not in 1.22's: with logto-1.22 the proxy's workers
    # do not know it (an unknown API path in their log), and the server does not route it
    answer = call(proxy_url, jar, "GetInteraction", "--json")
    assert json.loads(answer.stdout)["status"] == 404
    assert proxy.stop(signal.SIGTERM)[0] == 0  # the workers drain, the log is flushed
    assert server.stop(signal.SIGINT)[0] == 130
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines and lines[-1]["path"] == "/api/experience/interaction"
    assert lines[-1]["operation"] is None
