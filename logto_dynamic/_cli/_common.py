"""What every command shares: exit codes, errors on stderr, ``--spec``, ``-v/-q``, addresses.

Commands raise :class:`UsageError` (exit 2) or :class:`CommandFailed` (exit 1); ``main``
prints the message as one line on stderr. Nothing here imports more than the standard
library until a command asks for a document.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from logto_dynamic._spec import Spec

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "SPEC_HELP",
    "CommandFailed",
    "UsageError",
    "add_address",
    "add_spec_option",
    "add_spec_timeout",
    "add_verbosity",
    "bind_address",
    "configure_logging",
    "error",
    "group_pairs",
    "load_document",
    "load_spec_source",
    "logging_restored",
    "require_extras",
    "serve_forever",
    "spec_source",
    "url_of",
]

PROG = "logto-dynamic"
EXIT_OK = 0
EXIT_FAILED = 1  # the operation failed (API error, violations found, transport error)
EXIT_USAGE = 2  # bad arguments, a bad --spec, an unknown operation

SPEC_HELP = (
    "the OpenAPI document: 'bundled' or 'logto-1.42' (the default), 'logto-1.22', "
    "'logto-management-1.42', 'logto-account-1.42', a file path (JSON/YAML), a document URL "
    "or a server's base URL"
)


class UsageError(Exception):
    """Bad input from the user: printed as one line on stderr, exit code 2."""


def require_extras(*extras: str) -> None:
    """A usage error (one line, exit 2) naming the pip command when an extra is missing."""
    from logto_dynamic._config import missing_extra

    message = missing_extra("this command", *extras)
    if message is not None:
        raise UsageError(message)


class CommandFailed(Exception):
    """The command ran but what it did failed: printed as one line on stderr, exit code 1."""


def group_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """``[(name, value), ...]`` as a JSON object: a repeated name gets a list, in order."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def error(command: str | None, message: str) -> None:
    """Print ``logto-dynamic COMMAND: error: MESSAGE`` on stderr, on one line."""
    where = f"{PROG} {command}" if command else PROG
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{where}: error: {text}", file=sys.stderr)


BASE_URL_ENV = "LOGTO_DYNAMIC_BASE_URL"


def add_base_url(parser: argparse.ArgumentParser) -> None:
    """``--base-url URL`` (default: ``$LOGTO_DYNAMIC_BASE_URL``)."""
    parser.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help=f"the Logto server (default: ${BASE_URL_ENV})",
    )


def base_url_of(args: argparse.Namespace) -> str:
    """The ``--base-url`` given or from the environment; a missing or bad one is a usage error."""
    base_url: str | None = args.base_url or os.environ.get(BASE_URL_ENV)
    if not base_url:
        raise UsageError(f"no server: pass --base-url URL or set {BASE_URL_ENV}")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the base URL must be an http(s) URL, not {base_url!r}")
    return base_url


def add_spec_option(parser: argparse.ArgumentParser) -> None:
    """``--spec SPEC`` (a bundled name, a path or a URL) and ``--spec-timeout``."""
    parser.add_argument("--spec", default=None, metavar="SPEC", help=SPEC_HELP)
    add_spec_timeout(parser)


def add_spec_timeout(parser: argparse.ArgumentParser) -> None:
    """``--spec-timeout SECONDS``: how long a document fetch may take."""
    parser.add_argument(
        "--spec-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long fetching a document may take (default: 30; servers build large ones slowly)",
    )


def spec_source(value: str | None) -> str | None:
    """``None``/``"bundled"`` mean the default bundled document; anything else is a bundled
    name, a path or a URL."""
    return None if value in (None, "", "bundled") else value


def load_spec_source(
    value: str | None, *, normalize: bool = True, timeout: float | None = None
) -> Spec:
    """Load ``--spec``; a document that cannot be read or used is a :class:`UsageError`.

    ``timeout`` (``--spec-timeout``) bounds a fetch; None keeps the loader's default.
    """
    from logto_dynamic._document._load import FETCH_TIMEOUT
    from logto_dynamic._exceptions import SpecError
    from logto_dynamic._spec import load_spec

    seconds = FETCH_TIMEOUT if timeout is None else timeout
    try:
        return load_spec(spec_source(value), normalize=normalize, timeout=seconds)
    except SpecError as exc:
        raise UsageError(str(exc)) from None


def load_document(value: str | None, *, timeout: float | None = None) -> dict[str, Any]:
    """Read a document as published (no normalisation): bundled, a path or a URL."""
    from logto_dynamic._document._load import (
        FETCH_TIMEOUT,
        bundled_name,
        bundled_spec_path,
        fetch_document,
        is_url,
        read_document,
    )
    from logto_dynamic._exceptions import SpecError

    try:
        name = bundled_name(value)
        if name is not None:
            return read_document(bundled_spec_path(name))
        assert value is not None
        if is_url(value):
            return fetch_document(value, timeout=FETCH_TIMEOUT if timeout is None else timeout)
        return read_document(value)
    except SpecError as exc:
        raise UsageError(str(exc)) from None


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    """``-v`` (more, repeatable) and ``-q`` (less, repeatable) for the log level."""
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (repeatable)")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="log less (repeatable)")


_LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``configure_logging`` installs (one at a time) on the root logger."""


def configure_logging(args: argparse.Namespace, default: int = logging.WARNING) -> _Stderr:
    """Send logs to stderr at ``default`` moved by ``-v``/``-q``; returns the handler.

    The handler's ``level`` is the level chosen; filters added to it apply to every line.
    """
    step = int(getattr(args, "quiet", 0)) - int(getattr(args, "verbose", 0))
    index = min(max(_LEVELS.index(default) + step, 0), len(_LEVELS) - 1)
    level = _LEVELS[index]
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(old)
    handler = _Stderr(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs one line per request at INFO: only worth seeing at DEBUG.
    logging.getLogger("httpx").setLevel(
        logging.DEBUG if level <= logging.DEBUG else max(level, logging.WARNING)
    )
    return handler


@contextlib.contextmanager
def logging_restored() -> Iterator[None]:
    """Undo :func:`configure_logging` when a command ends (``main`` may run in-process)."""
    root, quiet = logging.getLogger(), logging.getLogger("httpx")
    levels = root.level, quiet.level
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
            root.removeHandler(handler)
        root.setLevel(levels[0])
        quiet.setLevel(levels[1])


def add_address(parser: argparse.ArgumentParser, *, port: int) -> None:
    """``--host`` and ``--port`` (``--port 0`` picks a free port, printed at start-up)."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=port,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )


def bind_address(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a port that cannot be bound is a usage error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP (not 0) lets asyncio turn TCP_NODELAY on for accepted connections.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections queue from now on, so the printed URL works at once
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve_forever(
    app: Any,
    sock: socket.socket,
    *,
    lifespan: Literal["on", "off"],
    log_level: int,
    access_log: bool,
) -> None:
    """Run ``app`` under uvicorn on ``sock`` until SIGINT/SIGTERM."""
    import uvicorn

    uv_level = "info" if log_level <= logging.INFO else "warning"
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        log_level=uv_level,
        access_log=access_log,
        timeout_graceful_shutdown=5,
    )
    from logto_dynamic._proxy._log import redact_access_log

    redact_access_log()  # query values (codes, states, e-mail addresses) stay out of the log
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
