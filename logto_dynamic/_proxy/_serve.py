"""Running the proxy: uvicorn (uvloop + httptools), ``--workers``, metrics and the drain.

``--workers N`` is uvicorn's own process manager on one listening socket: each worker
builds its proxy with :func:`create_app` from the settings the parent put in the
environment. On SIGTERM uvicorn stops accepting, lets the exchanges in flight finish for up
to ``grace`` seconds, then runs the lifespan shutdown, which runs the pending checks,
closes the upstream pool and flushes the exchange log; the process then exits 0.
"""

from __future__ import annotations

import atexit
import gc
import inspect
import json
import math
import os
import shutil
import signal
import socket
import sys
import tempfile
from typing import Any

from logto_dynamic._proxy._app import ValidatingProxy

__all__ = ["SETTINGS_ENV", "create_app", "serve", "settle"]

#: The parent hands each worker the proxy's keyword arguments as JSON in this variable.
SETTINGS_ENV = "LOGTO_DYNAMIC_PROXY_SETTINGS"
_MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def create_app() -> ValidatingProxy:
    """The uvicorn factory of a worker: its proxy, from :data:`SETTINGS_ENV`."""
    settings: dict[str, Any] = json.loads(os.environ[SETTINGS_ENV])
    upstream = settings.pop("upstream")
    proxy = ValidatingProxy(upstream, **settings)
    from logto_dynamic._proxy._log import redact_access_log
    from logto_dynamic._proxy._protocol import quiet_cut_offs

    quiet_cut_offs()
    redact_access_log()
    settle()
    return proxy


def settle() -> None:
    """Take everything built so far (document, compiled validators) out of the GC's scans.

    Once the proxy is built, these objects live as long as the process; left to the
    collector, each full collection walks them all again (a 19 ms pause under load on the
    bench machine). Called only where this module owns the process (the command's server
    and its workers), never by the library.
    """
    gc.collect()
    gc.freeze()


def _loop() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:  # not built for this platform: the standard loop is correct, slower
        return "asyncio"
    return "uvloop"


def serve(
    proxy: ValidatingProxy,
    settings: dict[str, Any],
    sock: socket.socket,
    *,
    workers: int = 1,
    grace: float = 30.0,
    metrics: tuple[str, int] | None = None,
    log_level: str = "warning",
    access_log: bool = False,
    limits: dict[str, Any] | None = None,
) -> None:
    """Serve on ``sock`` until SIGTERM or SIGINT.

    One worker serves ``proxy`` itself; N workers each build one from ``settings``
    (``upstream`` plus JSON-ready keyword arguments, ``spec`` as a path or URL).
    ``limits``: the connection limits, keyword arguments of
    :func:`~._protocol.server_options` (their defaults when absent).
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from logto_dynamic._proxy._log import redact_access_log
    from logto_dynamic._proxy._protocol import quiet_cut_offs, server_options

    if metrics is not None:
        from logto_dynamic._proxy._metrics import serve_metrics

        if workers > 1 and not os.environ.get(_MULTIPROC_ENV):
            folder = tempfile.mkdtemp(prefix="logto-dynamic-metrics-")
            os.environ[_MULTIPROC_ENV] = folder
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        bound = serve_metrics(*metrics, multiprocess=workers > 1)
        where = f"[{metrics[0]}]" if ":" in metrics[0] else metrics[0]
        print(f"metrics on http://{where}:{bound}/metrics", file=sys.stderr, flush=True)
    options: dict[str, Any] = {
        "loop": _loop(),
        "lifespan": "on",
        "timeout_graceful_shutdown": math.ceil(grace),
        "log_level": log_level,
        "access_log": access_log,
        "server_header": False,
        "date_header": False,  # the upstream's own are relayed
        "proxy_headers": False,  # clients' X-Forwarded-* are relayed, never trusted here
        **server_options(**(limits or {})),
    }
    # uvicorn re-raises the signal it stopped on once it is done: a handler of our own
    # turns SIGTERM (a supervisor's stop, after the drain) into a normal exit 0.
    signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        if workers == 1:
            settle()
            config = uvicorn.Config(proxy, **options)
            quiet_cut_offs()  # after the Config: it sets up uvicorn's loggers
            redact_access_log()
            uvicorn.Server(config).run(sockets=[sock])
            return
        os.environ[SETTINGS_ENV] = json.dumps(settings)
        config = uvicorn.Config(
            "logto_dynamic._proxy._serve:create_app", factory=True, workers=workers, **options
        )
        supervisor: Any = Multiprocess
        if "target" in inspect.signature(supervisor).parameters:  # older uvicorn releases
            supervisor(config, target=uvicorn.Server(config).run, sockets=[sock]).run()
        else:
            supervisor(config, sockets=[sock]).run()
    finally:
        sock.close()
