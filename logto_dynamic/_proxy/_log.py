"""The exchange log: one JSON line per exchange, written by a thread, never by the loop.

:meth:`ExchangeLog.write` only puts the record on a queue; a daemon thread serialises it and
writes it to a file (one ``write`` per batch of whole lines, so several worker processes
appending to one file never interleave a line), an open text stream, or a logger.
:meth:`ExchangeLog.close` flushes everything queued before it returns.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from typing import IO, Any

__all__ = ["ExchangeLog", "LogTarget", "redact_access_log", "redacted_target"]

LogTarget = str | os.PathLike[str] | logging.Logger | IO[str] | None

_STOP = object()
_BATCH = 256


class ExchangeLog:
    """One JSON line per record to a file (appended), an open text stream or a logger.

    ``None`` means the ``logto_dynamic.proxy`` logger (at INFO level).
    """

    def __init__(self, target: LogTarget = None) -> None:
        self._logger: logging.Logger | None = None
        self._stream: IO[str] | None = None
        self._fd: int | None = None
        if target is None:
            self._logger = logging.getLogger("logto_dynamic.proxy")
        elif isinstance(target, logging.Logger):
            self._logger = target
        elif isinstance(target, str | os.PathLike):
            self._fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        else:
            self._stream = target
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    def write(self, record: dict[str, Any]) -> None:
        """Queue one record (never blocks on I/O)."""
        if self._closed:
            return
        if self._thread is None:
            self._start()
        self._queue.put(record)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="logto-dynamic-log", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            while len(items) < _BATCH:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in items)
            lines = [json.dumps(item, separators=(",", ":")) for item in items if item is not _STOP]
            if lines:
                self._emit(lines)
            if stop:
                return

    def _emit(self, lines: list[str]) -> None:
        if self._logger is not None:
            for line in lines:
                self._logger.info("%s", line)
        elif self._fd is not None:
            data = ("\n".join(lines) + "\n").encode("utf-8")
            while data:
                data = data[os.write(self._fd, data) :]
        elif self._stream is not None:
            self._stream.write("\n".join(lines) + "\n")
            self._stream.flush()

    def close(self, timeout: float = 10.0) -> None:
        """Write everything queued, stop the writer and close a file this log opened."""
        self._stop(timeout)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _stop(self, timeout: float) -> None:
        self._closed = True
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)


def redacted_target(target: str) -> str:
    """``/path?name=<redacted>&...``: a request target with every query value hidden (a
    query may carry ``code``, ``state``, an e-mail address ...); the names stay."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    names = [pair.partition("=")[0] for pair in query.split("&") if pair]
    return path + "?" + "&".join(f"{name}=<redacted>" for name in names)


class _QueryRedactor(logging.Filter):
    """uvicorn's access lines (``client - "METHOD /path?query HTTP/1.1" status``) with the
    query values redacted (the third argument is the target)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redacted_target(args[2]), *args[3:])
        return True


def redact_access_log() -> None:
    """Install the query redaction on uvicorn's access log (once per process; after
    ``uvicorn.Config``, which sets up uvicorn's loggers)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _QueryRedactor) for f in logger.filters):
        logger.addFilter(_QueryRedactor())
