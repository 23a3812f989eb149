"""``logto-dynamic serve`` and ``logto-dynamic demo``: the embedded Logto-like server.

uvicorn and the testing package load only when a command runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
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
    serve_forever,
    url_of,
)

__all__ = ["register"]


def _seed_user(text: str) -> tuple[str, str]:
    """``USERNAME=PASSWORD``, or the older ``USERNAME:PASSWORD`` (a username holds neither
    separator; the password may hold both)."""
    cut = min((i for i in (text.find("="), text.find(":")) if i >= 0), default=-1)
    username, password = (text[:cut], text[cut + 1 :]) if cut >= 0 else (text, "")
    if cut < 0 or not username or not password:
        raise argparse.ArgumentTypeError("expected USERNAME=PASSWORD")
    return username, password


def _app(text: str) -> str:
    from logto_dynamic.testing.oidc._apps import parse_app

    try:
        parse_app(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _app_secret(text: str) -> str:
    from logto_dynamic.testing.oidc._apps import parse_secret

    try:
        parse_secret(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _m2m_app(text: str) -> str:
    from logto_dynamic.testing.oidc._m2m import parse_m2m_app

    try:
        parse_m2m_app(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _named_list(what: str, *, last: bool = False) -> Callable[[str], tuple[str, tuple[str, ...]]]:
    """``NAME=A,B,C`` as ``(NAME, (A, B, C))``; ``last``: cut at the last ``=`` (a URL
    may hold one)."""

    def parse(text: str) -> tuple[str, tuple[str, ...]]:
        name, sep, rest = text.rpartition("=") if last else text.partition("=")
        items = tuple(item.strip() for item in rest.split(",") if item.strip())
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"expected {what}")
        return name.strip(), items

    return parse


def add_access_options(serve: argparse.ArgumentParser) -> None:
    """``--resource``, ``--role`` and ``--organization``: what "after sign-in" needs."""
    serve.add_argument(
        "--resource",
        action="append",
        default=[],
        type=_named_list("INDICATOR=SCOPE,...", last=True),
        metavar="INDICATOR=SCOPES",
        help="register an API resource and its comma-separated scopes, e.g. "
        "https://api.example.com=read:things,write:things (repeatable)",
    )
    serve.add_argument(
        "--role",
        action="append",
        default=[],
        type=_named_list("USERNAME=SCOPE,..."),
        metavar="USERNAME=SCOPES",
        help="give a user (seeded with --seed-user) a role granting these scopes of the "
        "resources defining them, e.g. alice=read:things (repeatable)",
    )
    serve.add_argument(
        "--organization",
        action="append",
        default=[],
        type=_named_list("ID=USERNAME,..."),
        metavar="ID=MEMBERS",
        help="create an organization with these members (usernames, comma-separated), e.g. "
        "acme=alice,bob (repeatable); members get its organization tokens",
    )


def arrange_access(server: Any, args: argparse.Namespace) -> None:
    """Apply ``--resource``/``--role``/``--organization`` through the Python API the pytest
    fixture hands out (:class:`~logto_dynamic.testing.LogtoTestServer`)."""

    def user_id(username: str, option: str) -> str:
        user = server.server.users.find("username", username)
        if user is None:
            raise UsageError(f"{option}: no user {username!r} (seed it with --seed-user)")
        return str(user.id)

    for indicator, scopes in args.resource:
        server.add_resource(indicator, scopes)
    for username, scopes in args.role:
        server.add_role(user_id(username, "--role"), scopes)
    for organization, members in args.organization:
        server.add_organization(organization, [user_id(m, "--organization") for m in members])


#: The options of ``serve`` that carry a secret, and the form of their value.
_SECRET_OPTIONS = {
    "seed-user": "USERNAME=PASSWORD",
    "app-secret": "ID=SECRET",
    "m2m-app": "ID=SECRET",
}


def _add_secrets(args: argparse.Namespace) -> None:
    """Add the secrets given by ``--*-env`` and ``--secrets-file`` to the argv ones, each
    checked as its option checks it (an error never repeats the value)."""
    from logto_dynamic._cli._secrets import env_values, file_values

    checks = {"seed-user": _seed_user, "app-secret": _app_secret, "m2m-app": _m2m_app}
    from_file = file_values(args.secrets_file, frozenset(_SECRET_OPTIONS))
    for name, form in _SECRET_OPTIONS.items():
        attribute = name.replace("-", "_")
        given = env_values(f"--{name}-env", getattr(args, attribute + "_env"))
        for value in given + from_file[name]:
            try:
                getattr(args, attribute).append(checks[name](value))
            except argparse.ArgumentTypeError:
                raise UsageError(f"a --{name} secret is not {form}") from None


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``demo``."""
    serve = subparsers.add_parser(
        "serve",
        help="run the embedded Logto-like server (tests, demos, examples)",
        description="Run the embedded, in-memory Logto-like server for tests and demos: the "
        "Experience API, OIDC (sign-in, tokens, userinfo, sign-out) and the Management API "
        "(with --m2m-app). Seed users, apps, API resources, roles and organizations with the "
        "options below. Start an interaction with GET /oidc/auth?client_id=...&redirect_uri="
        "...&response_type=code&code_challenge=... (PKCE).",
    )
    add_address(serve, port=3001)
    serve.add_argument(
        "--seed-user",
        action="append",
        default=[],
        type=_seed_user,
        metavar="USERNAME=PASSWORD",
        help="create a user at start-up (repeatable; USERNAME:PASSWORD works too)",
    )
    serve.add_argument(
        "--mfa-factor",
        action="append",
        default=[],
        choices=["Totp", "BackupCode", "WebAuthn"],
        help="enable an MFA factor (repeatable)",
    )
    serve.add_argument(
        "--mfa-policy",
        default="UserControlled",
        choices=[
            "UserControlled",
            "PromptAtSignInAndSignUp",
            "PromptOnlyAtSignIn",
            "Mandatory",
            "NoPrompt",
        ],
        help="the MFA policy, answered as Logto 1.42 does (default: %(default)s)",
    )
    serve.add_argument(
        "--app",
        action="append",
        default=[],
        type=_app,
        metavar="ID=REDIRECT_URI",
        help="register a first-party application and redirect URI (repeatable; a /path is "
        "under the endpoint; default: demo-app=/demo-app)",
    )
    serve.add_argument(
        "--third-party-app",
        action="append",
        default=[],
        type=_app,
        metavar="ID=REDIRECT_URI",
        help="register a third-party application (it gets a consent page; repeatable)",
    )
    serve.add_argument(
        "--app-secret",
        action="append",
        default=[],
        type=_app_secret,
        metavar="ID=SECRET",
        help="make a registered app confidential (a web app authenticating with this secret "
        "at the token endpoint; repeatable)",
    )
    serve.add_argument(
        "--m2m-app",
        action="append",
        default=[],
        type=_m2m_app,
        metavar="ID=SECRET",
        help="register a machine-to-machine app with the Management API role (repeatable; "
        "ID:SECRET works too; without it, m2m-app has a random secret that is never shown)",
    )
    for name, form in _SECRET_OPTIONS.items():
        serve.add_argument(
            f"--{name}-env",
            action="append",
            default=[],
            metavar="VAR",
            help=f"as --{name}, its {form} read from environment variable VAR (repeatable; "
            "not visible in the process list)",
        )
    serve.add_argument(
        "--secrets-file",
        metavar="FILE",
        help="read more secrets from FILE, one per line: "
        + ", ".join(f"'{name} {form}'" for name, form in _SECRET_OPTIONS.items()),
    )
    serve.add_argument(
        "--endpoint",
        metavar="URL",
        help="public URL used in every absolute URL the server emits (default: the URL each "
        "request came in on)",
    )
    serve.add_argument(
        "--sign-in-mode",
        choices=["SignInAndRegister", "SignIn", "Register"],
        default="SignInAndRegister",
        help="which interaction events the sign-in experience allows (default: %(default)s)",
    )
    add_access_options(serve)
    add_spec_option(serve)
    add_verbosity(serve)
    serve.set_defaults(func=run_serve)

    demo = subparsers.add_parser(
        "demo",
        help="run the demo flows against the embedded server",
        description="Start the embedded server on a loopback port and drive Register, SignIn, "
        "a wrong password, TOTP binding and ForgotPassword through the dynamic client, printing "
        "one line per call; each sign-in ends with verified tokens (subject and expiry are "
        "printed, never a token). Exits 0 only if every step behaved as expected.",
    )
    add_verbosity(demo)
    demo.set_defaults(func=run_demo)


def run_serve(args: argparse.Namespace) -> int:
    """Serve the embedded server until SIGINT/SIGTERM."""
    require_extras("server")
    from logto_dynamic.testing import ExperienceServer, LogtoTestServer, SignInExperience
    from logto_dynamic.testing.oidc._apps import build_apps
    from logto_dynamic.testing.oidc._m2m import parse_m2m_app

    level = configure_logging(args, logging.INFO).level
    _add_secrets(args)
    settings = SignInExperience(
        sign_in_mode=args.sign_in_mode,
        mfa_factors=tuple(args.mfa_factor),
        mfa_policy=args.mfa_policy,
        seed_users=tuple(args.seed_user),
    )
    try:
        apps = build_apps(args.app, args.third_party_app, args.app_secret)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    m2m_apps = [parse_m2m_app(text) for text in args.m2m_app] or None
    spec = load_spec_source(args.spec, timeout=args.spec_timeout)
    sock = bind_address(args.host, args.port)
    app = ExperienceServer(
        settings, spec=spec, apps=apps, endpoint=args.endpoint, m2m_apps=m2m_apps
    )
    arrange_access(LogtoTestServer(app, url_of(sock)), args)
    print(
        f"embedded Logto experience server on {url_of(sock)} "
        f"({len(settings.seed_users)} seeded user(s)); Ctrl+C stops it",
        file=sys.stderr,
        flush=True,
    )
    if m2m_apps is None:  # its random secret is never printed: name your own app to use it
        print(
            "the Management API needs a machine-to-machine app: --m2m-app ID=SECRET",
            file=sys.stderr,
            flush=True,
        )
    serve_forever(app, sock, lifespan="off", log_level=level, access_log=level <= logging.INFO)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo flows; 0 only if every one behaved as expected."""
    require_extras("proxy", "server")
    from logto_dynamic.testing.demo._main import run_demo as demo

    configure_logging(args, logging.WARNING)
    return demo()
