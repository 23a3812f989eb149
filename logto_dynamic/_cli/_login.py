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
from logto_dynamic._cli._login_secrets import (
    code_source,
    mfa_answer,
    mfa_secrets,
    needs_secret_output,
    read_password,
    secret_from_env,
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
    parser.add_argument(
        "--mfa-secrets-output",
        metavar="FILE",
        help="with --bind-mfa: write the bound factors' secrets (TOTP secret, backup codes) "
        "as JSON to FILE, mode 0600 (replaced whole, never through a symlink)",
    )


def register(subparsers: Any) -> None:
    """Add ``login`` and ``register`` to an argparse sub-parser group."""
    login = subparsers.add_parser(
        "login",
        help="sign in with a password (and MFA): tokens",
        description="Sign in without a browser: the OIDC authorization request (PKCE), the "
        "Experience API with a password (and MFA), the code exchanged and the ID token "
        "verified. Prints the subject and expiry (never a token) unless --json; --output "
        "writes the token set to a file, mode 0600. Exit 1 when the sign-in fails.",
    )
    _common(login)
    who = login.add_mutually_exclusive_group(required=True)
    who.add_argument("--username", metavar="NAME", help="the username to sign in with")
    who.add_argument("--identifier", metavar="ID", help="a username, email or phone number")
    login.add_argument(
        "--bind-mfa",
        action="append",
        type=_factor,
        metavar="{Totp,BackupCode}",
        help="when Logto requires binding a factor (the Mandatory MFA policy), bind this one "
        "(repeatable; case-insensitive) and write its secrets with --mfa-secrets-output "
        "(or --json/--output)",
    )
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
    reg = subparsers.add_parser(
        "register",
        help="create an account (username, password)",
        description="Create an account without a browser: username and password, an email or "
        "phone verified by the code sent to it (asked on the terminal, or --code-env / "
        "--code-stdin), MFA bound if asked; ends in verified tokens, as login does.",
    )
    _common(reg)
    reg.add_argument("--username", required=True, metavar="NAME", help="the new username")
    reg.add_argument(
        "--email",
        metavar="EMAIL",
        help="verify and add an email (the code sent to it: a terminal prompt, --code-env or "
        "--code-stdin)",
    )
    reg.add_argument("--phone", metavar="PHONE", help="verify and add a phone (as --email)")
    codes = reg.add_mutually_exclusive_group()
    codes.add_argument(
        "--code-env",
        metavar="VAR",
        help="read the verification code from environment variable VAR when it is asked for",
    )
    codes.add_argument(
        "--code-stdin",
        action="store_true",
        help="read the verification code from the next line of stdin once it has been sent "
        "(after the password line with --password-stdin); 'code sent to ...' goes to stderr",
    )
    reg.add_argument(
        "--bind-mfa",
        action="append",
        type=_factor,
        metavar="{Totp,BackupCode}",
        help="bind an MFA factor (repeatable; case-insensitive; its secrets go to "
        "--mfa-secrets-output or --json/--output only)",
    )
    reg.set_defaults(func=run_register)


def _factor(text: str) -> str:
    for factor in ("Totp", "BackupCode"):
        if text.lower() == factor.lower():
            return factor
    raise argparse.ArgumentTypeError(f"{text!r} is not one of Totp, BackupCode")


def _summary(tokens: Tokens) -> str:
    expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(tokens.expires_at))
    name = tokens.claims.get("username") or tokens.claims.get("preferred_username") or "-"
    return f"subject {tokens.subject}, username {name}, expires {expiry}"


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
    needs_secret_output(args)
    client_secret = secret_from_env("--client-secret-env", args.client_secret_env)
    password = read_password(args)
    identifier: str | dict[str, str] = args.identifier
    if args.username:
        identifier = {"type": "username", "value": args.username}

    def flow(interaction: Interaction) -> Outcome:
        if not args.bind_mfa:
            tokens = interaction.sign_in(identifier, password=password, mfa=mfa_answer(args))
            return tokens.as_dict(), f"signed in: {_summary(tokens)}"
        done = interaction.sign_in(
            identifier, password=password, mfa=mfa_answer(args), bind_mfa=tuple(args.bind_mfa)
        )
        payload = done.tokens.as_dict()
        mfa_secrets(args, payload, done)
        bound = ", ".join(done.bound) or "nothing (not required)"
        return payload, f"signed in: {_summary(done.tokens)}; bound {bound}"

    return _run(args, flow, client_secret)


def run_register(args: argparse.Namespace) -> int:
    """``register``: create the account, bind MFA if asked, report (or write) the tokens."""
    needs_secret_output(args)
    client_secret = secret_from_env("--client-secret-env", args.client_secret_env)
    password = read_password(args)

    def flow(interaction: Interaction) -> Outcome:
        done = interaction.register(
            args.username,
            password,
            email=args.email,
            phone=args.phone,
            code=code_source(args),
            bind_mfa=tuple(args.bind_mfa or ()),
        )
        payload = done.tokens.as_dict()
        mfa_secrets(args, payload, done)
        bound = ", ".join(args.bind_mfa or ()) or "no MFA"
        return payload, f"registered: {_summary(done.tokens)}; bound {bound}"

    return _run(args, flow, client_secret)
