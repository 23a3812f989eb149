"""Prometheus series of the proxy (``prometheus-client``, imported only when enabled).

Labels are operation ids, status classes, verdicts, directions, keywords and error kinds:
never a path, a body value, a header value or a cookie. Under ``--workers`` the command
line sets ``PROMETHEUS_MULTIPROC_DIR`` before the workers start, so every process writes its
samples there and the metrics endpoint adds them up.
"""

from __future__ import annotations

import functools
from typing import Any

from logto_dynamic._proxy._exchange import Exchange

__all__ = ["Metrics", "serve_metrics"]

_FAST = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
_SLOW = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@functools.cache
def _series() -> dict[str, Any]:
    """The process's series, registered once (several proxies in one process share them)."""
    from prometheus_client import Counter, Histogram

    return {
        "exchanges": Counter(
            "logto_dynamic_exchanges",
            "Exchanges relayed or answered",
            ["operation", "status_class", "verdict"],
        ),
        "violations": Counter(
            "logto_dynamic_violations",
            "Violations of the API document",
            ["operation", "direction", "keyword"],
        ),
        "upstream": Histogram(
            "logto_dynamic_upstream_latency_seconds",
            "Upstream time: request sent to answer read",
            buckets=_SLOW,
        ),
        "overhead": Histogram(
            "logto_dynamic_proxy_overhead_seconds",
            "Time the proxy added to an exchange (total minus upstream)",
            buckets=_FAST,
        ),
        "errors": Counter("logto_dynamic_upstream_errors", "Upstream failures by kind", ["kind"]),
        "dropped": Counter(
            "logto_dynamic_validation_skipped",
            "Report-mode exchanges relayed unvalidated: validation backlog full",
        ),
    }


class Metrics:
    """Counts one finished exchange; does nothing when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._series = _series() if enabled else {}

    def observe(self, ex: Exchange, verdict: str, total: float) -> None:
        """Add ``ex`` (its record, timings and error) to the series."""
        if not self.enabled:
            return
        s = self._series
        record = ex.record
        operation = record.operation or ("undocumented" if ex.api else "other")
        status = record.status
        status_class = f"{status // 100}xx" if status else "none"
        s["exchanges"].labels(operation, status_class, verdict).inc()
        for violation in record.violations:
            s["violations"].labels(operation, violation["direction"], violation["keyword"]).inc()
        if ex.upstream_seconds is not None:
            s["upstream"].observe(ex.upstream_seconds)
            s["overhead"].observe(max(0.0, total - ex.upstream_seconds))
        if ex.upstream_error is not None:
            s["errors"].labels(ex.upstream_error).inc()

    def skipped(self) -> None:
        """One exchange relayed unvalidated because the backlog was full."""
        if self.enabled:
            self._series["dropped"].inc()


def serve_metrics(host: str, port: int, *, multiprocess: bool) -> int:
    """Serve ``/metrics`` from a daemon thread of this process; the port bound (``port`` 0
    picks a free one)."""
    from prometheus_client import CollectorRegistry, start_http_server

    if multiprocess:
        from prometheus_client import multiprocess as mp

        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        server, _ = start_http_server(port, addr=host, registry=registry)
    else:
        server, _ = start_http_server(port, addr=host)
    return int(server.server_address[1])
