"""Sub-commands ``serve`` and ``demo`` of the ``logto-dynamic`` command line.

Nothing heavy is imported here: uvicorn and the client load when a command runs.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def _seed_user(text: str) -> tuple[str, str]:
    username, sep, password = text.partition(":")
    if not sep or not username or not password:
        raise argparse.ArgumentTypeError("expected USERNAME:PASSWORD")
    return username, password


def _app(text: str) -> str:
    from ._apps import parse_app

    try:
        parse_app(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``demo`` to the top-level parser's sub-commands."""
    serve = subparsers.add_parser(
        "serve",
        help="run the embedded Logto-like experience server",
        description="Run the embedded, in-memory Logto Experience API server (for tests "
        "and demos). Start an interaction with GET /oidc/auth?client_id=...&redirect_uri=..."
        "&response_type=code.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=int, default=3001, help="port (default: %(default)s)")
    serve.add_argument(
        "--seed-user", action="append", default=[], type=_seed_user, metavar="USERNAME:PASSWORD",
        help="create a user at start-up (repeatable)",
    )
    serve.add_argument(
        "--mfa-factor", action="append", default=[], choices=["Totp", "BackupCode", "WebAuthn"],
        help="enable an MFA factor (repeatable)",
    )
    serve.add_argument(
        "--mfa-policy", default="UserControlled",
        choices=["UserControlled", "PromptAtSignInAndSignUp", "PromptOnlyAtSignIn", "Mandatory",
                 "NoPrompt"],
    )
    serve.add_argument(
        "--app", action="append", default=[], type=_app, metavar="ID=REDIRECT_URI",
        help="register a first-party application and redirect URI (repeatable; a /path is "
        "under the endpoint; default: demo-app=/demo-app)",
    )
    serve.add_argument(
        "--third-party-app", action="append", default=[], type=_app, metavar="ID=REDIRECT_URI",
        help="register a third-party application (it gets a consent page; repeatable)",
    )
    serve.add_argument(
        "--endpoint", metavar="URL",
        help="public URL used in every absolute URL the server emits (default: the URL each "
        "request came in on)",
    )
    serve.add_argument("--sign-in-mode", choices=["SignInAndRegister", "SignIn", "Register"],
                       default="SignInAndRegister")
    serve.set_defaults(func=_serve)

    demo = subparsers.add_parser(
        "demo",
        help="run the demo flows against the embedded server",
        description="Start the embedded server on a loopback port and drive Register, SignIn, "
        "a wrong password, TOTP binding and ForgotPassword through the dynamic client, printing "
        "one line per call; each sign-in ends with verified tokens (subject and expiry are "
        "printed, never a token). Exits 0 only if every step behaved as expected.",
    )
    demo.set_defaults(func=_demo)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ._apps import build_apps
    from ._server import ExperienceServer
    from ._state import SignInExperience

    settings = SignInExperience(
        sign_in_mode=args.sign_in_mode,
        mfa_factors=tuple(args.mfa_factor),
        mfa_policy=args.mfa_policy,
        seed_users=tuple(args.seed_user),
    )
    apps = build_apps(args.app, args.third_party_app)
    app = ExperienceServer(settings, apps=apps, endpoint=args.endpoint)
    print(f"embedded Logto experience server on http://{args.host}:{args.port} "
          f"({len(settings.seed_users)} seeded user(s)); Ctrl+C stops it")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", lifespan="off")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo()
