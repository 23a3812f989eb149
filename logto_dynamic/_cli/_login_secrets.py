"""Where a sign-in's secrets come from and go to, for ``login`` and ``register``.

Passwords: a terminal prompt or ``--password-stdin``; MFA codes: ``--totp-secret-env``,
``--backup-code-env`` or a prompt; verification codes: a prompt, ``--code-env`` or
``--code-stdin``; the secrets of bound factors: ``--mfa-secrets-output`` (mode 0600, replaced
whole) or the token payload. Nothing here prints a secret.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from logto_dynamic._cli._common import UsageError

if TYPE_CHECKING:
    from logto_dynamic._signin._flows import Registration

__all__ = [
    "code_source",
    "mfa_answer",
    "mfa_secrets",
    "needs_secret_output",
    "read_password",
    "secret_from_env",
]


def needs_secret_output(args: argparse.Namespace) -> None:
    if args.bind_mfa and not (args.json or args.output or args.mfa_secrets_output):
        raise UsageError(
            "--bind-mfa needs --mfa-secrets-output FILE (or --json/--output): the secrets "
            "of what it binds are shown only there"
        )


def _write_private(path: str, text: str) -> None:
    """``text`` to ``path``, mode 0600: a new file beside it, renamed over it (atomic; a
    symlink at ``path`` is replaced, never followed)."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".logto-dynamic-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def mfa_secrets(args: argparse.Namespace, payload: dict[str, Any], done: Registration) -> None:
    """The bound factors' secrets: in the token payload (--json/--output) and, with
    --mfa-secrets-output, in their own file."""
    if not (done.totp_secret or done.backup_codes):
        return
    secrets = {"totp_secret": done.totp_secret, "backup_codes": list(done.backup_codes)}
    payload.update(secrets)
    if args.mfa_secrets_output:
        _write_private(args.mfa_secrets_output, json.dumps(secrets, indent=2) + "\n")


def _prompt_secret(label: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(f"no terminal to ask for the {label}")
    return getpass.getpass(f"{label}: ")


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageError("--password-stdin: stdin held no password")
        return line
    try:
        return _prompt_secret("password")
    except UsageError:
        raise UsageError("no terminal to prompt for the password: use --password-stdin") from None


def mfa_answer(args: argparse.Namespace) -> Callable[[tuple[str, ...]], tuple[str, str]]:
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


def code_source(args: argparse.Namespace) -> Callable[[dict[str, str]], str]:
    """Where ``register`` gets the verification code once it has been sent."""

    def answer(identifier: dict[str, str]) -> str:
        if args.code_env:
            return (secret_from_env("--code-env", args.code_env) or "").strip()
        if args.code_stdin:
            print(f"code sent to {identifier['value']}: reading it from stdin", file=sys.stderr)
            sys.stderr.flush()
            line = sys.stdin.readline().strip()
            if not line:
                raise UsageError("--code-stdin: stdin ended before the code")
            return line
        if not sys.stdin.isatty():
            raise UsageError(
                f"no terminal to ask for the code sent to the {identifier['type']}: "
                "use --code-env VAR or --code-stdin"
            )
        return input(f"code sent to {identifier['value']}: ").strip()

    return answer


def secret_from_env(option: str, variable: str | None) -> str | None:
    """The secret held by environment variable ``variable`` (None when not asked for)."""
    if variable is None:
        return None
    secret = os.environ.get(variable)
    if not secret:
        raise UsageError(f"{option}: ${variable} is not set")
    return secret
