"""The validating reverse proxy (``logto_dynamic.ValidatingProxy``; manual in docs/proxy.md).

Modules, one job each: ``_app`` (the ASGI entry and lifecycle), ``_relay`` (request out,
answer back, checked inline or afterwards), ``_upstream`` (the pooled client and its error
kinds), ``_checks`` (what is asked of the document's checkers), ``_problems`` (the proxy's
own answers), ``_headers`` (hop-by-hop, forwarding, sizes), ``_codings`` (content codings
undone for checking, bounded), ``_exchange`` (one exchange's facts), ``_record`` (its typed
log line and the actions), ``_recorder`` (deferred checks, log line, metrics), ``_log`` (the
threaded exchange log), ``_metrics`` (Prometheus series), ``_serve`` (running it under
uvicorn), ``_protocol`` (connection deadlines and cap).
"""

from logto_dynamic._config import require_extra

# Without the [proxy] extra: a MissingExtraError naming the pip command, not a bare
# ModuleNotFoundError from deep inside.
require_extra("ValidatingProxy", "proxy")

from logto_dynamic._proxy._app import ValidatingProxy  # noqa: E402

__all__ = ["ValidatingProxy"]
