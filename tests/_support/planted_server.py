"""The embedded server with one planted wrong answer: ``python planted_server.py PORT ID:SECRET``.

:func:`planted` wraps an ASGI app so that the answer to ``POST`` on one path has its JSON body
rewritten (here: ``CreatePasswordVerification`` answers ``verificationId`` as a number, off
its schema); everything else passes through untouched. The script serves the embedded server
so wrapped, with a machine-to-machine app for seeding, on 127.0.0.1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

#: The step that answers off-schema, and how.
PLANTED_PATH = "/api/experience/verification/password"


def off_schema(body: Any) -> Any:
    """``verificationId`` as a number (the schema says string)."""
    return {**body, "verificationId": 42} if isinstance(body, dict) else body


def planted(app: Any, path: str = PLANTED_PATH, rewrite: Callable[[Any], Any] = off_schema) -> Any:
    """``app`` with the JSON answer to ``POST path`` rewritten by ``rewrite``."""

    async def wrapper(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != path:
            await app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def hold(message: Any) -> None:
            if message["type"] == "http.response.start":
                held.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if 200 <= held["status"] < 300 and body:
                body = json.dumps(rewrite(json.loads(body))).encode()
            headers = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, hold)

    return wrapper


if __name__ == "__main__":
    import uvicorn

    from logto_dynamic.testing import ExperienceServer, M2MApp, SignInExperience

    app_id, _, secret = sys.argv[2].partition(":")
    server = ExperienceServer(SignInExperience(), m2m_apps=[M2MApp(app_id, secret)])
    uvicorn.run(
        planted(server),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
