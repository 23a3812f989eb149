"""Faults the proxy must survive, each over loopback: broken upstreams, rude clients, codings."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import brotli
import httpx
import pytest
from _support import JSON_CT, Upstream, log_lines, proxied

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic._proxy._codings import OVER_LIMIT, PIECE, decode_content
from logto_dynamic.testing._uvicorn import serve_app

pytestmark = pytest.mark.loopback

SUBMIT = "/api/experience/submit"


def _read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@contextlib.contextmanager
def raw_upstream(answer: Callable[[bytes], bytes]) -> Iterator[str]:
    """A TCP server that reads each request head and writes ``answer(head)``, then closes."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def run() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                head = _read_head(conn)
                conn.sendall(answer(head))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(5)
        server.close()


def _broken(head: bytes) -> bytes:
    ok = b'{"redirectTo":"http://x/cb"}'
    if b"declared" in head.split(b"\r\n", 1)[0]:
        return (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n"
            b'\r\n{"redirectTo"'
        )
    if b"chunked" in head.split(b"\r\n", 1)[0]:
        return (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b'transfer-encoding: chunked\r\n\r\n5\r\n{"red\r\n'
        )
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(ok)).encode()
        + b"\r\n\r\n"
        + ok
    )


def test_upstream_closes_mid_body() -> None:
    with raw_upstream(_broken) as upstream_url:
        proxy = ValidatingProxy(upstream_url)
        with serve_app(proxy) as url, httpx.Client(base_url=url, timeout=10) as client:
            try:
                declared = client.post(SUBMIT + "?declared")
                assert declared.status_code == 502
                assert declared.json()["type"].endswith("upstream-unreachable")
                with pytest.raises(httpx.RemoteProtocolError):  # already streaming: cut off
                    client.post(SUBMIT + "?chunked")
                after = client.post(SUBMIT)
                assert after.status_code == 200 and after.json()["redirectTo"]
            finally:
                proxy.close_from_thread()


def test_upstream_restarts_under_load() -> None:
    port = socket.create_server(("127.0.0.1", 0))
    upstream_port = port.getsockname()[1]
    port.close()
    outcomes: list[tuple[float, int | str]] = []
    stop = threading.Event()

    def load(url: str) -> None:
        async def worker(client: httpx.AsyncClient) -> None:
            while not stop.is_set():
                try:
                    response = await client.post(SUBMIT)
                    outcomes.append((time.monotonic(), response.status_code))
                except httpx.HTTPError as exc:
                    outcomes.append((time.monotonic(), type(exc).__name__))

        async def main() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=5) as client:
                await asyncio.gather(*(worker(client) for _ in range(8)))

        asyncio.run(main())

    upstream = Upstream()
    proxy = ValidatingProxy(f"http://127.0.0.1:{upstream_port}", timeout=5)
    with serve_app(proxy) as url:
        try:
            with serve_app(upstream, port=upstream_port):
                thread = threading.Thread(target=load, args=(url,), daemon=True)
                thread.start()
                time.sleep(1.0)
            down = time.monotonic()
            time.sleep(1.0)
            with serve_app(upstream, port=upstream_port):
                up = time.monotonic()
                time.sleep(1.5)
                stop.set()
                thread.join(10)
        finally:
            proxy.close_from_thread()
    assert not thread.is_alive(), "a request hung"
    assert {outcome for _, outcome in outcomes} <= {200, 502}, outcomes  # answered, always
    assert any(o == 502 for t, o in outcomes if down + 0.1 < t < up)
    late = [o for t, o in outcomes if t > up + 0.5]
    assert late and set(late) == {200}


def test_client_disconnects_mid_upload(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = tmp_path / "log.jsonl"
    with caplog.at_level(logging.WARNING), proxied(log=str(log)) as (url, upstream, _):
        host, port = url.removeprefix("http://").split(":")
        for _ in range(5):
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(
                    b"PUT /api/experience HTTP/1.1\r\nHost: x\r\ncontent-type: "
                    b'application/json\r\ncontent-length: 5000\r\n\r\n{"interaction'
                )
                time.sleep(0.05)
        time.sleep(0.3)
        with httpx.Client(base_url=url) as client:
            assert (
                client.put("/api/experience", json={"interactionEvent": "SignIn"}).status_code
                == 204
            )
        assert len(upstream.seen) == 1  # the cut uploads never reached the upstream
    assert [line["action"] for line in log_lines(log)] == ["client-disconnected"] * 5
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


class Download:
    """An upstream that streams a long answer (5 s), and counts the downloads cut short."""

    def __init__(self) -> None:
        self.dropped = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await receive()
        if scope["path"] != "/download":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [JSON_CT, (b"content-length", b"2")],
                }
            )
            await send({"type": "http.response.body", "body": b"{}"})
            return
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.get_running_loop().create_task(watch())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(500):
            if gone.is_set():
                self.dropped += 1
                return
            await send({"type": "http.response.body", "body": b"x" * 16384, "more_body": True})
            await asyncio.sleep(0.01)
        watcher.cancel()
        await send({"type": "http.response.body", "body": b""})


def test_client_disconnects_mid_download(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = tmp_path / "log.jsonl"
    upstream = Download()
    with caplog.at_level(logging.WARNING), serve_app(upstream) as upstream_url:
        proxy = ValidatingProxy(upstream_url, max_connections=2, timeout=5, log=str(log))
        with serve_app(proxy) as url:
            try:
                host, port = url.removeprefix("http://").split(":")
                started = time.monotonic()
                for _ in range(4):
                    with socket.create_connection((host, int(port))) as sock:
                        sock.sendall(b"GET /download HTTP/1.1\r\nHost: x\r\n\r\n")
                        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
                # A pool of two: a leaked upstream connection would starve these.
                with httpx.Client(base_url=url, timeout=10) as client:
                    for _ in range(4):
                        assert client.get("/other").status_code == 200
                while upstream.dropped < 4 and time.monotonic() < started + 4:
                    time.sleep(0.05)
            finally:
                proxy.close_from_thread()
    # Each upstream download was dropped when its client left, long before its 5 s were up.
    assert upstream.dropped == 4
    assert [line["action"] for line in log_lines(log)] == ["cut-off-client-disconnected"] * 4
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_slow_clients_do_not_block_others() -> None:
    with proxied() as (url, _, _p):
        host, port = url.removeprefix("http://").split(":")
        slow = [socket.create_connection((host, int(port))) for _ in range(10)]
        try:
            for i, sock in enumerate(slow):
                if i % 2:  # a slow body: the head arrives, the body trickles
                    sock.sendall(
                        b"PUT /api/experience HTTP/1.1\r\nHost: x\r\ncontent-type: "
                        b"application/json\r\ncontent-length: 1000\r\n\r\n{"
                    )
                else:  # slowloris: the head never completes
                    sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            with httpx.Client(base_url=url, timeout=5) as client:
                for _ in range(30):
                    for sock in slow:
                        sock.sendall(b"X" if slow.index(sock) % 2 else b"x-a: b\r\n")
                    assert client.post(SUBMIT).status_code == 200
            assert time.monotonic() - started < 10
        finally:
            for sock in slow:
                sock.close()


class Encoded:
    """Answers ``SUBMIT`` compressed (gzip or br): valid, or missing its required field
    (``?invalid``)."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.sent: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await receive()
        data = (
            {"nope": 1}
            if "invalid" in scope["query_string"].decode()
            else {"redirectTo": "http://x/cb"}
        )
        plain = json.dumps(data).encode()
        body = gzip.compress(plain) if self.coding == "gzip" else brotli.compress(plain)
        self.sent.append(body)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    JSON_CT,
                    (b"content-encoding", self.coding.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("coding", ["gzip", "br"])
@pytest.mark.parametrize("mode", ["report", "enforce"])
def test_compressed_answers_validated_decoded_relayed_unchanged(
    mode: str, coding: str, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    upstream = Encoded(coding)
    with serve_app(upstream) as upstream_url:
        proxy = ValidatingProxy(upstream_url, mode=mode, log=str(log), log_all=True)
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            try:
                with client.stream("POST", SUBMIT) as good:
                    raw = b"".join(good.iter_raw())
                assert good.status_code == 200 and raw == upstream.sent[-1]
                assert good.headers["content-encoding"] == coding
                with client.stream("POST", SUBMIT + "?invalid") as bad:
                    raw = b"".join(bad.iter_raw())
                if mode == "report":
                    assert bad.status_code == 200 and raw == upstream.sent[-1]
                else:
                    assert bad.status_code == 502
            finally:
                proxy.close_from_thread()
    lines = log_lines(log)
    assert lines[0]["violations"] == [] and lines[0]["notes"] == []
    assert [v["keyword"] for v in lines[1]["violations"]] == ["required"]


def test_decode_content_br_layers_bounds_and_corrupt_data() -> None:
    plain = b'{"redirectTo":"http://x/cb"}'
    limit = 1 << 20
    assert decode_content(b"br", brotli.compress(plain), limit) == plain
    # codings are listed in the order applied: undone last-first
    assert decode_content(b"br, gzip", gzip.compress(brotli.compress(plain)), limit) == plain
    big = bytes(5 * PIECE + 3)  # several bounded pieces out of one small input
    assert decode_content(b"br", brotli.compress(big), limit) == big
    bomb = brotli.compress(bytes(64 << 20), quality=5)  # 64 MiB of zeros in a few KB
    assert len(bomb) < 64 * 1024
    assert decode_content(b"br", bomb, 256 * 1024) is OVER_LIMIT  # stops past the limit
    assert decode_content(b"BR", b"not brotli at all", limit) is None  # unchecked, with a note
    assert decode_content(b"br", brotli.compress(plain)[:-3], limit) is None  # truncated


def test_upstream_url_with_a_path_prefix(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    upstream = Upstream()
    targets: list[str] = []

    async def mounted(scope: Any, receive: Any, send: Any) -> None:  # Logto under /logto
        targets.append(f"{scope['path']}?{scope['query_string'].decode()}")
        inner = dict(scope, path=scope["path"].removeprefix("/logto"))
        await upstream(inner, receive, send)

    with serve_app(mounted) as upstream_url:
        proxy = ValidatingProxy(
            upstream_url + "/logto/", mode="enforce", log=str(log), log_all=True
        )
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            try:
                ok = client.put("/api/experience?x=1", json={"interactionEvent": "SignIn"})
                bad = client.put("/api/experience", json={"interactionEvent": "Bogus"})
            finally:
                proxy.close_from_thread()
    assert ok.status_code == 204 and bad.status_code == 400
    assert targets == ["/logto/api/experience?x=1"]
    lines = log_lines(log)
    assert [(line["operation"], line["action"]) for line in lines] == [
        ("InitInteraction", "relayed"),
        ("InitInteraction", "rejected-request"),
    ]


def test_header_and_body_limits() -> None:
    with (
        proxied(max_header_bytes=2048, max_request_body=100) as (url, upstream, _),
        httpx.Client(base_url=url) as client,
    ):
        big = client.get("/echo", headers={"x-big": "a" * 3000})
        assert big.status_code == 431 and big.json()["status"] == 431
        many = client.get("/echo", headers=[(f"x-h{i}", "b" * 40) for i in range(60)])
        assert many.status_code == 431
        assert client.get("/echo", headers={"x-small": "c" * 500}).status_code == 200
        assert (
            client.put(
                "/api/experience", content=b"x" * 101, headers={"content-type": "application/json"}
            ).status_code
            == 413
        )
        assert [seen["path"] for seen in upstream.seen] == ["/echo"]


def test_br_without_the_brotli_library_is_left_unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "brotli", None)  # as in an install without it
    assert decode_content(b"br", brotli.compress(b"{}"), 1 << 20) is None
