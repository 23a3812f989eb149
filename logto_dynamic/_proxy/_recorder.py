"""After the answer: deferred checks, the log line and the metrics of each exchange.

In report mode the proxy relays first and checks afterwards. :meth:`Recorder.defer` queues
the check (first in, first out); the queue is run while the loop would otherwise wait: when
the next request has just been sent upstream (:meth:`Recorder.kick`, from the relay), or at
the latest :data:`IDLE_DELAY` seconds later. So a check never stands between a client and
its next answer when the upstream is slower than the check. The queue is bounded: past
``max_pending`` checks waiting, an exchange is relayed unchecked and counted, rather than
letting memory or latency grow without bound.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from logto_dynamic._config import ProxyMode
from logto_dynamic._proxy._exchange import Exchange
from logto_dynamic._proxy._log import ExchangeLog
from logto_dynamic._proxy._metrics import Metrics

__all__ = ["IDLE_DELAY", "Recorder"]

DEFAULT_MAX_PENDING = 10_000
#: The longest a deferred check waits for a quiet moment.
IDLE_DELAY = 0.002


class Recorder:
    """Finishes exchanges: writes the log line (when due) and counts the metrics."""

    def __init__(
        self,
        log: ExchangeLog,
        metrics: Metrics,
        *,
        mode: ProxyMode,
        log_all: bool,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        self.log = log
        self.metrics = metrics
        self.mode = mode
        self.log_all = log_all
        self.max_pending = max_pending
        self._pending: deque[tuple[Exchange, Callable[[], None], bool]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._scheduled = False

    @property
    def pending(self) -> int:
        """Checks waiting to run."""
        return len(self._pending)

    def finish(self, ex: Exchange, *, force: bool = False) -> None:
        """Log (problems always; API exchanges with findings, or all with ``log_all``)."""
        ex.relayed()
        self.metrics.observe(ex, ex.verdict, ex.seconds)
        if force or (ex.api and (self.log_all or ex.found or ex.record.notes)):
            self.log.write(ex.record.to_json(self.mode, round(ex.seconds * 1000, 3)))

    def defer(self, ex: Exchange, check: Callable[[], None], *, force: bool = False) -> None:
        """Queue ``check`` and then :meth:`finish` (``force``: log it whatever it finds)."""
        ex.relayed()
        if len(self._pending) >= self.max_pending:
            ex.record.notes.append("not validated: the validation backlog is full")
            self.metrics.skipped()
            self.finish(ex, force=force)
            return
        self._pending.append((ex, check, force))
        if self._timer is None:  # one timer at a time, left to fire: cheaper than re-arming
            self._timer = asyncio.get_running_loop().call_later(IDLE_DELAY, self._idle)

    def kick(self) -> None:
        """A request went upstream: the loop waits now, run the queue in the meantime."""
        if self._pending and not self._scheduled:
            self._scheduled = True
            # Two hops: the upstream client writes the request from a task it starts right
            # after this call (aiohttp on Python < 3.12); one hop would run the checks first.
            loop = asyncio.get_running_loop()
            loop.call_soon(loop.call_soon, self._run)

    def _idle(self) -> None:
        self._timer = None
        self._run()

    def _run(self) -> None:
        self._scheduled = False
        pending = self._pending
        while pending:
            ex, check, force = pending.popleft()
            try:
                check()
            except Exception as exc:  # a bug, not traffic: the rest of the queue still runs
                ex.record.notes.append(f"not validated: the check failed ({exc!r:.200})")
            finally:
                self.finish(ex, force=force)

    async def drain(self) -> None:
        """Run every check still queued (at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._run()
