"""Load-generator benchmark of ``logto_dynamic.load`` (issue 29).

    python tools/bench_load.py [--quick] [--users N] [--seconds S] [--rounds R] [--out DIR]

Against the embedded server (``logto-dynamic serve``, its own process on 127.0.0.1):

1. **Sign-ins per second through LogtoUser**, Locust distributed (a master and 1, then 2,
   worker processes, headless), ``--users`` users signing in again and again
   (``tools/_bench_locustfile.py``); a sign-in counts when its code exchange succeeded.
2. **The generator's CPU time per completed sign-in**: ``LogtoUser.sign_in()`` (everything
   validated, every exchange in Locust's statistics) against a bare httpx script doing the
   same exchanges without validation, interleaved in one process (``_bench_load_cpu.py``).
   Target: ≤ 1.3×. The exit status is 1 when it is missed.

Results: ``bench-results/bench_load.json`` and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _bench_common import ENV, ROOT, TOOLS, free_port, process

M2M = ("bench-m2m", "bench-m2m-secret-0")
SEEDED = ("bench_alice", "Q1w9zzpx8!")
TARGET = 1.3


@contextlib.contextmanager
def server() -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "logto_dynamic",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--m2m-app",
        ":".join(M2M),
        "--seed-user",
        ":".join(SEEDED),
        "-q",
    ]
    with process(command, port) as url:
        yield url


def locust_run(base_url: str, workers: int, users: int, seconds: int) -> dict[str, Any]:
    """One distributed headless run; sign-ins/s and failures from its JSON stats."""
    env = {
        **ENV,
        "LOGTO_BASE_URL": base_url,
        "LOGTO_M2M_APP_ID": M2M[0],
        "LOGTO_M2M_APP_SECRET": M2M[1],
        "LOGTO_LOAD_USERS": str(users),
    }
    locustfile = str(TOOLS / "_bench_locustfile.py")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        stats_file = Path(tmp) / "stats.json"
        base = [sys.executable, "-m", "locust", "-f", locustfile]
        master = subprocess.Popen(
            [
                *base,
                "--master",
                "--master-bind-host=127.0.0.1",
                f"--master-bind-port={port}",
                "--headless",
                f"--expect-workers={workers}",
                f"-u{users}",
                f"-r{users}",
                f"--run-time={seconds}s",
                "--only-summary",
                f"--json-file={stats_file.with_suffix('')}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs = [
            subprocess.Popen(
                [*base, "--worker", "--master-host=127.0.0.1", f"--master-port={port}"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        for proc in (master, *procs):
            proc.wait(seconds + 120)
        rows = json.loads(stats_file.read_text())
    exchanges = {(r["method"], r["name"]): r for r in rows}
    token = exchanges.get(("POST", "oidc token (authorization_code)"))
    if token is None:
        raise RuntimeError(f"no sign-in completed with {workers} worker(s)")
    completed = token["num_requests"] - token["num_failures"]
    span = token["last_request_timestamp"] - token["start_time"]
    return {
        "workers": workers,
        "users": users,
        "seconds": span,
        "sign_ins": completed,
        "sign_ins_per_s": completed / span,
        "requests": sum(r["num_requests"] for r in rows),
        "failures": sum(r["num_failures"] for r in rows),
    }


def cpu_run(base_url: str, rounds: int, per_round: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            str(TOOLS / "_bench_load_cpu.py"),
            base_url,
            *SEEDED,
            str(rounds),
            str(per_round),
        ],
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    cpu = result["cpu_per_sign_in"]
    ratios = [a / b for a, b in zip(cpu["logto_user"], cpu["bare_httpx"], strict=True)]
    result["ratio_per_round"] = ratios
    result["ratio"] = statistics.median(cpu["logto_user"]) / statistics.median(cpu["bare_httpx"])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (~1 minute)")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds, args.per_round = 6, 3, 15
    with server() as base_url:
        cpu = cpu_run(base_url, args.rounds, args.per_round)
        runs = [locust_run(base_url, n, args.users, args.seconds) for n in (1, 2)]
    report = {"cpu": cpu, "locust": runs, "target": TARGET, "cpus": os.cpu_count()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_load.json").write_text(json.dumps(report, indent=2))
    print("| workers | users | sign-ins | sign-ins/s | requests | failures |")
    print("|---|---|---|---|---|---|")
    for run in runs:
        print(
            f"| {run['workers']} | {run['users']} | {run['sign_ins']} | "
            f"{run['sign_ins_per_s']:.1f} | {run['requests']} | {run['failures']} |"
        )
    med = {k: statistics.median(v) * 1000 for k, v in cpu["cpu_per_sign_in"].items()}
    spread = ", ".join(f"{r:.2f}" for r in cpu["ratio_per_round"])
    print(
        f"\nCPU per sign-in: LogtoUser {med['logto_user']:.2f} ms, bare httpx "
        f"{med['bare_httpx']:.2f} ms: {cpu['ratio']:.2f}x (rounds: {spread}; target "
        f"<= {TARGET}x)"
    )
    return 0 if cpu["ratio"] <= TARGET and all(r["failures"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
