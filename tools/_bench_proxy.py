"""The proxy section of tools/bench.py: wrk against a pinned sink, the proxy, a Logto-like server.

Every server runs in its own process on 127.0.0.1 (ephemeral ports). Targets are driven in
interleaved rounds (sink, off, report, enforce, Logto-like direct, report in front of it, then
again), each round a ``wrk`` run at 16 connections and, for the sink targets, one at 1 connection.
The verdicts use the medians over the rounds; the per-round ratios give the spread.
"""

from __future__ import annotations

import contextlib
import functools
import json
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from _bench_common import ENV, TOOLS, Report, free_port, process
from _bench_wrk import WrkResult, have_wrk, lua_script, run_wrk, wrk_command

PATH = "/api/experience/verification/password"
BODY = json.dumps(
    {"identifier": {"type": "username", "value": "alice"}, "password": "Ap9!rainbow"},
    separators=(",", ":"),
).encode()
SINK = "sink direct"
LOGTO = "Logto-like (1 ms CPU) direct"
LOGTO_REPORT = "proxy report -> Logto-like"


def pinned_uvicorn(app: str, port: int) -> list[str]:
    """A uvicorn server pinned to asyncio + h11, so the baseline never moves with our deps."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--app-dir",
        str(TOOLS),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "asyncio",
        "--http",
        "h11",
        "--log-level",
        "warning",
        "--no-access-log",
    ]


@functools.cache
def _proxy_help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "logto_dynamic", "proxy", "--help"],
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


#: Extra ``logto-dynamic proxy`` arguments for every proxy measured (``bench.py --proxy-args``),
#: e.g. ``--header-timeout 0 --keep-alive-timeout 0 --max-client-connections 0`` to measure
#: without the connection limits.
EXTRA_PROXY_ARGS: list[str] = []


def proxy_command(upstream: str, port: int, mode: str, workers: int | None) -> list[str]:
    """The ``logto-dynamic proxy`` command line: the one place to adapt when the CLI changes.

    Speaks ``--host/--port`` when the CLI's help offers them, else the older
    ``--listen HOST:PORT`` (now a deprecated alias).
    """
    command = [
        sys.executable,
        "-m",
        "logto_dynamic",
        "proxy",
        "--upstream",
        upstream,
        "--mode",
        mode,
    ]
    if "--port" in _proxy_help():
        command += ["--host", "127.0.0.1", "--port", str(port)]
    else:
        command += ["--listen", f"127.0.0.1:{port}"]
    if workers is not None:
        command += ["--workers", str(workers)]
    return command + EXTRA_PROXY_ARGS


def check_answers(url: str) -> None:
    """One POST before measuring: a 200 with a verificationId, or the run would measure errors."""
    request = urllib.request.Request(
        url + PATH, data=BODY, method="POST", headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    if response.status != 200 or "verificationId" not in answer:
        raise RuntimeError(f"{url} answered {response.status} {answer!r}")


@contextlib.contextmanager
def servers(workers: int | None) -> Iterator[dict[str, str]]:
    """Start the sink, the Logto-like upstream and the proxies; yield name -> URL."""
    with contextlib.ExitStack() as stack:

        def start(args: list[str], port: int) -> str:
            return stack.enter_context(process(args, port))

        port = free_port()
        sink = start(pinned_uvicorn("bench_app:app", port), port)
        port = free_port()
        logto = start(pinned_uvicorn("_bench_logto_app:app", port), port)
        urls = {SINK: sink}
        for mode in ("off", "report", "enforce"):
            port = free_port()
            urls[f"proxy {mode} -> sink"] = start(proxy_command(sink, port, mode, workers), port)
        urls[LOGTO] = logto
        port = free_port()
        urls[LOGTO_REPORT] = start(proxy_command(logto, port, "report", workers), port)
        for url in urls.values():
            check_answers(url)
        yield urls


def bench_proxy(report: Report, rounds: int, seconds: float, workers: int | None) -> bool:
    """Run the proxy section; print the tables and the target checks; True when all hold."""
    if not have_wrk():
        report.note("Proxy", ["wrk not found on PATH (apt-get install wrk): section skipped"])
        return True
    c16: dict[str, list[WrkResult]] = {}
    c1: dict[str, list[WrkResult]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder, servers(workers) as urls:
        script = lua_script(PATH, BODY, Path(folder))
        for url in urls.values():  # warm-up: pools, lazy imports, compiled validators
            run_wrk(url, script, 16, 1)
        for _ in range(rounds):
            for name, url in urls.items():
                c16.setdefault(name, []).append(run_wrk(url, script, 16, seconds))
                if "Logto" not in name:
                    c1.setdefault(name, []).append(run_wrk(url, script, 1, seconds))
    return _tables(report, c16, c1, seconds, workers)


def _tables(
    report: Report,
    c16: dict[str, list[WrkResult]],
    c1: dict[str, list[WrkResult]],
    seconds: float,
    workers: int | None,
) -> bool:
    failures = [
        f"{name}: {r.errors} socket errors, {r.non_2xx} non-2xx"
        for runs in (c16, c1)
        for name, results in runs.items()
        for r in results
        if r.errors or r.non_2xx
    ]
    sink_names = [n for n in c16 if "Logto" not in n]
    rps = report.table(
        "Proxy throughput, wrk 16 connections",
        "requests/s",
        {n: [r.rps for r in c16[n]] for n in sink_names},
        SINK,
        failures,
    )
    p99 = report.table(
        "Proxy p99 latency, wrk 16 connections",
        "ms",
        {n: [r.p99_ms for r in c16[n]] for n in sink_names},
        SINK,
    )
    report.table(
        "Proxy p50 latency, wrk 16 connections",
        "ms",
        {n: [r.p50_ms for r in c16[n]] for n in sink_names},
        SINK,
    )
    p50_1 = report.table(
        "Proxy p50 latency, wrk 1 connection",
        "ms",
        {n: [r.p50_ms for r in c1[n]] for n in c1},
        SINK,
    )
    logto = report.table(
        "In front of a Logto-like upstream (1 ms CPU a request), 16 connections",
        "requests/s",
        {n: [r.rps for r in c16[n]] for n in (LOGTO, LOGTO_REPORT)},
        LOGTO,
    )
    checks = _checks(rps, p99, p50_1, logto, c16, c1)
    cmd = " ".join(wrk_command("http://127.0.0.1:PORT", Path("post.lua"), 16, seconds))
    lines = [f"{'MET ' if ok else 'MISSED'} {text}" for ok, text in checks]
    lines += [f"errors: {f}" for f in failures]
    worst = {n: max(r.max_ms for r in runs) for n, runs in c16.items()}
    lines.append(
        "slowest single request at 16 connections: "
        + ", ".join(f"{n} {ms:.0f} ms" for n, ms in worst.items())
    )
    lines += [f"wrk: `{cmd}` (and -c1); proxy: `{' '.join(_shown_proxy_command(workers))}`"]
    report.note("Proxy targets (issue 11)", lines)
    return all(ok for ok, _ in checks) and not failures


def _shown_proxy_command(workers: int | None) -> list[str]:
    args = proxy_command("http://127.0.0.1:SINK", 0, "report", workers)
    shown = ["PORT" if a == "0" else a.replace("127.0.0.1:0", "127.0.0.1:PORT") for a in args]
    return ["logto-dynamic", *shown[3:]]


def _spread(values: list[float]) -> str:
    return f"per round {min(values):.3f}..{max(values):.3f}"


def _checks(
    rps: dict[str, dict[str, float]],
    p99: dict[str, dict[str, float]],
    p50_1: dict[str, dict[str, float]],
    logto: dict[str, dict[str, float]],
    c16: dict[str, list[WrkResult]],
    c1: dict[str, list[WrkResult]],
) -> list[tuple[bool, str]]:
    rep, off = "proxy report -> sink", "proxy off -> sink"

    def per_round(a: str, b: str, runs: dict[str, list[WrkResult]]) -> list[float]:
        return [x.rps / y.rps for x, y in zip(runs[a], runs[b], strict=True)]

    vs_sink = rps[rep]["median"] / rps[SINK]["median"]
    vs_off = rps[rep]["median"] / rps[off]["median"]
    p99_limit = max(25.0, 10 * p99[SINK]["median"])
    added = p50_1[rep]["median"] - p50_1[SINK]["median"]
    added_rounds = [x.p50_ms - y.p50_ms for x, y in zip(c1[rep], c1[SINK], strict=True)]
    vs_logto = logto[LOGTO_REPORT]["median"] / logto[LOGTO]["median"]
    return [
        (
            vs_sink >= 0.25,
            f"report@16 throughput {vs_sink:.3f}x sink (>= 0.25; "
            f"{_spread(per_round(rep, SINK, c16))})",
        ),
        (
            vs_off >= 0.9,
            f"report@16 throughput {vs_off:.3f}x off (>= 0.9; {_spread(per_round(rep, off, c16))})",
        ),
        (
            p99[rep]["median"] <= p99_limit,
            f"report@16 p99 {p99[rep]['median']:.2f} ms (<= {p99_limit:.2f} ms = max(25, 10x sink "
            f"p99 {p99[SINK]['median']:.2f}); {_spread([r.p99_ms for r in c16[rep]])})",
        ),
        (
            added <= 0.6,
            f"report@1 p50 adds {added:.3f} ms to sink's {p50_1[SINK]['median']:.3f} "
            f"ms (<= 0.6; {_spread(added_rounds)})",
        ),
        (
            vs_logto >= 0.8,
            f"report in front of the Logto-like upstream {vs_logto:.3f}x direct "
            f"(>= 0.8; {_spread(per_round(LOGTO_REPORT, LOGTO, c16))}; direct "
            f"{logto[LOGTO]['median']:.0f} req/s)",
        ),
    ]
