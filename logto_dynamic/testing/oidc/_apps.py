"""The OIDC applications the embedded server knows: client ids and their redirect URIs."""

from __future__ import annotations

import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "DEFAULT_APPS",
    "AppSecret",
    "OidcApp",
    "accepts_secret",
    "build_apps",
    "parse_app",
    "parse_secret",
]

AppType = Literal["SPA", "Native", "Traditional"]


@dataclass(frozen=True)
class AppSecret:
    """One more named secret of an app (``CreateApplicationSecret``); ``expires_at`` in ms."""

    name: str
    value: str = field(repr=False)
    created_at: int
    expires_at: int | None = None


def accepts_secret(primary: str | None, extra: Sequence[AppSecret], given: str) -> bool:
    """Whether ``given`` is the primary secret or an unexpired extra one (constant time)."""
    now = int(time.time() * 1000)
    candidates = [primary] if primary is not None else []
    candidates += [s.value for s in extra if s.expires_at is None or s.expires_at > now]
    found = False
    for candidate in candidates:  # compare with all of them: no early exit
        found |= hmac.compare_digest(candidate.encode(), given.encode())
    return found


@dataclass(frozen=True)
class OidcApp:
    """A registered application: a public SPA/native client (PKCE, no secret), or a
    confidential ``Traditional`` web app when it has a ``secret`` (``client_secret_basic`` or
    ``client_secret_post`` at the token endpoint; PKCE optional). ``repr`` never shows it.

    A redirect URI that starts with ``/`` is relative to the server's endpoint, so the
    default ``demo-app`` accepts ``{endpoint}/demo-app`` whatever port the server got.
    Third-party apps get a real consent page instead of the automatic first-party consent.

    >>> app = OidcApp("demo-app", ("/demo-app",))
    >>> app.allows("http://127.0.0.1:3001/demo-app", endpoint="http://127.0.0.1:3001")
    True
    """

    id: str
    redirect_uris: tuple[str, ...]
    third_party: bool = False
    secret: str | None = field(default=None, repr=False)
    post_logout_redirect_uris: tuple[str, ...] = field(default=(), repr=False)
    #: What the Management API shows: the name (the id when None), the type (None: a
    #: ``Traditional`` app with a secret, else ``SPA``), description and creation time (ms).
    name: str | None = field(default=None, repr=False)
    app_type: AppType | None = field(default=None, repr=False)
    description: str | None = field(default=None, repr=False)
    created_at: int = field(default_factory=lambda: int(time.time() * 1000), repr=False)
    extra_secrets: tuple[AppSecret, ...] = field(default=(), repr=False)

    @property
    def type(self) -> AppType:
        """``SPA``, ``Native`` or ``Traditional``."""
        if self.app_type is not None:
            return self.app_type
        return "Traditional" if self.secret is not None else "SPA"

    def accepts(self, secret: str) -> bool:
        """Whether ``secret`` is one of this confidential app's secrets."""
        return accepts_secret(self.secret, self.extra_secrets, secret)

    def resolved(self, endpoint: str) -> tuple[str, ...]:
        """The redirect URIs with the relative ones put under ``endpoint``."""
        return tuple(endpoint + uri if uri.startswith("/") else uri for uri in self.redirect_uris)

    def allows(self, redirect_uri: str, *, endpoint: str) -> bool:
        """Whether ``redirect_uri`` is registered (exact match, as Logto compares them)."""
        return redirect_uri in self.resolved(endpoint)

    def allows_post_logout(self, uri: str, *, endpoint: str) -> bool:
        """Whether ``uri`` is a registered post-logout redirect URI (exact match)."""
        resolved = (
            endpoint + u if u.startswith("/") else u for u in self.post_logout_redirect_uris
        )
        return uri in tuple(resolved)

    @property
    def confidential(self) -> bool:
        """Whether the app authenticates with a secret at the token endpoint."""
        return self.secret is not None


# Like Logto's built-in demo app, its redirect URI is also its post-logout redirect URI.
DEFAULT_APPS = (OidcApp("demo-app", ("/demo-app",), post_logout_redirect_uris=("/demo-app",)),)


def parse_app(text: str, *, third_party: bool = False) -> OidcApp:
    """``ID=REDIRECT_URI`` (the ``serve --app`` syntax) as an :class:`OidcApp`.

    >>> parse_app("my-spa=http://localhost:5173/callback")
    OidcApp(id='my-spa', redirect_uris=('http://localhost:5173/callback',), third_party=False)
    """
    app_id, sep, redirect_uri = text.partition("=")
    app_id, redirect_uri = app_id.strip(), redirect_uri.strip()
    if not sep or not app_id or not redirect_uri:
        raise ValueError(f"expected ID=REDIRECT_URI, got {text!r}")
    if not (redirect_uri.startswith(("http://", "https://", "/")) or ":" in redirect_uri):
        raise ValueError(f"redirect URI {redirect_uri!r} is neither absolute nor /relative")
    return OidcApp(app_id, (redirect_uri,), third_party=third_party)


def parse_secret(text: str) -> tuple[str, str]:
    """``ID=SECRET`` (the ``serve --app-secret`` syntax) as ``(app_id, secret)``."""
    app_id, sep, secret = text.partition("=")
    if not sep or not app_id.strip() or not secret:
        raise ValueError("expected ID=SECRET")
    return app_id.strip(), secret


def build_apps(
    first_party: Sequence[str],
    third_party: Sequence[str] = (),
    secrets: Sequence[str] = (),
) -> tuple[OidcApp, ...]:
    """Apps from ``ID=REDIRECT_URI`` texts (``serve --app`` / ``--third-party-app``).

    The default ``demo-app`` stays unless an option names it; repeating an id adds
    redirect URIs to that app. ``secrets`` (``ID=SECRET``, ``serve --app-secret``) make
    named apps confidential. Raises ``ValueError`` on a malformed text or an unknown id.
    """
    apps: dict[str, OidcApp] = {app.id: app for app in DEFAULT_APPS}
    named: set[str] = set()
    for texts, third in ((first_party, False), (third_party, True)):
        for text in texts:
            app = parse_app(text, third_party=third)
            if app.id in named:
                known = apps[app.id]
                app = OidcApp(app.id, known.redirect_uris + app.redirect_uris, third)
            named.add(app.id)
            apps[app.id] = app
    for text in secrets:
        app_id, secret = parse_secret(text)
        if app_id not in apps:
            raise ValueError(f"--app-secret names {app_id!r}, which no --app registers")
        apps[app_id] = replace(apps[app_id], secret=secret)
    return tuple(apps.values())
