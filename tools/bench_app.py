"""The static upstream of tools/bench.py: answers every request like a password verification.

Run by the benchmark in its own process: ``python -m uvicorn bench_app:app --app-dir tools``.
"""

from __future__ import annotations

from typing import Any

BODY = b'{"verificationId":"vjlpbt7m9l5i6jt1jzzk0"}'
HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Read the request, answer 200 with a fixed ``{"verificationId": ...}``."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
