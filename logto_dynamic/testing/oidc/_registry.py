"""Registering applications on a running embedded server: OIDC apps and M2M apps.

A mixin of :class:`~logto_dynamic.testing.ExperienceServer`, kept apart so the server's
class stays the wiring of its rooms.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._apps import OidcApp
from ._m2m import ClientCredentials, M2MApp

__all__ = ["AppRegistry"]


class AppRegistry:
    """``add_app`` and ``add_m2m_app`` over the server's ``apps`` and ``m2m``."""

    apps: dict[str, OidcApp]
    m2m: ClientCredentials

    def add_app(
        self,
        app_id: str,
        redirect_uri: str,
        *,
        third_party: bool = False,
        secret: str | None = None,
        post_logout_redirect_uris: Iterable[str] = (),
    ) -> OidcApp:
        """Register an application (``redirect_uri`` may be ``/relative`` to the endpoint).

        With ``secret`` it is a confidential (``Traditional``) app that authenticates at the
        token and revocation endpoints.
        """
        app = OidcApp(
            app_id,
            (redirect_uri,),
            third_party=third_party,
            secret=secret,
            post_logout_redirect_uris=tuple(post_logout_redirect_uris),
        )
        self.apps[app_id] = app
        return app

    def add_m2m_app(self, app_id: str, secret: str | None = None) -> M2MApp:
        """Register a machine-to-machine app with the Management API role (a random secret
        unless one is given); read the secret from ``app.secret``."""
        app = M2MApp(app_id, secret) if secret is not None else M2MApp(app_id)
        return self.m2m.register(app)
