"""What a test arranges for the token lifecycle: apps, API resources, roles, organizations,
and the machine-to-machine apps (with a Management API client for them).

A mixin of :class:`~logto_dynamic.testing.LogtoTestServer` (``logto_server``), kept apart so
the harness stays small.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._state import User
from .oidc._access import Role
from .oidc._apps import OidcApp
from .oidc._m2m import M2MApp

if TYPE_CHECKING:
    from logto_dynamic._apis._management import ManagementClient

    from ._server import ExperienceServer

__all__ = ["AccessArrangements"]


class AccessArrangements:
    """``add_app``, ``add_resource``, ``add_role``, ``add_organization``; ``m2m_app``,
    ``add_m2m_app`` and ``management()``."""

    server: ExperienceServer
    base_url: str

    @property
    def m2m_app(self) -> M2MApp:
        """The default machine-to-machine app (``.id``, ``.secret``), Management API role."""
        return next(iter(self.server.m2m.apps.values()))

    def add_m2m_app(self, app_id: str, secret: str | None = None) -> M2MApp:
        """Register another machine-to-machine app (a random secret unless given)."""
        return self.server.add_m2m_app(app_id, secret)

    def management(self, **kwargs: Any) -> ManagementClient:
        """A :class:`ManagementClient` for this server, authenticated as :attr:`m2m_app`
        (close it, or use it in a ``with`` block); keyword arguments are the client's."""
        from logto_dynamic._apis._management import ManagementClient

        app = self.m2m_app
        return ManagementClient(self.base_url, app_id=app.id, app_secret=app.secret, **kwargs)

    def add_app(
        self,
        app_id: str,
        redirect_uri: str,
        *,
        third_party: bool = False,
        secret: str | None = None,
        post_logout_redirect_uris: Iterable[str] = (),
    ) -> OidcApp:
        """Register another application (``redirect_uri`` may be ``/relative``). With
        ``secret`` it is a confidential (``Traditional``) app that must authenticate."""
        return self.server.add_app(
            app_id,
            redirect_uri,
            third_party=third_party,
            secret=secret,
            post_logout_redirect_uris=post_logout_redirect_uris,
        )

    def add_resource(self, indicator: str, scopes: Iterable[str] = ()) -> None:
        """Register an API resource and its scopes (other indicators are ``invalid_target``)."""
        self.server.directory.add_resource(indicator, tuple(scopes))

    def add_role(
        self,
        user: User | str,
        scopes: Iterable[str],
        *,
        resource: str | None = None,
        name: str | None = None,
    ) -> Role:
        """Give a user (a :class:`User` or its id) a role granting ``scopes`` of ``resource``
        (else of every resource defining them). A resource's access token carries only the
        requested scopes granted this way."""
        user_id = user if isinstance(user, str) else user.id
        label = name or f"role-{len(self.server.directory.roles_of(user_id)) + 1}"
        return self.server.directory.add_role(user_id, tuple(scopes), resource=resource, name=label)

    def add_organization(self, organization_id: str, members: Iterable[User | str] = ()) -> None:
        """Create an organization with these members (users or ids): only members get an
        organization token (``refresh_tokens(..., organization_id=...)``)."""
        ids = tuple(m if isinstance(m, str) else m.id for m in members)
        self.server.directory.add_organization(organization_id, ids)
