"""The ``logto-dynamic`` command line.

Each feature module contributes its own sub-commands through a ``register(subparsers)``
function, so this module stays small and nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

# Modules that add sub-commands. Each defines ``register(subparsers) -> None`` and keeps its
# heavy imports (uvicorn, openapi-core, ...) inside the command functions.
_COMMAND_MODULES = (
    "logto_dynamic._cli_ops",
    "logto_dynamic.testing._cli",
    "logto_dynamic._cli_traffic",
    "logto_dynamic._cli_spec",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="logto-dynamic",
        description="A dynamic, validating client for the Logto Experience API.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a feature that is not part of this build
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code = func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `logto-dynamic ops | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
