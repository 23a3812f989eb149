"""The proxy's in-process cost of checking one valid exchange, both directions (issue 16).

    python tools/bench_checks.py [--samples N] [--calls N]

Times what the proxy does per deferred exchange, without sockets: make the exchange and
request records, then ``Checker.exchange`` on the bench's valid password verification (the
request of ``tools/bench.py``, the answer of ``tools/bench_app.py``). Prints one JSON line:
the per-exchange wall-clock and thread CPU time (µs) of each sample (on a busy machine the CPU
time is the steadier of the two). To compare two trees, run this script alternately
with ``PYTHONPATH`` pointing at each (the samples of one run are taken back to back, so
alternate several runs) and compare the medians.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from logto_dynamic._proxy._app import ValidatingProxy
from logto_dynamic._proxy._exchange import Exchange, Request

PATH = b"/api/experience/verification/password"
BODY = json.dumps(
    {"identifier": {"type": "username", "value": "alice"}, "password": "Ap9!rainbow"}
).encode()
REQUEST_HEADERS = [
    (b"host", b"127.0.0.1:8080"),
    (b"user-agent", b"wrk"),
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]
ANSWER = b'{"verificationId":"vjlpbt7m9l5i6jt1jzzk0"}'
ANSWER_HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"content-length", str(len(ANSWER)).encode()),
]


async def _no_receive() -> dict[str, Any]:
    raise AssertionError("not read")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    proxy = ValidatingProxy("http://127.0.0.1:9", mode="report")
    checker = proxy.relay.checker

    def one() -> Exchange:
        ex = Exchange("POST", PATH.decode(), True)
        req = Request({}, _no_receive, "POST", PATH, REQUEST_HEADERS, BODY)
        checker.exchange(ex, req, 200, ANSWER_HEADERS, ANSWER)
        return ex

    ex = one()
    assert ex.checked and not ex.found, "the bench exchange must be valid"
    for _ in range(2000):
        one()
    wall, cpu = [], []
    for _ in range(args.samples):
        start, start_cpu = time.perf_counter(), time.thread_time()
        for _ in range(args.calls):
            one()
        cpu.append((time.thread_time() - start_cpu) / args.calls * 1e6)
        wall.append((time.perf_counter() - start) / args.calls * 1e6)
    print(json.dumps({"wall_us": wall, "cpu_us": cpu}))


if __name__ == "__main__":
    main()
