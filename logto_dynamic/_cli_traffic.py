"""``logto-dynamic proxy`` and ``logto-dynamic har``: traffic validation from the command line.

uvicorn is imported only when the proxy starts.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register", "run_har", "run_proxy"]


def register(subparsers: Any) -> None:
    """Add the ``proxy`` and ``har`` sub-commands."""
    proxy = subparsers.add_parser(
        "proxy", help="run a validating reverse proxy in front of a Logto server",
        description="Relay traffic to UPSTREAM and validate Experience API exchanges "
                    "against the document (report: log only; enforce: 400/502 answers).",
    )
    proxy.add_argument("--upstream", required=True,
                       help="the server to forward to (http[s]://host[:port][/prefix])")
    proxy.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT (127.0.0.1:8080)")
    proxy.add_argument("--mode", choices=("report", "enforce", "off"), default="report")
    proxy.add_argument("--spec", default=None, help="OpenAPI document (path or URL); bundled")
    proxy.add_argument("--log", default=None, help="append one JSON line per exchange to FILE")
    proxy.add_argument("--log-all", action="store_true",
                       help="log every API exchange, not only those with findings")
    proxy.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                       help="request body limit (413 above; default 1 MiB)")
    proxy.add_argument("--timeout", type=float, default=None, help="upstream timeout, seconds")
    proxy.add_argument("--summary-header", action="store_true",
                       help="add X-Logto-Dynamic-Violations to answers with violations "
                            "(report mode then checks before relaying)")
    proxy.add_argument("--workers", type=int, default=1, metavar="N",
                       help="worker processes on the one port (default 1; one per core)")
    proxy.add_argument("--metrics", default=None, metavar="HOST:PORT",
                       help="serve Prometheus metrics at http://HOST:PORT/metrics")
    proxy.add_argument("--grace", type=float, default=30.0, metavar="SECONDS",
                       help="on SIGTERM, let exchanges in flight finish this long (30)")
    proxy.set_defaults(func=run_proxy)

    har = subparsers.add_parser(
        "har", help="validate the Experience API exchanges of a HAR file",
        description="Check every API request and response recorded in FILE.har offline; "
                    "exit code 1 when any entry fails.",
    )
    har.add_argument("file", metavar="FILE.har")
    har.add_argument("--spec", default=None, help="OpenAPI document (path or URL); bundled")
    har.add_argument("--json", action="store_true", help="print the summary as JSON")
    har.set_defaults(func=run_har)


def _listen(value: str, option: str = "--listen") -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"{option} must be HOST:PORT, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def run_proxy(args: argparse.Namespace) -> int:
    """Serve the validating proxy (uvicorn) until SIGTERM or Ctrl-C; 2 on bad settings."""
    import logging

    from logto_dynamic._exceptions import SpecLoadError
    from logto_dynamic._proxy._serve import check, serve

    host, port = _listen(args.listen)
    metrics = _listen(args.metrics, "--metrics") if args.metrics else None
    if args.workers < 1:
        print("logto-dynamic proxy: --workers must be at least 1", file=sys.stderr)
        return 2
    settings: dict[str, Any] = {"upstream": args.upstream, "spec": args.spec,
                                "mode": args.mode, "summary_header": args.summary_header,
                                "log_all": args.log_all}
    if args.max_body is not None:
        settings["max_request_body"] = args.max_body
    if args.timeout is not None:
        settings["timeout"] = args.timeout
    if args.log:
        settings["log"] = args.log
    else:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        check(settings)
    except (ValueError, SpecLoadError) as exc:
        print(f"logto-dynamic proxy: {exc}", file=sys.stderr)
        return 2
    print(f"validating proxy ({args.mode}) on http://{host}:{port} -> {args.upstream}"
          f"{f' ({args.workers} workers)' if args.workers > 1 else ''}", file=sys.stderr)
    serve(settings, host, port, workers=args.workers, grace=args.grace, metrics=metrics)
    return 0


def run_har(args: argparse.Namespace) -> int:
    """Print the per-operation table (or JSON); 1 when anything fails, 2 on a bad file."""
    from logto_dynamic._har import HarError, validate_har

    try:
        summary = validate_har(args.file, spec=args.spec)
    except HarError as exc:
        print(f"logto-dynamic har: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0 if summary.ok else 1
    ops = sorted(summary.operations.items())
    rows = [(name, s.count, s.passed, s.violations) for name, s in ops]
    width = max([len("operation"), *(len(r[0]) for r in rows)])
    print(f"{'operation':<{width}}  {'count':>5}  {'passed':>6}  {'violations':>10}")
    for name, count, passed, violations in rows:
        print(f"{name:<{width}}  {count:>5}  {passed:>6}  {violations:>10}")
    print(f"\n{len(summary.entries)} API exchange(s) checked, {summary.skipped} other "
          f"entr{'y' if summary.skipped == 1 else 'ies'} skipped.")
    for entry in summary.failures:
        print(f"\n#{entry.index} {entry.method} {entry.to_dict()['path']} -> {entry.status} "
              f"({entry.operation})")
        for violation in entry.violations:
            print(f"  - {violation}")
    print("\nOK" if summary.ok else f"\nFAILED: {len(summary.failures)} exchange(s)")
    return 0 if summary.ok else 1
