"""Running the proxy: uvicorn (uvloop + httptools), ``--workers``, metrics and the drain.

``--workers N`` is uvicorn's own process manager: N processes accept on one socket, each
builds its proxy with :func:`create_app` from the settings the parent put in the
environment. On SIGTERM (or Ctrl-C) uvicorn stops accepting, lets the exchanges in flight
finish for up to ``grace`` seconds, then runs the lifespan shutdown, which runs the pending
checks, closes the upstream pool and flushes the exchange log; the command then exits 0.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import signal
import tempfile
from typing import Any

from logto_dynamic._proxy._app import ValidatingProxy

__all__ = ["SETTINGS_ENV", "check", "create_app", "serve"]

#: The parent hands each worker the proxy's keyword arguments as JSON in this variable.
SETTINGS_ENV = "LOGTO_DYNAMIC_PROXY_SETTINGS"
_MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def create_app() -> ValidatingProxy:
    """The uvicorn factory: one proxy per worker process, from :data:`SETTINGS_ENV`."""
    settings: dict[str, Any] = json.loads(os.environ[SETTINGS_ENV])
    upstream = settings.pop("upstream")
    return ValidatingProxy(upstream, **settings)


def check(settings: dict[str, Any]) -> None:
    """Build the proxy once, so bad settings fail here (ValueError, SpecLoadError)."""
    options = {k: v for k, v in settings.items() if k != "upstream"}
    ValidatingProxy(settings["upstream"], **options).log.close()


def _loop() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:  # not built for this platform: the standard loop is correct, slower
        return "asyncio"
    return "uvloop"


def serve(settings: dict[str, Any], host: str, port: int, *, workers: int = 1,
          grace: float = 30.0, metrics: tuple[str, int] | None = None) -> None:
    """Serve the proxy described by ``settings`` (``upstream`` plus keyword arguments).

    Call :func:`check` first: a worker that cannot build its proxy only logs why.
    """
    import uvicorn

    settings = dict(settings)
    if metrics is not None:
        from logto_dynamic._proxy._metrics import serve_metrics

        if workers > 1 and not os.environ.get(_MULTIPROC_ENV):
            folder = tempfile.mkdtemp(prefix="logto-dynamic-metrics-")
            os.environ[_MULTIPROC_ENV] = folder
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        settings["metrics"] = True
        serve_metrics(*metrics, multiprocess=workers > 1)
    os.environ[SETTINGS_ENV] = json.dumps(settings)
    # uvicorn re-raises the signal it stopped on once it is done; a no-op handler here
    # turns that into a normal return (exit 0) rather than death by signal.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    uvicorn.run(
        "logto_dynamic._proxy._serve:create_app", factory=True, host=host, port=port,
        workers=workers, loop=_loop(), http="httptools", lifespan="on",
        timeout_graceful_shutdown=math.ceil(grace), log_level="warning", access_log=False,
        server_header=False, date_header=False,  # the upstream's own are relayed
        proxy_headers=False,  # X-Forwarded-* from clients are relayed, never trusted here
    )
