"""The ``logto-dynamic`` command line: ``main`` and the parser.

One module per command family adds its sub-commands with ``register(subparsers)``; each
keeps its heavy imports (uvicorn, openapi-spec-validator, the proxy, the client) inside
the functions that run a command. Exit codes: 0 ok, 1 the operation failed, 2 usage
error (bad arguments, a bad ``--spec``, an unknown operation). Errors go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from logto_dynamic.__version__ import __version__
from logto_dynamic._cli import (
    _call,
    _login,
    _m2m,
    _ops,
    _proxy,
    _server,
    _spec,
    _traffic,
    _userinfo,
)
from logto_dynamic._cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    PROG,
    CommandFailed,
    UsageError,
    error,
    logging_restored,
)
from logto_dynamic._cli._secrets import Parser

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = Parser(  # no abbreviations, --*-env values never echoed (sub-commands too)
        prog=PROG,
        description="A dynamic, validating client for Logto, driven by its OpenAPI documents: "
        "call the Experience API and the Management API, sign in and register without a "
        "browser, check documents and HAR recordings, run a validating reverse proxy in front "
        "of Logto, or the embedded Logto-like server for tests and demos.",
        epilog="Exit codes: 0 ok, 1 the operation failed, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _ops.register(subparsers)
    _call.register(subparsers)
    _spec.register(subparsers)
    _traffic.register(subparsers)
    _proxy.register(subparsers)
    _server.register(subparsers)
    _login.register(subparsers)
    _userinfo.register(subparsers)
    _m2m.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (130 after Ctrl+C, at any
    moment: never a traceback)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    command = " ".join(filter(None, (args.command, getattr(args, "spec_command", None))))
    try:
        with logging_restored():
            return int(func(args) or 0)
    except UsageError as exc:
        error(command, str(exc))
        return EXIT_USAGE
    except CommandFailed as exc:
        error(command, str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `logto-dynamic ops | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
