"""Real Locust runs (master and workers as processes) against real servers on loopback.

Locust is only ever run in subprocesses: importing it monkey-patches the process for gevent,
which must not happen to pytest. The distributed run uses the shipped example,
``docs/examples/locustfile.py``, configured by environment variables only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _support.processes import free_port, stop, upstream_process, wait_listening

pytestmark = [pytest.mark.process, pytest.mark.loopback]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "locustfile.py"
PLANTED = ROOT / "tests" / "_support" / "planted_server.py"
BLOCKS = ROOT / "tests" / "_support" / "locust_blocks.py"
SLOW = ROOT / "tests" / "_support" / "locust_slow.py"
M2M = ("load-m2m", "load-m2m-secret-1")
#: Every step of the journey (sign in, userinfo, refresh, sign out), as Locust names them.
JOURNEY = {
    ("GET", "oidc authorize"),
    ("PUT", "InitInteraction"),
    ("POST", "CreatePasswordVerification"),
    ("POST", "IdentifyUser"),
    ("POST", "SubmitInteraction"),
    ("GET", "oidc authorize (resume)"),
    ("GET", "oidc consent"),
    ("GET", "oidc discovery"),
    ("GET", "oidc jwks"),
    ("POST", "oidc token (authorization_code)"),
    ("GET", "oidc userinfo"),
    ("POST", "oidc token (refresh_token)"),
    ("GET", "oidc end session"),
    ("POST", "oidc end session (confirm)"),
    ("GET", "oidc end session (success)"),
}


@contextlib.contextmanager
def serve_process(*args: str) -> Iterator[str]:
    """``logto-dynamic serve --port 0 --m2m-app ID:SECRET ARGS``; its URL, read from its
    stderr."""
    command = ["serve", "--port", "0", "--m2m-app", ":".join(M2M), *args]
    proc = subprocess.Popen(
        [sys.executable, "-m", "logto_dynamic", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    try:
        deadline = time.monotonic() + 30
        url = None
        while url is None and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)
            if ready:
                line = proc.stderr.readline()
                assert line, f"serve exited: {proc.wait(5)}"
                found = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
                url = found.group(1) if found else None
        assert url is not None, "serve did not say where it listens"
        yield url
    finally:
        stop(proc)
        proc.stderr.close()


@contextlib.contextmanager
def planted_process() -> Iterator[str]:
    """The embedded server answering CreatePasswordVerification off-schema."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(PLANTED), str(port), ":".join(M2M)],
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


def _environment(base_url: str, users: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGTO_", "LOCUST_"))}
    return {
        **env,
        "LOGTO_BASE_URL": base_url,
        "LOGTO_M2M_APP_ID": M2M[0],
        "LOGTO_M2M_APP_SECRET": M2M[1],
        "LOGTO_LOAD_USERS": str(users),
        "PYTHONUNBUFFERED": "1",
    }


def _locust(*args: str, locustfile: Path = EXAMPLE) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(locustfile), *args]


def _stats(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["method"], row["name"]): row for row in json.loads(path.read_text())}


def _run(procs: list[subprocess.Popen[str]], timeout: float) -> list[str]:
    """Wait for every process (killing all past ``timeout``); their logs and stats tables."""
    deadline = time.monotonic() + timeout
    logs = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            raise
        logs.append(err + out)
    return logs


def test_distributed_run_of_the_example_signs_in_without_failures(tmp_path: Path) -> None:
    """A master and two workers run the shipped locustfile: every step, 0 failures."""
    port = free_port()
    users = 4
    with serve_process() as base_url:
        env = _environment(base_url, users)
        master = subprocess.Popen(
            _locust(
                "--master",
                "--master-bind-host=127.0.0.1",
                f"--master-bind-port={port}",
                "--headless",
                "--expect-workers=2",
                "--expect-workers-max-wait=30",
                f"-u{users}",
                f"-r{users}",
                "--run-time=5s",
                "--stop-timeout=2",
                "--only-summary",
                f"--csv={tmp_path / 'run'}",
                f"--json-file={tmp_path / 'run'}",
            ),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        workers = [
            subprocess.Popen(
                _locust("--worker", "--master-host=127.0.0.1", f"--master-port={port}"),
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        logs = _run([master, *workers], timeout=55)
    assert master.returncode == 0, logs[0][-3000:]
    stats = _stats(tmp_path / "run.json")
    assert JOURNEY <= set(stats), JOURNEY - set(stats)
    assert sum(row["num_failures"] for row in stats.values()) == 0
    sign_ins = stats[("POST", "oidc token (authorization_code)")]["num_requests"]
    assert sign_ins >= users, sign_ins
    assert stats[("POST", "oidc token (refresh_token)")]["num_requests"] >= users
    # The CSV says the same, and no user raised.
    csv = (tmp_path / "run_stats.csv").read_text().splitlines()
    aggregated = next(line for line in csv if line.startswith(",Aggregated,"))
    assert aggregated.split(",")[3] == "0"
    assert (tmp_path / "run_exceptions.csv").read_text().count("\n") == 1
    # Both workers ran users, each with an account of its own; the master seeded and removed.
    assert "seeded 4 test accounts" in logs[0] and "removed 4 test accounts" in logs[0]
    assert "stops:" not in "".join(logs)
    for worker_log in logs[1:]:
        assert "Traceback" not in worker_log, worker_log[-2000:]


def test_every_block_runs_and_more_users_than_accounts_stop_with_a_reason(
    tmp_path: Path,
) -> None:
    """Three users, two accounts: two run every building block, the third stops, saying why."""
    with serve_process("--mfa-factor", "Totp") as base_url:
        proc = subprocess.Popen(
            _locust(
                "--headless",
                "-u3",
                "-r3",
                "--run-time=4s",
                "--only-summary",
                f"--json-file={tmp_path / 'run'}",
                locustfile=BLOCKS,
            ),
            cwd=tmp_path,
            env=_environment(base_url, 2),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        (log,) = _run([proc], timeout=45)
    assert proc.returncode == 0, log[-3000:]
    assert log.count("BlocksUser stops: all 2 test accounts are taken") == 1, log[-3000:]
    stats = _stats(tmp_path / "run.json")
    assert sum(row["num_failures"] for row in stats.values()) == 0
    for step in [
        ("GET", "oidc userinfo"),
        ("GET", "api /oidc/me"),
        ("POST", "oidc token (refresh_token)"),
        ("GET", "ListUsers"),
        ("POST", "CreateNewPasswordIdentityVerification"),
        ("POST", "BindMfaVerification"),
        ("POST", "VerifyTotpVerification"),
    ]:
        assert stats[step]["num_requests"] >= 1, step
    # The registered accounts went with the seeded ones when Locust quit.
    assert "removed" in log and "Traceback" not in log


def test_a_planted_off_schema_answer_is_a_locust_failure_naming_the_violation(
    tmp_path: Path,
) -> None:
    with planted_process() as base_url:
        proc = subprocess.Popen(
            _locust(
                "--headless",
                "-u2",
                "-r2",
                "--run-time=3s",
                "--only-summary",
                f"--csv={tmp_path / 'run'}",
                f"--json-file={tmp_path / 'run'}",
            ),
            cwd=tmp_path,
            env=_environment(base_url, 2),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        (log,) = _run([proc], timeout=40)
    assert proc.returncode == 1, log[-3000:]  # Locust's exit code when a request failed
    stats = _stats(tmp_path / "run.json")
    planted = stats[("POST", "CreatePasswordVerification")]
    assert planted["num_failures"] == planted["num_requests"] > 0
    # The steps before it passed; none after it ran.
    assert stats[("PUT", "InitInteraction")]["num_failures"] == 0
    assert ("POST", "IdentifyUser") not in stats
    failures = (tmp_path / "run_failures.csv").read_text()
    assert "CreatePasswordVerification" in failures
    assert "body $.verificationId: expected string, got integer" in failures


def test_users_wait_on_the_server_side_by_side_under_gevent(tmp_path: Path) -> None:
    """httpx under Locust's gevent patching: 8 users waiting 0.25 s each overlap (one after
    another, the answers would come at most 4 a second)."""
    with upstream_process("echo") as base_url:
        proc = subprocess.Popen(
            _locust(
                "--headless",
                "-u8",
                "-r8",
                "--run-time=5s",
                "--stop-timeout=1",
                "--only-summary",
                f"--json-file={tmp_path / 'run'}",
                locustfile=SLOW,
            ),
            cwd=tmp_path,
            env=_environment(base_url, 0),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        (log,) = _run([proc], timeout=40)
    assert proc.returncode == 0, log[-3000:]
    row = _stats(tmp_path / "run.json")[("GET", "slow")]
    assert row["num_failures"] == 0
    span = row["last_request_timestamp"] - row["start_time"]
    assert row["num_requests"] >= 16 and row["num_requests"] / span >= 12, (row, span)
