"""Run one test body against Client and AsyncClient alike (no copy-pasted twins)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import httpx

from logto_dynamic import AsyncClient, Client

Handler = Callable[[httpx.Request], httpx.Response]


def make_client(kind: str, handler: Handler, **kwargs: Any) -> Client | AsyncClient:
    """A client of the given kind ("sync" or "async") over an httpx.MockTransport."""
    cls = Client if kind == "sync" else AsyncClient
    return cls("http://logto.test", transport=httpx.MockTransport(handler), **kwargs)


async def invoke(client: Client | AsyncClient, *args: Any, **kwargs: Any) -> Any:
    """Call and await if needed; exceptions surface here for both kinds."""
    result = client.call(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


async def invoke_op(client: Client | AsyncClient, name: str, *args: Any, **kwargs: Any) -> Any:
    """Like :func:`invoke`, through ``client.ops.<name>``."""
    result = getattr(client.ops, name)(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


async def close(client: Client | AsyncClient) -> None:
    """Close either kind of client."""
    if isinstance(client, AsyncClient):
        await client.aclose()
    else:
        client.close()


class Recorder:
    """A MockTransport handler that records requests and answers from a table."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer or (lambda request: httpx.Response(204))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self._answer(request)
