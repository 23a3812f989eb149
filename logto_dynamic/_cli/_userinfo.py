"""``logto-dynamic userinfo``: the claims ``/oidc/me`` gives for an access token.

The token comes from an environment variable (``--token-env VAR``), never from the command
line, and is never printed; the claims are printed as JSON.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from logto_dynamic._cli._common import EXIT_OK, CommandFailed, add_base_url, base_url_of
from logto_dynamic._cli._login import secret_from_env

__all__ = ["register", "run_userinfo"]


def register(subparsers: Any) -> None:
    """Add ``userinfo``."""
    parser = subparsers.add_parser(
        "userinfo",
        help="print the claims /oidc/me gives for an access token",
        description="Ask the server's userinfo endpoint (from its OpenID configuration) "
        "for the claims of an access token read from an environment variable; print them "
        "as JSON. Exit 1 when the token is refused.",
    )
    add_base_url(parser)
    parser.add_argument(
        "--token-env",
        required=True,
        metavar="VAR",
        help="environment variable holding the access token",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the claims as JSON (what userinfo always prints; taken, as by its "
        "siblings login, register and token, so scripts can pass it everywhere)",
    )
    parser.set_defaults(func=run_userinfo)


def run_userinfo(args: argparse.Namespace) -> int:
    """Print the claims as JSON; a refusal is :class:`CommandFailed`."""
    from logto_dynamic._client import Client
    from logto_dynamic._exceptions import LogtoDynamicError

    base_url = base_url_of(args)
    token = secret_from_env("--token-env", args.token_env) or ""
    try:
        with Client(base_url) as client:
            claims = client.userinfo(token)
    except LogtoDynamicError as exc:
        raise CommandFailed(f"{type(exc).__name__}: {exc}") from None
    print(json.dumps(claims, indent=2, sort_keys=True))
    return EXIT_OK
