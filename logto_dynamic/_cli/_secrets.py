"""Secrets on the command line: never echoed, never on ``argv`` when avoidable, never written
through a link.

* :class:`Parser` is every parser of the command (sub-commands inherit it): option
  abbreviations are off (``--app-secret S`` is never taken as ``--app-secret-env S``), an
  unrecognised argument is named without its value, and every ``--*-env`` option takes an
  environment variable *name*: a value that does not look like one is refused without being
  repeated (it may be the secret itself).
* :func:`env_values` and :func:`file_values` read secrets given by variable or by file (so
  they are not visible in ``ps``).
* :func:`write_private` writes a file of secrets: a new file, mode 0600, that replaces the
  target atomically, a symbolic link at the target included (never followed).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any, NoReturn

from logto_dynamic._cli._common import CommandFailed, UsageError

__all__ = ["ENV_SUFFIX", "Parser", "env_values", "env_variable", "file_values", "write_private"]

#: Options whose name ends so take the name of an environment variable.
ENV_SUFFIX = "-env"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_UNRECOGNIZED = "unrecognized arguments: "


def env_variable(text: str) -> str:
    """An environment variable name (the argparse ``type`` of every ``--*-env`` option)."""
    if not _NAME.match(text):
        raise argparse.ArgumentTypeError(
            "expected the NAME of an environment variable; the value given is not one "
            "(it may be the secret itself, so it is not repeated here)"
        )
    return text


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` without abbreviations, for every command and sub-command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """As argparse's; every ``--*-env`` option takes a variable name (:func:`env_variable`),
        however it was added (groups and mutually exclusive groups included)."""
        for action in self._actions:
            if action.type is None and any(o.endswith(ENV_SUFFIX) for o in action.option_strings):
                action.type = env_variable
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        """Exit 2 with the usage; unrecognised arguments are named, their values never shown."""
        if message.startswith(_UNRECOGNIZED):
            words = message[len(_UNRECOGNIZED) :].split()
            options = [w.partition("=")[0] for w in words if w.startswith("-")]
            hidden = len(words) - len(options) + sum("=" in w for w in words if w[:1] == "-")
            message = _UNRECOGNIZED + (" ".join(options) or "(none)")
            if hidden:
                message += f" (and {hidden} value(s), not shown)"
        super().error(message)


def env_values(option: str, variables: list[str] | None) -> list[str]:
    """The values of the environment variables named by a repeatable ``--*-env`` option."""
    values = []
    for name in variables or ():
        value = os.environ.get(name)
        if not value:
            raise UsageError(f"{option}: ${name} is not set or empty")
        values.append(value)
    return values


def file_values(path: str | None, known: frozenset[str]) -> dict[str, list[str]]:
    """``NAME VALUE`` lines of a secrets file (``#`` comments, blank lines), by name."""
    found: dict[str, list[str]] = {name: [] for name in known}
    if path is None:
        return found
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UsageError(f"cannot read secrets file {path!r}: {reason or exc}") from None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition(" ")
        if name not in known or not value.strip():
            names = ", ".join(sorted(known))
            raise UsageError(
                f"secrets file {path!r}, line {number}: expected NAME VALUE with NAME one of "
                f"{names} (the line is not repeated here)"
            )
        found[name].append(value.strip())
    return found


def write_private(path: str, text: str) -> None:
    """Write ``text`` to ``path``: a new file (mode 0600, in the same folder) that replaces
    ``path`` atomically; a link at ``path`` is replaced, never written through."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise CommandFailed(f"cannot write {path!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:  # mkstemp: mode 0600 already
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise CommandFailed(f"cannot write {path!r}: {exc.strerror or exc}") from None
