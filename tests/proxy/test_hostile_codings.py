"""Compression bombs from the upstream: decoded for checking only up to the validation limit.

``Content-Encoding: gzip, gzip`` over 1 GiB of zeros is about 2 KB on the wire. The proxy
decodes each layer as a stream and stops past the limit of decoded bytes, then relays the
answer as sent, with a note.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from _support import log_lines

from logto_dynamic._proxy import ValidatingProxy
from logto_dynamic._proxy._codings import DECODERS, OVER_LIMIT, PIECE, decode_content
from logto_dynamic.testing._uvicorn import serve_app

GIB = 1 << 30


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """gzip(gzip(1 GiB of zeros)): the inner layer is 1,024 gzip members of 1 MiB each."""
    member = gzip.compress(bytes(1 << 20), 9)
    return gzip.compress(member * (GIB >> 20), 9)


def test_the_bomb_is_small_and_decodes_far(bomb: bytes) -> None:
    assert len(bomb) < 8 * 1024
    inner = gzip.decompress(bomb)  # ~1 MB; decoded again, 1 GiB
    assert len(inner) > 500_000
    assert len(gzip.decompress(inner[: len(inner) // 1024])) == 1 << 20


class _Counted:
    """A decoder that counts what it hands on, and stops the test once that passes ``ceiling``:
    a broken limit fails here in milliseconds, not at the suite's 120 s timeout."""

    decoded = 0

    def __init__(self, inner: Any, ceiling: int) -> None:
        self._inner, self._ceiling = inner, ceiling

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = bytes(self._inner.decompress(data, max_length))
        _Counted.decoded += len(out)
        if _Counted.decoded > self._ceiling:
            raise AssertionError(f"decoded {_Counted.decoded} bytes: the limit did not stop it")
        return out

    def __getattr__(self, name: str) -> Any:  # unconsumed_tail, eof, unused_data
        return getattr(self._inner, name)


def test_decoding_stops_past_the_limit(bomb: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    limit = 256 * 1024
    plain = DECODERS["gzip"]
    monkeypatch.setattr(_Counted, "decoded", 0)
    monkeypatch.setitem(DECODERS, "gzip", lambda: _Counted(plain(), ceiling=16 * limit))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        assert decode_content(b"gzip, gzip", bomb, limit) is OVER_LIMIT
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Both layers together: the limit, one piece past it, and the few pieces of the outer
    # layer that fed them; never the gibibyte.
    assert limit < _Counted.decoded <= limit + 4 * PIECE
    assert seconds < 1.0
    assert peak < 4 * 1024 * 1024  # a few pieces per layer, not a gibibyte


def _gz(data: bytes) -> bytes:
    """gzip with a fixed header time: the same bytes on every collection (under ``-n 2`` each
    worker collects on its own, and a stamped second would make their test ids differ)."""
    return gzip.compress(data, mtime=0)


def _gzip_members(*parts: bytes) -> bytes:
    return b"".join(_gz(p) for p in parts)


@pytest.mark.parametrize(
    ("encoding", "body", "expected"),
    [
        pytest.param(b"gzip", _gz(b'{"a":1}'), b'{"a":1}', id="gzip"),
        pytest.param(b"x-gzip", _gz(b"x"), b"x", id="x-gzip"),
        pytest.param(b"GZIP, identity", _gz(b"x"), b"x", id="gzip-identity"),
        pytest.param(b"gzip", _gzip_members(b"ab", b"cd"), b"abcd", id="gzip-members"),
        pytest.param(b"deflate", zlib.compress(b"z" * 100), b"z" * 100, id="deflate"),
        # raw deflate, as some send it
        pytest.param(b"deflate", zlib.compress(b"raw")[2:-4], b"raw", id="deflate-raw"),
        pytest.param(b"deflate, gzip", _gz(zlib.compress(b"two")), b"two", id="two-layers"),
        pytest.param(b"gzip", _gz(bytes(3 * PIECE + 5)), bytes(3 * PIECE + 5), id="several-pieces"),
        pytest.param(b"identity", b"plain", b"plain", id="identity"),
        pytest.param(b"compress", b"x", None, id="unknown-coding"),
        pytest.param(b"gzip", _gz(b"cut off")[:-9], None, id="truncated"),
        pytest.param(b"gzip", b"not gzip at all", None, id="not-gzip"),
    ],
)
def test_decode_content(encoding: bytes, body: bytes, expected: bytes | None) -> None:
    assert decode_content(encoding, body, 1 << 20) == expected


def test_at_the_limit_exactly() -> None:
    body = gzip.compress(bytes(1000))
    assert decode_content(b"gzip", body, 1000) == bytes(1000)
    assert decode_content(b"gzip", body, 999) is OVER_LIMIT


class BombUpstream:
    def __init__(self, bomb: bytes) -> None:
        self.bomb = bomb

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        while (await receive()).get("more_body"):
            pass
        headers = [
            (b"content-type", b"application/json"),
            (b"content-encoding", b"gzip, gzip"),
            (b"content-length", str(len(self.bomb)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.bomb})


@pytest.mark.loopback
def test_report_mode_relays_a_bomb_unchecked_with_a_note(bomb: bytes, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with serve_app(BombUpstream(bomb)) as upstream:
        proxy = ValidatingProxy(upstream, mode="report", log=str(log), log_all=True)
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            start = time.perf_counter()
            with client.stream("POST", "/api/experience/submit") as answer:
                relayed = b"".join(answer.iter_raw())  # as sent: not decoded here either
            seconds = time.perf_counter() - start
            proxy.close_from_thread()
    assert seconds < 10.0  # (decoding it all took 22 s and 2 GB before)
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip, gzip"
    assert relayed == bomb
    (line,) = log_lines(log)
    assert any("once decoded" in note for note in line["notes"]), json.dumps(line)
    assert line["action"] == "relayed" and line["operation"] == "SubmitInteraction"


@pytest.mark.loopback
def test_enforce_mode_refuses_a_bomb_it_cannot_check(bomb: bytes, tmp_path: Path) -> None:
    """Fail closed (issue 26.1): an answer that is over the validation limit once decoded
    is never relayed unchecked in enforce mode."""
    log = tmp_path / "log.jsonl"
    with serve_app(BombUpstream(bomb)) as upstream:
        proxy = ValidatingProxy(upstream, mode="enforce", log=str(log))
        with serve_app(proxy) as url, httpx.Client(base_url=url) as client:
            start = time.perf_counter()
            answer = client.post("/api/experience/submit")
            seconds = time.perf_counter() - start
            proxy.close_from_thread()
    assert seconds < 10.0
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("response-unchecked")
    assert "once decoded" in answer.json()["detail"]
    (line,) = log_lines(log)
    assert line["action"] == "rejected-response-unchecked", json.dumps(line)
    assert line["upstream_status"] == 200 and line["status"] == 502
