"""Helpers shared by the test files (constants, the reference-file lookup, a cookie jar seed).

Test files import them from here (``from _support import ...``); ``conftest.py`` holds only
fixtures and hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from logto_dynamic._proxy import ValidatingProxy

SEED_USER = ("alice", "Ap9!rainbow-Quartz")

#: The sibling ``shared`` folder (``LOGTO_SHARED_DIR`` overrides it).
SHARED_DIR = Path(
    os.environ.get("LOGTO_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared"
)
REFERENCE_DIR = SHARED_DIR / "reference"
#: Every skip for a missing reference file starts with this, so it can be found and refused.
MISSING_REFERENCE = "shared reference file absent:"
EXPERIENCE_142 = "logto-1.42.0-experience.openapi.json"
MANAGEMENT_142 = "logto-1.42.0-management.openapi.json"


def reference_file(name: str) -> Path:
    """The path of ``shared/reference/<name>``; skips the calling test when it is absent."""
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f"{MISSING_REFERENCE} {path} (set LOGTO_SHARED_DIR to its folder)")
    return path


# PKCE pair of RFC 7636 appendix B; the redirect URI is the default demo-app's on http://testserver.
CODE_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
AUTH_QUERY = {
    "client_id": "demo-app",
    "redirect_uri": "http://testserver/demo-app",
    "response_type": "code",
    "scope": "openid",
    "state": "st4te",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGyTtHTusM",
    "code_challenge_method": "S256",
}


def auth_query(base_url: str) -> dict[str, str]:
    """``AUTH_QUERY`` for a server at ``base_url`` (its registered ``{base}/demo-app``)."""
    return {**AUTH_QUERY, "redirect_uri": f"{base_url}/demo-app"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def seed_jar(base_url: str, path: Path) -> int:
    """Start an OIDC interaction with the standard library alone (as a browser or ``curl -c``
    would) and save its cookies in Mozilla format: ``call --cookie-jar`` takes it from there."""
    jar = http.cookiejar.MozillaCookieJar(str(path))
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    query = urllib.parse.urlencode(auth_query(base_url))
    with pytest.raises(urllib.error.HTTPError) as answer:  # the 303 is not followed
        opener.open(f"{base_url}/oidc/auth?{query}")
    assert answer.value.code == 303
    answer.value.close()
    jar.save(ignore_discard=True, ignore_expires=True)
    return len(jar)


# `logto-dynamic call` against a small echo document (test_cli_call, test_cli_commands).
CANARY = "Canary-Pa55word-7e1"
TOKEN = "tok-5ecret-b2f9"

ECHO_SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "echo", "version": "1"},
    "paths": {
        "/things/{id}": {
            "post": {
                "operationId": "SetPassword",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "tag",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {"name": "x-trace", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["password"],
                                "properties": {
                                    "password": {
                                        "type": "string",
                                        "pattern": "^[a-z]+$",
                                        "x-logto-secret": True,
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "token": {"type": "string", "x-logto-secret": True},
                                        "seen": {"type": "object"},
                                    },
                                }
                            }
                        },
                    },
                    "400": {
                        "description": "bad",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                },
            }
        },
    },
}


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers 200 with a secret token and what it saw, or 400 repeating the password."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    data = json.loads(body or b"{}")
    password = data.get("password")
    if password == "letmein":
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        answer = {
            "token": TOKEN,
            "seen": {
                "path": scope["path"],
                "query": scope["query_string"].decode(),
                "trace": headers.get("x-trace"),
            },
        }
        status = 200
    else:  # a careless server: its error repeats the value it refused
        answer = {
            "code": "password.rejected",
            "message": f"password {password!r} is too weak",
            "details": json.dumps(password),
        }
        status = 400
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"set-cookie", b"sid=" + TOKEN.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


# The validating proxy between an ASGI upstream and httpx (test_proxy*, over loopback).
SIX_COOKIES = [
    b"_logto=a1; path=/",
    b"_logto.sig=a2; path=/",
    b"_interaction=b1; path=/; httponly",
    b"_interaction.sig=b2; path=/; httponly",
    b"_interaction_resume=c1; path=/oidc/auth/uid1; httponly",
    b"_interaction_resume.sig=c2; path=/oidc/auth/uid1; httponly",
]
JSON_CT = (b"content-type", b"application/json")


class Upstream:
    """A pure ASGI upstream that records what it receives and misbehaves on request."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
        self.seen.append({"path": scope["path"], "headers": headers, "body": body})
        query = scope["query_string"].decode()
        path = scope["path"]
        status, out, content = 200, [JSON_CT], b"{}"
        if path == "/oidc/auth":
            status, content = 303, b""
            out = [(b"location", b"/sign-in")] + [(b"set-cookie", c) for c in SIX_COOKIES]
        elif path == "/echo":
            content = json.dumps(headers).encode()
            out = [
                JSON_CT,
                (b"connection", b"x-bar"),
                (b"x-bar", b"1"),
                (b"keep-alive", b"timeout=5"),
                (b"x-kept", b"yes"),
            ]
        elif path == "/api/experience":
            status, out, content = 204, [(b"set-cookie", c) for c in SIX_COOKIES[:2]], b""
        elif path == "/api/experience/submit":
            if "slow" in query:
                await asyncio.sleep(1.0)
            content = b'{"redirectTo":"http://x/cb"}'
            if "badjson" in query:
                content = b'{"redirectTo":'
            elif "wrongtype" in query:
                out, content = [(b"content-type", b"text/html")], b"<p>hi</p>"
            elif "invalid" in query:
                content = b'{"nope":1}'
            elif "huge" in query:
                content = json.dumps({"redirectTo": "x" * 5000}).encode()
        if "chunked" in query:
            await send({"type": "http.response.start", "status": status, "headers": out})
            for _ in range(20):
                await send({"type": "http.response.body", "body": b" " * 1000, "more_body": True})
            await send({"type": "http.response.body", "body": content})
            return
        out = [*out, (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": content})


@contextlib.contextmanager
def proxied(**options: Any) -> Iterator[tuple[str, Upstream, ValidatingProxy]]:
    """Upstream and proxy on loopback ports; both stopped (and the pool closed) on exit."""
    from logto_dynamic._proxy import ValidatingProxy
    from logto_dynamic.testing._uvicorn import serve_app

    upstream = Upstream()
    with serve_app(upstream) as upstream_url:
        proxy = ValidatingProxy(options.pop("upstream", upstream_url), **options)
        with serve_app(proxy) as proxy_url:
            try:
                yield proxy_url, upstream, proxy
            finally:
                proxy.close_from_thread()


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]
