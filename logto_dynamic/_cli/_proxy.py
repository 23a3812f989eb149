"""``logto-dynamic proxy``: a validating reverse proxy in front of a Logto server.

The options are declared in :func:`add_proxy_arguments` and turned into
:class:`~logto_dynamic.ValidatingProxy` keyword arguments in :func:`proxy_options`, so a new
option is two lines in two places. uvicorn and the proxy load only when the command runs.
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
    serve_forever,
    url_of,
)

__all__ = ["add_proxy_arguments", "proxy_options", "register", "run_proxy"]


def register(subparsers: Any) -> None:
    """Add the ``proxy`` sub-command."""
    proxy = subparsers.add_parser(
        "proxy", help="run a validating reverse proxy in front of a Logto server",
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
    parser.add_argument("--listen", default=None, metavar="HOST:PORT",
                        help="deprecated: use --host and --port")
    parser.add_argument("--mode", choices=("report", "enforce", "off"), default="report")
    add_spec_option(parser)
    parser.add_argument("--log", default=None, metavar="FILE",
                        help="append one JSON line per exchange to FILE (default: stderr)")
    parser.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                        help="request body limit (413 above; default 1 MiB)")
    parser.add_argument("--timeout", type=float, default=None, help="upstream timeout, seconds")
    parser.add_argument("--summary-header", action="store_true",
                        help="add X-Logto-Dynamic-Violations to answers with violations")
    add_verbosity(parser)


def proxy_options(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`ValidatingProxy` keyword arguments the options ask for."""
    options: dict[str, Any] = {"mode": args.mode, "summary_header": args.summary_header}
    if args.max_body is not None:
        options["max_request_body"] = args.max_body
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.log:
        options["log"] = args.log
    return options


def _address(args: argparse.Namespace) -> tuple[str, int]:
    if args.listen is None:
        return args.host, args.port
    host, sep, port = args.listen.rpartition(":")
    if not sep or not port.isdigit():
        raise UsageError(f"--listen must be HOST:PORT, not {args.listen!r}")
    print("logto-dynamic proxy: --listen is deprecated; use --host and --port", file=sys.stderr)
    return host.strip("[]") or "127.0.0.1", int(port)


def run_proxy(args: argparse.Namespace) -> int:
    """Serve a :class:`~logto_dynamic.ValidatingProxy` with uvicorn until interrupted."""
    from logto_dynamic._proxy import ValidatingProxy

    level = configure_logging(args, logging.INFO).level
    host, port = _address(args)
    spec = load_spec_source(args.spec)
    try:
        app = ValidatingProxy(args.upstream, spec=spec, **proxy_options(args))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    sock = bind_address(host, port)
    print(f"validating proxy ({args.mode}) on {url_of(sock)} -> {args.upstream}",
          file=sys.stderr, flush=True)
    # One JSON line per exchange is the proxy's log; uvicorn's access log only with -v.
    serve_forever(app, sock, lifespan="on", log_level=level, access_log=level <= logging.DEBUG)
    return 0
