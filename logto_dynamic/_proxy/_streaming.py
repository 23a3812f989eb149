"""Streaming an answer through: chunk by chunk, within the size limit, while the client stays.

A client that goes away mid-download is noticed at once (a watcher waits on ``receive``
for ``http.disconnect``): the upstream answer is then closed, so its connection is dropped
rather than read to the end or left in the pool half-read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from logto_dynamic._proxy._hold import Held
from logto_dynamic._proxy._upstream import UPSTREAM_ERRORS, UpstreamResponse, error_kind
from logto_dynamic._types import Receive, Send

__all__ = ["send_body", "stream_through"]


async def stream_through(
    send: Send,
    receive: Receive,
    response: UpstreamResponse,
    held: list[bytes],
    chunks: AsyncIterator[bytes],
    *,
    limit: int,
    keep: int,
) -> tuple[list[bytes], str | None]:
    """Send ``held``, then the rest of ``chunks``; ``(copy, reason the stream was cut)``.

    The copy holds the first chunks up to and including the first one past ``keep`` bytes
    (enough to tell whether the whole body fitted in ``keep``). The reason is None when the
    answer went out whole, else
    ``response-too-large`` (over ``limit`` bytes), ``client-disconnected`` or
    ``upstream-error:KIND``; the answer is then left incomplete on purpose, so the server
    closes the connection (never a silent truncation).
    """
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()
        response.close()

    watcher = asyncio.get_running_loop().create_task(watch())
    kept: list[bytes] = []
    total = 0
    try:
        for chunk in held:
            total += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        kept += held
        kept_size = total
        try:
            async for chunk in chunks:
                total += len(chunk)
                if total > limit:
                    return kept, "response-too-large"
                if kept_size <= keep:  # up to the first chunk past ``keep``: then it shows
                    kept.append(chunk)
                    kept_size += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except UPSTREAM_ERRORS as exc:
            return kept, "client-disconnected" if gone.is_set() else (
                f"upstream-error:{error_kind(exc)}"
            )
        if gone.is_set():
            return kept, "client-disconnected"
        await send({"type": "http.response.body", "body": b""})
        return kept, None
    finally:
        watcher.cancel()


async def send_body(
    send: Send,
    receive: Receive,
    response: UpstreamResponse,
    held: Held,
    chunks: AsyncIterator[bytes],
    limit: int,
    keep: int,
) -> tuple[list[bytes], str | None]:
    """Send the body: ``held`` in one piece when it is whole, else streamed on by
    :func:`stream_through` (the same answer: the copy kept, and why it was cut)."""
    if held.complete:
        await send({"type": "http.response.body", "body": held.body})
        return held.chunks, None
    return await stream_through(
        send, receive, response, held.chunks, chunks, limit=limit, keep=keep
    )
