"""``logto-dynamic proxy``: a validating reverse proxy in front of a Logto server.

The options are declared in :func:`add_proxy_arguments` and turned into
:class:`~logto_dynamic.ValidatingProxy` keyword arguments in :func:`proxy_options`, so a new
option is two lines in two places. uvicorn and the proxy load only when the command runs;
:mod:`logto_dynamic._proxy._serve` runs them (workers, metrics, the drain).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from logto_dynamic._cli._common import (
    UsageError,
    add_address,
    add_spec_option,
    add_verbosity,
    bind_address,
    configure_logging,
    load_spec_source,
    require_extras,
    spec_source,
    url_of,
)
from logto_dynamic._config import ProxyMode

__all__ = [
    "add_proxy_arguments",
    "connection_limits",
    "proxy_options",
    "register",
    "run_proxy",
]


def register(subparsers: Any) -> None:
    """Add the ``proxy`` sub-command."""
    proxy = subparsers.add_parser(
        "proxy",
        help="run a validating reverse proxy in front of a Logto server",
        description="Relay traffic to UPSTREAM and validate Experience API exchanges "
        "against the document (report: log only; enforce: 400/502 answers; "
        "off: plain relay).",
    )
    add_proxy_arguments(proxy)
    proxy.set_defaults(func=run_proxy)


def add_proxy_arguments(parser: argparse.ArgumentParser) -> None:
    """Every option of ``proxy``."""
    parser.add_argument("--upstream", required=True, help="the server to forward to (http[s]://…)")
    add_address(parser, port=8080)
    parser.add_argument(
        "--listen", default=None, metavar="HOST:PORT", help="deprecated: use --host and --port"
    )
    parser.add_argument(
        "--upstream-host",
        action="store_true",
        help="send the upstream's own host as Host (default: the client's Host, unchanged, "
        "so Logto builds its URLs for the proxy)",
    )
    parser.add_argument(
        "--mode",
        choices=[m.value for m in ProxyMode],
        default=ProxyMode.REPORT.value,
        help="report: relay everything and log violations (the default); enforce: answer "
        "an invalid request 400 and an invalid upstream answer 502; off: relay only",
    )
    add_spec_option(parser)
    parser.add_argument(
        "--log",
        default=None,
        metavar="FILE",
        help="append one JSON line per exchange to FILE (default: stderr)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=None,
        metavar="BYTES",
        help="request body limit (413 above; default 1 MiB)",
    )
    parser.add_argument("--timeout", type=float, default=None, help="upstream timeout, seconds")
    parser.add_argument(
        "--summary-header",
        action="store_true",
        help="add X-Logto-Dynamic-Violations to answers with violations "
        "(report mode then checks before relaying)",
    )
    parser.add_argument(
        "--log-all",
        action="store_true",
        help="log every API exchange, not only those with findings",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes on the one port (default 1; one per core)",
    )
    parser.add_argument(
        "--metrics",
        default=None,
        metavar="HOST:PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics",
    )
    # Defaults: _proxy._protocol's (imported only when the proxy runs).
    limits = parser.add_argument_group("connection limits (0 turns one off)")
    for flag, text in (
        ("--header-timeout", "close a connection whose request head is late (default 10)"),
        ("--body-timeout", "close a connection whose request body is late (default 30)"),
        ("--keep-alive-timeout", "close a connection idle after an answer (default 5)"),
    ):
        limits.add_argument(flag, type=float, default=None, metavar="SECONDS", help=text)
    limits.add_argument(
        "--max-client-connections",
        type=int,
        default=None,
        metavar="N",
        help="answer 503 to requests past N open client connections (default 1000)",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM, let exchanges in flight finish this long (default: %(default)s)",
    )
    add_verbosity(parser)


def proxy_options(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`ValidatingProxy` keyword arguments the options ask for."""
    options: dict[str, Any] = {
        "mode": ProxyMode(args.mode),
        "summary_header": args.summary_header,
        "log_all": args.log_all,
        "metrics": args.metrics is not None,
    }
    if args.upstream_host:
        options["preserve_host"] = False
    if args.max_body is not None:
        options["max_request_body"] = args.max_body
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.log:
        options["log"] = args.log
    return options


def _host_port(value: str, option: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise UsageError(f"{option} must be HOST:PORT, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _address(args: argparse.Namespace) -> tuple[str, int]:
    if args.listen is None:
        return args.host, args.port
    address = _host_port(args.listen, "--listen")
    print("logto-dynamic proxy: --listen is deprecated; use --host and --port", file=sys.stderr)
    return address


def run_proxy(args: argparse.Namespace) -> int:
    """Serve a :class:`~logto_dynamic.ValidatingProxy` until SIGTERM (exit 0) or Ctrl+C."""
    require_extras("proxy")
    from logto_dynamic._proxy import ValidatingProxy
    from logto_dynamic._proxy._serve import serve

    level = configure_logging(args, logging.INFO).level
    host, port = _address(args)
    metrics = _host_port(args.metrics, "--metrics") if args.metrics else None
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    limits = connection_limits(args)
    spec = load_spec_source(args.spec, timeout=args.spec_timeout)
    options = proxy_options(args)
    try:
        app = ValidatingProxy(args.upstream, spec=spec, **options)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    sock = bind_address(host, port)
    workers = f" ({args.workers} workers)" if args.workers > 1 else ""
    print(
        f"validating proxy ({args.mode}) on {url_of(sock)} -> {args.upstream}{workers}",
        file=sys.stderr,
        flush=True,
    )
    # One JSON line per exchange is the proxy's log; uvicorn's access log only with -v.
    settings = {"upstream": args.upstream, "spec": spec_source(args.spec), **options}
    serve(
        app,
        settings,
        sock,
        workers=args.workers,
        grace=args.grace,
        metrics=metrics,
        log_level="info" if level <= logging.INFO else "warning",
        access_log=level <= logging.DEBUG,
        limits=limits,
    )
    return 0


def connection_limits(args: argparse.Namespace) -> dict[str, Any]:
    """The connection limits asked for (``_proxy._protocol.server_options`` arguments)."""
    limits: dict[str, Any] = {}
    for name in ("header_timeout", "body_timeout", "keep_alive_timeout", "max_client_connections"):
        value = getattr(args, name)
        if value is not None:
            if value < 0:
                raise UsageError(f"--{name.replace('_', '-')} must not be negative")
            limits[name] = value
    return limits
