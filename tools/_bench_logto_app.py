"""A Logto-like upstream for tools/bench.py: every request costs about 1 ms of CPU.

A real Logto is a Node.js (Koa) server: one event loop per process that spends CPU on each
request (routing, body parsing, session and database round-trips, JSON) and so serves requests
one at a time per core. On this project's 2-core machine, Logto 1.42.0 served
``PUT /api/experience`` at 1,387 req/s with a p50 of 10 ms at 16 connections: about 0.7 ms of
serial work per request. This app models that cost: it burns ``LOGTO_LIKE_CPU_MS`` (default 1)
milliseconds of *CPU time* on its event loop per request, blocking it like Node's loop would.
A ``sleep`` in a thread pool would not do: it costs no CPU and runs requests in parallel, so a
proxy in front of it would never compete with the upstream for cores, as it does in reality.

Run by the benchmark in its own process:
``python -m uvicorn _bench_logto_app:app --app-dir tools --loop asyncio --http h11``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

CPU_SECONDS = float(os.environ.get("LOGTO_LIKE_CPU_MS", "1")) / 1e3
BODY = b'{"verificationId":"vjlpbt7m9l5i6jt1jzzk0"}'
HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
]


def burn(seconds: float) -> None:
    """Spend ``seconds`` of this thread's CPU time (not wall time: steady under contention)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Read and parse the JSON body, burn the CPU cost, answer a password verification."""
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    if scope["method"] in ("POST", "PUT", "PATCH"):
        json.loads(b"".join(chunks) or b"null")
    burn(CPU_SECONDS)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
