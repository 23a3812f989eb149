"""Machine-to-machine credentials on the command line, and ``logto-dynamic token``.

The app secret is read from an environment variable (``--app-secret-env VAR``), never from
an argument (the process list would show it). ``token`` prints the access token only with
``--json`` or writes it only with ``--output FILE`` (mode 0600); otherwise it prints what the
token is for and when it expires.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from logto_dynamic._cli._common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    add_base_url,
    base_url_of,
)
from logto_dynamic._cli._secrets import write_private

__all__ = ["add_app_options", "app_secret_of", "register", "run_token", "write_secret_output"]


def add_app_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """``--app-id ID`` and ``--app-secret-env VAR`` of a machine-to-machine app."""
    parser.add_argument(
        "--app-id",
        required=required,
        metavar="ID",
        help="a machine-to-machine app's ID (its token authenticates the Management API)",
    )
    parser.add_argument(
        "--app-secret-env",
        metavar="VAR",
        help="the environment variable holding the app's secret",
    )


def app_secret_of(args: argparse.Namespace) -> str:
    """The app secret from ``$VAR`` of ``--app-secret-env``; a usage error when unset."""
    if not args.app_secret_env:
        raise UsageError("--app-id needs --app-secret-env VAR (the variable holding the secret)")
    secret = os.environ.get(args.app_secret_env)
    if not secret:
        raise UsageError(f"--app-secret-env: ${args.app_secret_env} is not set or empty")
    return secret


def write_secret_output(args: argparse.Namespace, payload: dict[str, Any]) -> None:
    """``--output FILE`` (mode 0600) and ``--json`` (stdout) for a payload holding secrets."""
    text = json.dumps(payload, indent=2, sort_keys=True)
    if args.output:  # a new 0600 file replacing the target: never through a link
        write_private(args.output, text + "\n")
    if args.json:
        print(text)


def register(subparsers: Any) -> None:
    """Add the ``token`` sub-command."""
    from logto_dynamic._oidc._m2m import DEFAULT_MANAGEMENT_RESOURCE

    token = subparsers.add_parser(
        "token",
        help="get a machine-to-machine access token (client credentials)",
        description="Get an access token for a machine-to-machine app from {base}/oidc/token "
        "(client_credentials, client_secret_basic). The token is printed only with --json "
        "and written only with --output; otherwise its scope and expiry are printed.",
    )
    add_base_url(token)
    add_app_options(token, required=True)
    token.add_argument(
        "--resource",
        default=DEFAULT_MANAGEMENT_RESOURCE,
        metavar="URI",
        help="the API resource indicator (default: %(default)s)",
    )
    token.add_argument(
        "--scope",
        action="append",
        metavar="SCOPE",
        help="a scope to ask for (repeatable; default: all)",
    )
    token.add_argument("--timeout", type=float, default=10.0, help="seconds (default: 10)")
    out = token.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the token answer as JSON")
    out.add_argument("--output", metavar="FILE", help="write the token answer to FILE, mode 0600")
    token.set_defaults(func=run_token)


def run_token(args: argparse.Namespace) -> int:
    """``token``: request the token; print or write it only where asked."""
    import httpx

    from logto_dynamic._client_core import map_transport_errors
    from logto_dynamic._exceptions import LogtoDynamicError
    from logto_dynamic._oidc._m2m import TokenCache
    from logto_dynamic._oidc._rounds import maybe_json

    base_url = base_url_of(args).rstrip("/")
    secret = app_secret_of(args)
    scopes = tuple(args.scope or ("all",))
    cache = TokenCache(
        base_url + "/oidc/token", args.app_id, secret, resource=args.resource, scopes=scopes
    )
    try:
        with httpx.Client(timeout=args.timeout) as http, map_transport_errors("token"):
            answer = http.send(cache.request())
        cache.accept(answer)
    except LogtoDynamicError as exc:  # its message never holds the secret or a token
        raise CommandFailed(f"{type(exc).__name__}: {exc}") from None
    body = maybe_json(answer)  # accept() read it already: a JSON object with the token
    payload = {
        "access_token": body["access_token"],
        "token_type": body.get("token_type"),
        "expires_in": body.get("expires_in"),
        "scope": body.get("scope"),
        "resource": args.resource,
    }
    write_secret_output(args, payload)
    if not args.json:
        print(
            f"token for app {args.app_id}, resource {args.resource}, "
            f"scope {payload['scope'] or '-'}, expires in {payload['expires_in']} s"
            + (f", written to {args.output}" if args.output else "")
        )
    return EXIT_OK
