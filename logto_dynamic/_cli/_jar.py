"""The ``--cookie-jar FILE`` of ``call``: Mozilla/Netscape ``cookies.txt``, mode 0600.

The file is read before a call and written after it, session cookies included, so one
interaction (Logto's six OIDC cookies) carries across commands. It is the format of
``http.cookiejar.MozillaCookieJar`` and of ``curl -c/-b``.

One difference is bridged: for a host name without a dot (``localhost``), curl writes the
domain as it is, while the standard library matches it as ``localhost.local`` (RFC 2965's
effective host name) and so would neither send curl's cookies nor write ones curl sends.
Read, such a domain gets ``.local``; written, the server's dotless host loses it again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from http.cookiejar import LoadError, MozillaCookieJar
from pathlib import Path

from logto_dynamic._cli._common import CommandFailed, UsageError

__all__ = ["load_jar", "save_jar"]


def load_jar(path: str | None) -> MozillaCookieJar:
    """The cookies of ``path`` (an empty jar when there is no such file yet)."""
    jar = MozillaCookieJar()
    if path is None or not os.path.exists(path):
        return jar
    try:
        jar.load(path, ignore_discard=True, ignore_expires=True)
    except LoadError:  # its message quotes the offending line, cookie value and all
        raise UsageError(
            f"cannot read cookie jar {path!r}: not a Netscape/Mozilla cookies.txt file"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read cookie jar {path!r}: {exc.strerror or exc}") from None
    _rename(jar, lambda domain: domain + ".local" if _dotless(domain) else domain)
    return jar


def _dotless(domain: str) -> bool:
    return bool(domain) and "." not in domain


def _rename(jar: MozillaCookieJar, rename: Callable[[str], str]) -> None:
    """Change the domain of each cookie (the jar indexes cookies by domain: re-add them all)."""
    cookies = list(jar)
    jar.clear()
    for cookie in cookies:
        cookie.domain = rename(cookie.domain)
        jar.set_cookie(cookie)


def save_jar(jar: MozillaCookieJar, path: str, *, host: str | None = None) -> None:
    """Write ``jar`` to ``path``, replacing it atomically; the file is never readable by others.

    The new content goes to a temporary file that ``mkstemp`` creates with mode 0600 in
    the same folder, which then replaces ``path``. When ``host`` (the server's) has no dot,
    its cookies are written under its own name, as curl writes them.
    """
    if host and _dotless(host):
        local = host.lower() + ".local"
        _rename(jar, lambda domain: host.lower() if domain == local else domain)
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as exc:
        raise CommandFailed(f"cannot write cookie jar {path!r}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        jar.save(tmp, ignore_discard=True, ignore_expires=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise CommandFailed(f"cannot write cookie jar {path!r}: {exc.strerror or exc}") from None
