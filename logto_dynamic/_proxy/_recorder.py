"""After the answer: deferred checks, the log line and the metrics of each exchange.

In report mode the proxy relays first and checks afterwards: :meth:`Recorder.defer`
schedules the check as a plain loop callback (first in, first out, no task per exchange),
so it runs after the answer was handed to the server. The backlog is bounded: past
``max_pending`` checks waiting, an exchange is relayed unchecked and counted, rather than
letting memory or latency grow without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from logto_dynamic._proxy._exchange import Exchange
from logto_dynamic._proxy._log import ExchangeLog
from logto_dynamic._proxy._metrics import Metrics

__all__ = ["Recorder"]

DEFAULT_MAX_PENDING = 10_000


class Recorder:
    """Finishes exchanges: writes the log line (when due) and counts the metrics."""

    def __init__(self, log: ExchangeLog, metrics: Metrics, *, mode: str, log_all: bool,
                 max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.log = log
        self.metrics = metrics
        self.mode = mode
        self.log_all = log_all
        self.max_pending = max_pending
        self.pending = 0

    def finish(self, ex: Exchange, *, force: bool = False) -> None:
        """Log (problems always; API exchanges with findings, or all with ``log_all``)."""
        ex.relayed()
        record = ex.record
        self.metrics.observe(ex, ex.verdict, ex.seconds)
        if force or (ex.api and (self.log_all or ex.found or record["notes"])):
            record["mode"] = self.mode
            record["duration_ms"] = round(ex.seconds * 1000, 3)
            self.log.write(record)

    def defer(self, ex: Exchange, check: Callable[[], None]) -> None:
        """Run ``check`` then :meth:`finish` soon, on this loop, after the answer went out."""
        ex.relayed()
        if self.pending >= self.max_pending:
            ex.record["notes"].append("not validated: the validation backlog is full")
            self.metrics.skipped()
            self.finish(ex)
            return
        self.pending += 1
        asyncio.get_running_loop().call_soon(self._run, ex, check)

    def _run(self, ex: Exchange, check: Callable[[], None]) -> None:
        self.pending -= 1
        try:
            check()
        finally:
            self.finish(ex)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the deferred checks of this loop to run (at shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.pending and loop.time() < deadline:
            await asyncio.sleep(0.001)
