"""Undo an answer's ``Content-Encoding`` for checking, never past a number of decoded bytes.

A 2 KB answer marked ``Content-Encoding: gzip, gzip`` can decode to a gibibyte. Every layer
is decoded as a stream, a bounded piece at a time, each layer pulling from the one below, and
the whole stops as soon as the decoded bytes pass the limit: memory stays at a few pieces per
layer and the time at what the limit is worth. Each coding is a :data:`DECODERS` entry, a
factory of an object with zlib's ``decompress(data, max_length)`` / ``unconsumed_tail`` /
``eof`` / ``unused_data`` interface (``br`` is one, through the brotli library).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["DECODERS", "OVER_LIMIT", "decode_content"]

#: The bytes one layer hands to the next at a time.
PIECE = 64 * 1024


class _Over:
    def __repr__(self) -> str:
        return "OVER_LIMIT"


#: :func:`decode_content`'s answer when the decoded body passes the limit.
OVER_LIMIT: Any = _Over()


class _Deflate:
    """``deflate`` as servers send it: zlib-wrapped (RFC 9110), or raw as some still do."""

    def __init__(self) -> None:
        self._inner: Any = zlib.decompressobj()
        self._started = False

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if not self._started:
            self._started = True
            try:
                return bytes(self._inner.decompress(data, max_length))
            except zlib.error:
                self._inner = zlib.decompressobj(-zlib.MAX_WBITS)
        return bytes(self._inner.decompress(data, max_length))

    def __getattr__(self, name: str) -> Any:  # unconsumed_tail, eof, unused_data
        return getattr(self._inner, name)


class _Brotli:
    """``br`` (RFC 7932), which Logto sends browsers for larger answers; the brotli library
    is imported on the first such answer. Its errors are reported as ``zlib.error``."""

    unconsumed_tail = b""  # brotli keeps what it has not decoded yet inside
    unused_data = b""

    def __init__(self) -> None:
        try:
            import brotli
        except ImportError:  # installed without the proxy extra: the answer goes unchecked
            raise zlib.error("brotli is not installed") from None

        self._error: type[Exception] = brotli.error
        self._inner: Any = brotli.Decompressor()

    def decompress(self, data: bytes, max_length: int) -> bytes:
        try:
            return bytes(self._inner.process(data, output_buffer_limit=max_length))
        except self._error as exc:
            raise zlib.error(f"brotli: {exc}") from None

    @property
    def eof(self) -> bool:
        return bool(self._inner.is_finished())


#: Content coding -> a decoder factory (see the module docstring for the interface).
DECODERS: dict[str, Callable[[], Any]] = {
    "gzip": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
    "deflate": _Deflate,
    "br": _Brotli,
}
#: Codings whose stream may hold several members one after the other.
_MEMBERS = frozenset({"gzip", "x-gzip"})


def _layer(coding: str, source: Iterator[bytes]) -> Iterator[bytes]:
    """Decode one coding of ``source``, ``PIECE`` bytes at most per piece."""
    decoder = DECODERS[coding]()
    for chunk in source:
        data = chunk
        while True:
            out = decoder.decompress(data, PIECE)
            if out:
                yield out
            data = decoder.unconsumed_tail
            if decoder.eof:
                rest = decoder.unused_data + data
                if coding not in _MEMBERS or not rest.strip(b"\x00"):
                    return  # the stream ended (trailing padding ignored)
                decoder, data = DECODERS[coding](), rest
            elif not data and not out:
                break  # all of this chunk is in: the next one
    if not decoder.eof:
        raise zlib.error("truncated stream")


def decode_content(encoding: bytes | None, body: bytes, limit: int) -> bytes | None:
    """``body`` decoded (the codings undone, last applied first), up to ``limit`` bytes.

    :data:`OVER_LIMIT` when the decoded body would be longer (decoding stopped there); None
    when a coding is unknown or the data does not decode.
    """
    text = (encoding or b"").decode("latin-1")
    codings = [c.strip().lower() for c in text.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if any(c not in DECODERS for c in codings):
        return None
    stream: Iterator[bytes] = iter((body,))
    for coding in reversed(codings):
        stream = _layer(coding, stream)
    pieces: list[bytes] = []
    total = 0
    try:
        for piece in stream:
            total += len(piece)
            if total > limit:
                return OVER_LIMIT  # type: ignore[no-any-return]
            pieces.append(piece)
    except zlib.error:
        return None
    return b"".join(pieces)
