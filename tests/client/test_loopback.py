"""The clients over real HTTP on 127.0.0.1 (uvicorn on an ephemeral port)."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import logto_dynamic as ld
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = [pytest.mark.anyio, pytest.mark.loopback]


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A tiny Logto-like ASGI app: cookies, JSON answers, a slow route."""
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    path = scope["path"]
    out_headers = [(b"content-type", b"application/json; charset=utf-8")]
    if path == "/oidc/auth":
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", b"/sign-in"),
                    (b"set-cookie", b"_interaction=i1; path=/; httponly"),
                    (b"set-cookie", b"_interaction.sig=s1; path=/; httponly"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    if path == "/api/experience/verification/totp/verify":
        await asyncio.sleep(1.0)
    if path == "/api/experience":
        status, payload = (
            (204, b"")
            if b"_interaction=i1" in headers.get(b"cookie", b"")
            else (
                400,
                json.dumps({"code": "session.not_found", "message": "Session not found."}).encode(),
            )
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": out_headers if payload else [],
            }
        )
        await send({"type": "http.response.body", "body": payload})
        return
    answer = {
        "verificationId": "echo:" + json.loads(body or b"{}").get("identifier", {}).get("value", "")
    }
    await send({"type": "http.response.start", "status": 200, "headers": out_headers})
    await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_app(echo_app) as url:
        yield url


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _client(kind: str, base_url: str, **kwargs: Any) -> ld.Client | ld.AsyncClient:
    return (ld.Client if kind == "sync" else ld.AsyncClient)(base_url, **kwargs)


async def test_a_cookie_bound_flow_over_loopback(kind: str, base_url: str) -> None:
    client = _client(kind, base_url)
    try:
        with pytest.raises(ld.BadRequestError) as info:  # no interaction cookie yet
            await _await(client.call("InitInteraction", {"interactionEvent": "SignIn"}))
        assert info.value.code == "session.not_found"
        await _await(client.http.get(base_url + "/oidc/auth"))
        assert client.cookies.get("_interaction") == "i1"
        done = await _await(client.ops.InitInteraction({"interactionEvent": "SignIn"}))
        assert done.status_code == 204 and done.data is None
        r = await _await(
            client.ops.create_password_verification(
                {"identifier": {"type": "username", "value": "alice"}, "password": "pw"}
            )
        )
        assert r.data == {"verificationId": "echo:alice"}
    finally:
        await _await(client.aclose() if isinstance(client, ld.AsyncClient) else client.close())


async def test_timeouts_and_refused_connections_are_typed(kind: str, base_url: str) -> None:
    client = _client(kind, base_url, timeout=0.2)
    with pytest.raises(ld.RequestTimeoutError):
        await _await(client.call("VerifyTotpVerification", {"code": "123456"}))
    await _await(client.aclose() if isinstance(client, ld.AsyncClient) else client.close())
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = _client(kind, f"http://127.0.0.1:{port}")
    with pytest.raises(ld.ConnectError):
        await _await(client.call("SubmitInteraction"))
    await _await(client.aclose() if isinstance(client, ld.AsyncClient) else client.close())


async def test_many_concurrent_async_calls_share_one_client(base_url: str) -> None:
    async with ld.AsyncClient(base_url) as client:
        names = [f"user{i}" for i in range(64)]
        results = await asyncio.gather(
            *(
                client.ops.CreatePasswordVerification(
                    {"identifier": {"type": "username", "value": n}, "password": "pw"}
                )
                for n in names
            )
        )
    assert [r.data["verificationId"] for r in results] == [f"echo:{n}" for n in names]


def test_from_server_loads_the_published_document(tmp_path: Any) -> None:
    document = ld.load_spec().document

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/api/.well-known/experience.openapi.json":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": json.dumps(document).encode()})
        else:
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    with serve_app(app) as url, ld.Client.from_server(url) as client:
        assert len(client.spec.index) == 37
        assert client.spec.origin.startswith(url)
        assert client.call("InitInteraction", {"interactionEvent": "SignIn"}).status_code == 204
