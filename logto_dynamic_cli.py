"""The ``logto-dynamic`` console script: Ctrl+C at any moment of start-up exits 130, quietly.

Importing :mod:`logto_dynamic` takes a noticeable moment (httpx, jsonschema ...), and a
Ctrl+C in it would print a traceback from inside the import. This module imports nothing of
the package until its :func:`main` runs, so it can catch that interrupt too; everything else
is :func:`logto_dynamic._cli.main`. It is the console script's entry point and nothing else:
importing it sets how SIGINT ends the process until :func:`main` runs.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _exit_130(signum: int, frame: FrameType | None) -> None:  # pragma: no cover - timing
    """Ctrl+C between this import and :func:`main` (the script's own lines): nothing has
    been done yet, so end at once, as an interrupted command does."""
    os._exit(130)


# SIGINT ignored (``nohup``) stays ignored; the default becomes a quiet exit until main().
if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _exit_130)


def main() -> int:
    """Import the command line and run it; 130 when interrupted while importing."""
    if signal.getsignal(signal.SIGINT) is _exit_130:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        from logto_dynamic._cli import main as run
    except KeyboardInterrupt:
        return 130
    return run()


if __name__ == "__main__":  # pragma: no cover - `python logto_dynamic_cli.py ...`
    sys.exit(main())
