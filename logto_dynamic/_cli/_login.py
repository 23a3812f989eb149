"""``logto-dynamic login`` and ``logto-dynamic register``: a real sign-in from the shell.

``register(subparsers)`` adds both commands; ``run_login`` and ``run_register`` return 0
when signed in, and raise :class:`CommandFailed` (exit 1: the sign-in failed, one line on
stderr naming the typed reason, no traceback) or :class:`UsageError` (exit 2). Passwords
come from a terminal prompt or ``--password-stdin``; TOTP codes from ``--totp-secret-env
VAR`` or a prompt; a confidential app's secret from ``--client-secret-env VAR``. Tokens are
printed only with ``--json`` and written only by ``--output FILE`` (mode 0600).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from logto_dynamic._cli._common import (
    EXIT_OK,
    CommandFailed,
    UsageError,
    add_base_url,
    add_spec_option,
    base_url_of,
    load_spec_source,
)
from logto_dynamic._cli._m2m import write_secret_output

if TYPE_CHECKING:
    from logto_dynamic._oidc._tokens import Tokens
    from logto_dynamic._signin._sync import Interaction

#: A command's flow: what to write (the token set) and the one line to print instead.
Outcome = tuple[dict[str, Any], str]

__all__ = ["register", "run_login", "run_register", "secret_from_env"]


def _common(parser: argparse.ArgumentParser) -> None:
    add_base_url(parser)
    parser.add_argument("--app-id", required=True, metavar="ID", help="the application's ID")
    parser.add_argument(
        "--redirect-uri",
        required=True,
        metavar="URI",
        help="a redirect URI registered for the app (never fetched)",
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    parser.add_argument(
        "--scope",
        action="append",
        metavar="SCOPE",
        help="a scope to ask for (repeatable; default: openid profile)",
    )
    parser.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="URI",
        help="an API resource indicator (repeatable)",
    )
    parser.add_argument("--prompt", default="login", help="OIDC prompt (default: login)")
    parser.add_argument(
        "--client-secret-env",
        metavar="VAR",
        help="environment variable holding the app's secret (a confidential web app)",
    )
    add_spec_option(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the token set as JSON on stdout (it holds secrets)",
    )
    parser.add_argument(
        "--output", metavar="FILE", help="write the token set as JSON to FILE, mode 0600"
    )


def register(subparsers: Any) -> None:
    """Add ``login`` and ``register`` to an argparse sub-parser group."""
    login = subparsers.add_parser("login", help="sign in with a password (and MFA): tokens")
    _common(login)
    who = login.add_mutually_exclusive_group(required=True)
    who.add_argument("--username", metavar="NAME")
    who.add_argument("--identifier", metavar="ID", help="a username, email or phone number")
    mfa = login.add_mutually_exclusive_group()
    mfa.add_argument(
        "--totp-secret-env",
        metavar="VAR",
        help="environment variable holding the TOTP secret (base32)",
    )
    mfa.add_argument(
        "--backup-code-env",
        metavar="VAR",
        help="environment variable holding a backup code (each code works once)",
    )
    login.set_defaults(func=run_login)
    reg = subparsers.add_parser("register", help="create an account (username, password)")
    _common(reg)
    reg.add_argument("--username", required=True, metavar="NAME")
    reg.add_argument("--email", metavar="EMAIL", help="verify and add an email (code prompted)")
    reg.add_argument("--phone", metavar="PHONE", help="verify and add a phone (code prompted)")
    reg.add_argument(
        "--bind-mfa",
        action="append",
        choices=("Totp", "BackupCode"),
        help="bind an MFA factor (its secrets go to --json/--output only)",
    )
    reg.set_defaults(func=run_register)


def _prompt_secret(label: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(f"no terminal to ask for the {label}")
    return getpass.getpass(f"{label}: ")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: stdin held no password")
        return line
    try:
        return _prompt_secret("password")
    except UsageError:
        raise UsageError("no terminal to prompt for the password: use --password-stdin") from None


def _mfa(args: argparse.Namespace) -> Callable[[tuple[str, ...]], tuple[str, str]]:
    from logto_dynamic._signin._totp import Totp

    def answer(factors: tuple[str, ...]) -> tuple[str, str]:
        backup = secret_from_env("--backup-code-env", args.backup_code_env)
        if backup is not None:
            return "BackupCode", backup.strip()
        if args.totp_secret_env:
            secret = os.environ.get(args.totp_secret_env)
            if not secret:
                raise UsageError(f"--totp-secret-env: ${args.totp_secret_env} is not set")
            try:
                return "Totp", Totp(secret).now()
            except ValueError:
                raise UsageError(
                    f"--totp-secret-env: ${args.totp_secret_env} is not base32"
                ) from None
        code = _prompt_secret(f"MFA code ({' or '.join(factors) or 'Totp'})").strip()
        is_totp = code.isdigit() and len(code) == 6 and ("Totp" in factors or not factors)
        return ("Totp" if is_totp else "BackupCode"), code

    return answer


def _code_prompt(identifier: dict[str, str]) -> str:
    if not sys.stdin.isatty():
        raise UsageError(f"no terminal to ask for the code sent to the {identifier['type']}")
    return input(f"code sent to {identifier['value']}: ").strip()


def _summary(tokens: Tokens) -> str:
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(tokens.expires_at))
    name = tokens.claims.get("username") or tokens.claims.get("preferred_username") or "-"
    return f"subject {tokens.subject}, username {name}, expires {expiry}"


def secret_from_env(option: str, variable: str | None) -> str | None:
    """The secret held by environment variable ``variable`` (None when not asked for)."""
    if variable is None:
        return None
    secret = os.environ.get(variable)
    if not secret:
        raise UsageError(f"{option}: ${variable} is not set")
    return secret


def _run(
    args: argparse.Namespace, flow: Callable[[Interaction], Outcome], client_secret: str | None
) -> int:
    from logto_dynamic._cli._api_errors import api_error_line
    from logto_dynamic._client import Client
    from logto_dynamic._exceptions import ApiError, LogtoDynamicError

    base_url = base_url_of(args)
    spec = load_spec_source(args.spec, timeout=args.spec_timeout)
    try:
        with Client(base_url, spec=spec) as client:
            interaction = client.interaction(
                args.app_id,
                args.redirect_uri,
                scopes=tuple(args.scope or ("openid", "profile")),
                resources=tuple(args.resource),
                prompt=args.prompt,
                client_secret=client_secret,
            )
            payload, summary = flow(interaction)
    except ApiError as exc:  # Logto's data and hints, as in `call`
        line = api_error_line(
            exc.operation_id or "sign-in", exc.status_code, exc.code, exc.message, exc.data
        )
        raise CommandFailed(f"{type(exc).__name__}: {line}") from None
    except LogtoDynamicError as exc:
        raise CommandFailed(f"{type(exc).__name__}: {exc}") from None
    except ValueError as exc:  # a bad identifier or secret format
        raise UsageError(str(exc)) from None
    write_secret_output(args, payload)
    if not args.json:
        print(summary)
    return EXIT_OK


def run_login(args: argparse.Namespace) -> int:
    """``login``: sign in and report (or write) verified tokens."""
    client_secret = secret_from_env("--client-secret-env", args.client_secret_env)
    password = _password(args)
    identifier: str | dict[str, str] = args.identifier
    if args.username:
        identifier = {"type": "username", "value": args.username}

    def flow(interaction: Interaction) -> Outcome:
        tokens = interaction.sign_in(identifier, password=password, mfa=_mfa(args))
        return tokens.as_dict(), f"signed in: {_summary(tokens)}"

    return _run(args, flow, client_secret)


def run_register(args: argparse.Namespace) -> int:
    """``register``: create the account, bind MFA if asked, report (or write) the tokens."""
    if args.bind_mfa and not (args.json or args.output):
        raise UsageError("--bind-mfa needs --json or --output: its secrets are shown only there")
    client_secret = secret_from_env("--client-secret-env", args.client_secret_env)
    password = _password(args)

    def flow(interaction: Interaction) -> Outcome:
        done = interaction.register(
            args.username,
            password,
            email=args.email,
            phone=args.phone,
            code=_code_prompt,
            bind_mfa=tuple(args.bind_mfa or ()),
        )
        payload = done.tokens.as_dict()
        if done.totp_secret or done.backup_codes:
            payload["totp_secret"] = done.totp_secret
            payload["backup_codes"] = list(done.backup_codes)
        bound = ", ".join(args.bind_mfa or ()) or "no MFA"
        return payload, f"registered: {_summary(done.tokens)}; bound {bound}"

    return _run(args, flow, client_secret)
