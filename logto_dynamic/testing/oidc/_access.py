"""API resources, roles and organizations, and the JWT access tokens issued for them.

As on Logto 1.42: an API resource (an indicator and its scopes) gets an ES384 JWT access
token (header ``typ: at+jwt``) whose ``scope`` holds only the requested scopes the user's
roles grant for that resource; an unknown indicator is ``invalid_target``. An organization
token (``organization_id`` on the refresh-token grant, scope
``urn:logto:scope:organizations`` granted) has ``aud`` ``urn:logto:organization:<id>`` and
is for members only (``403 access_denied``).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from .._errors import LogtoError, oidc_error
from .._grants import ACCESS_TOKEN_TTL, Grant
from ._keys import SigningKey

__all__ = ["ORGANIZATIONS_SCOPE", "AccessDirectory", "Role", "organization_urn"]

ORGANIZATIONS_SCOPE = "urn:logto:scope:organizations"
ROLES_SCOPE = "roles"


def organization_urn(organization_id: str) -> str:
    """The audience of an organization token."""
    return f"urn:logto:organization:{organization_id}"


@dataclass(frozen=True)
class Role:
    """A user role: a name and the ``(indicator, scope)`` pairs it grants."""

    name: str
    scopes: frozenset[tuple[str, str]]


@dataclass
class AccessDirectory:
    """Resources (indicator -> scopes), users' roles and organizations' members."""

    resources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    roles: dict[str, list[Role]] = field(default_factory=dict)
    organizations: dict[str, set[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_resource(self, indicator: str, scopes: tuple[str, ...]) -> None:
        """Register (or replace) an API resource and its scopes."""
        if not indicator:
            raise ValueError("a resource needs an indicator")
        self.resources[indicator] = tuple(dict.fromkeys(scopes))

    def add_role(
        self, user_id: str, scopes: tuple[str, ...], *, resource: str | None, name: str
    ) -> Role:
        """Give ``user_id`` a role granting ``scopes`` (of ``resource``, else of every
        resource that defines them). A scope no resource defines is a ``ValueError``."""
        pairs: set[tuple[str, str]] = set()
        indicators = [resource] if resource is not None else list(self.resources)
        for scope in scopes:
            found = [(i, scope) for i in indicators if scope in self.resources.get(i, ())]
            if not found:
                where = f"resource {resource!r}" if resource is not None else "any resource"
                raise ValueError(f"scope {scope!r} is not defined by {where}")
            pairs.update(found)
        role = Role(name, frozenset(pairs))
        with self._lock:
            self.roles.setdefault(user_id, []).append(role)
        return role

    def add_organization(self, organization_id: str, members: tuple[str, ...]) -> None:
        """Create (or extend) an organization with these member user ids."""
        with self._lock:
            self.organizations.setdefault(organization_id, set()).update(members)

    def user_scopes(self, user_id: str, indicator: str) -> set[str]:
        """The scopes of ``indicator`` the user's roles grant."""
        return {s for role in self.roles.get(user_id, ()) for i, s in role.scopes if i == indicator}

    def claims(self, user_id: str, scopes: tuple[str, ...]) -> dict[str, Any]:
        """The extra userinfo claims: ``roles`` and ``organizations`` by scope."""
        claims: dict[str, Any] = {}
        if ROLES_SCOPE in scopes:
            claims["roles"] = sorted({role.name for role in self.roles.get(user_id, ())})
        if ORGANIZATIONS_SCOPE in scopes:
            claims["organizations"] = sorted(
                org for org, members in self.organizations.items() if user_id in members
            )
        return claims

    def check_organization(self, grant: Grant, organization_id: str) -> None:
        """The refresh grant must carry the organizations scope and the user be a member."""
        if ORGANIZATIONS_SCOPE not in grant.scopes:
            raise _forbidden("insufficient_scope", "refresh token missing required scope")
        if grant.user_id not in self.organizations.get(organization_id, set()):
            raise _forbidden("access_denied", "user is not a member of the organization")

    def access_token(
        self,
        key: SigningKey,
        grant: Grant,
        *,
        issuer: str,
        now: int,
        resource: str | None,
        organization_id: str | None,
    ) -> str:
        """An ES384 ``at+jwt`` for a resource or an organization."""
        if organization_id is not None and resource is None:
            audience = organization_urn(organization_id)
            granted: set[str] = set()  # organization roles are not modelled: no scopes
        else:
            audience = str(resource)
            granted = set() if organization_id else self.user_scopes(grant.user_id, audience)
        claims = {
            "jti": secrets.token_urlsafe(16),
            "sub": grant.user_id,
            "iat": now,
            "exp": now + ACCESS_TOKEN_TTL,
            "scope": " ".join(s for s in grant.scopes if s in granted),
            "client_id": grant.app_id,
            "iss": issuer,
            "aud": audience,
        }
        return key.sign(claims, typ="at+jwt")


def _forbidden(error: str, description: str) -> LogtoError:
    return oidc_error(403, error, description)
