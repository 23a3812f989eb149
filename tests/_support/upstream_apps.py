"""Test upstreams, run in a process of their own: ``python upstream_apps.py KIND PORT``.

- ``echo``: answers a password verification with the identifier it was sent (body and
  ``X-Echo``; the ``Host`` it came with in ``X-Echo-Host``), so a test can tell whether
  answers were mixed up; ``?delay=SECONDS`` makes it wait that long first.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any
from urllib.parse import parse_qs


async def _body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def echo(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = await _body(receive)
    query = parse_qs(scope["query_string"].decode())
    if "delay" in query:
        await asyncio.sleep(float(query["delay"][0]))
    value = json.loads(body)["identifier"]["value"] if body else "none"
    content = json.dumps({"verificationId": value}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                (b"x-echo", value.encode()),
                (b"x-echo-host", dict(scope["headers"]).get(b"host", b"")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


APPS = {"echo": echo}

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        APPS[sys.argv[1]],
        host="127.0.0.1",
        port=int(sys.argv[2]),
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
