"""Drive a server with wrk (a C load generator) and read its exact percentiles.

The Lua script POSTs a fixed JSON body; its ``done()`` hook prints one ``WRK-RESULT`` line with
the request count, duration and latency percentiles in microseconds, so nothing is parsed out of
wrk's rounded human-readable report.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

LUA = """\
wrk.method = "POST"
wrk.path = {path}
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-RESULT %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclasses.dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles in ms, socket errors and non-2xx answers."""

    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int
    non_2xx: int


def lua_script(path: str, body: bytes, directory: Path | None = None) -> Path:
    """Write the wrk script that POSTs ``body`` to ``path``; returns its file."""
    lua = LUA.format(path=_lua_string(path), body=_lua_string(body.decode()))
    folder = directory or Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    script = folder / "post.lua"
    script.write_text(lua)
    return script


def _lua_string(text: str) -> str:
    # A JSON string literal is a valid Lua string literal for the ASCII bodies used here.
    return json.dumps(text)


def wrk_command(url: str, script: Path, connections: int, seconds: float) -> list[str]:
    """The wrk command line (one thread: wrk is not the bottleneck and leaves a core free)."""
    return [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]


def run_wrk(url: str, script: Path, connections: int, seconds: float) -> WrkResult:
    """Run wrk once against ``url`` and return what its ``done()`` hook reported."""
    out = subprocess.run(
        wrk_command(url, script, connections, seconds),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    return parse_result(out)


def parse_result(out: str) -> WrkResult:
    """Read the ``WRK-RESULT`` line that the script's ``done()`` hook printed."""
    lines = [line for line in out.splitlines() if line.startswith("WRK-RESULT ")]
    if not lines:
        raise RuntimeError(f"wrk printed no result line:\n{out}")
    requests, duration_us, p50, p99, worst, errors, non_2xx = map(int, lines[-1].split()[1:])
    return WrkResult(
        rps=requests / duration_us * 1e6,
        p50_ms=p50 / 1e3,
        p99_ms=p99 / 1e3,
        max_ms=worst / 1e3,
        requests=requests,
        errors=errors,
        non_2xx=non_2xx,
    )


def have_wrk() -> bool:
    return shutil.which("wrk") is not None
