"""API resources, roles and organizations: who holds which scope (what that becomes in the
tokens: ``_access_tokens``).

As on Logto 1.42: an API resource is an indicator and its scopes (an unknown indicator is
``invalid_target``); a role grants scopes to the users or machine-to-machine apps holding it;
an organization has member users.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .._grants import ACCESS_TOKEN_TTL
from ._entities import (
    MANAGEMENT_API_ROLE,
    MANAGEMENT_RESOURCE,
    ApiResource,
    Organization,
    Role,
)

__all__ = ["ORGANIZATIONS_SCOPE", "ROLES_SCOPE", "AccessDirectory", "Role", "organization_urn"]

ORGANIZATIONS_SCOPE = "urn:logto:scope:organizations"
ROLES_SCOPE = "roles"


def organization_urn(organization_id: str) -> str:
    """The audience of an organization token."""
    return f"urn:logto:organization:{organization_id}"


@dataclass
class AccessDirectory:
    """Resources and scopes, roles, who holds which role (users and machine-to-machine
    apps), organizations and their members. Seeded, as a self-hosted Logto is, with the
    Management API resource (scope ``all``) and the role granting it to M2M apps."""

    by_id: dict[str, ApiResource] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    user_roles: dict[str, set[str]] = field(default_factory=dict)  # user id -> role ids
    app_roles: dict[str, set[str]] = field(default_factory=dict)  # app id -> role ids
    organizations: dict[str, Organization] = field(default_factory=dict)
    management_role_id: str = field(default="", init=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.management_role_id = _seed_management_api(self.by_id, self.roles)

    @property
    def resources(self) -> dict[str, tuple[str, ...]]:
        """Every resource indicator and the names of its scopes."""
        return {r.indicator: tuple(s.name for s in r.scopes.values()) for r in self.by_id.values()}

    def resource(self, indicator: str) -> ApiResource | None:
        """The resource with this indicator, if any."""
        return next((r for r in self.by_id.values() if r.indicator == indicator), None)

    def add_resource(self, indicator: str, scopes: tuple[str, ...], name: str = "") -> ApiResource:
        """Register an API resource (or extend a known indicator) with these scopes."""
        if not indicator:
            raise ValueError("a resource needs an indicator")
        with self._lock:
            resource = self.resource(indicator)
            if resource is None:
                resource = ApiResource(indicator, name or indicator)
                self.by_id[resource.id] = resource
            for scope in dict.fromkeys(scopes):
                resource.add_scope(scope)
            return resource

    def token_ttl(self, indicator: str | None) -> int:
        """Seconds an access token for ``indicator`` lives (the resource's
        ``accessTokenTtl``; an opaque or organization token: the default hour)."""
        resource = self.resource(indicator) if indicator is not None else None
        return resource.access_token_ttl if resource is not None else ACCESS_TOKEN_TTL

    def scope(self, scope_id: str) -> tuple[ApiResource, str] | None:
        """The resource defining the scope ``scope_id`` and the scope's name."""
        for resource in self.by_id.values():
            if scope_id in resource.scopes:
                return resource, resource.scopes[scope_id].name
        return None

    def add_role(
        self, user_id: str, scopes: tuple[str, ...], *, resource: str | None, name: str
    ) -> Role:
        """Create a ``User`` role granting ``scopes`` (of ``resource``, else of every resource
        defining them) and give it to ``user_id``. An undefined scope is a ``ValueError``."""
        known = [self.resource(resource)] if resource is not None else list(self.by_id.values())
        scope_ids = _scope_ids([r for r in known if r is not None], scopes, resource)
        role = Role(name, name, scope_ids=scope_ids)  # Logto needs a description
        with self._lock:
            self.roles[role.id] = role
            self.user_roles.setdefault(user_id, set()).add(role.id)
        return role

    def roles_of(self, holder_id: str, *, app: bool = False) -> list[Role]:
        """The roles a user (or, with ``app``, a machine-to-machine app) holds."""
        held = (self.app_roles if app else self.user_roles).get(holder_id, set())
        return [self.roles[r] for r in held if r in self.roles]

    def delete_role(self, role_id: str) -> None:
        """Remove a role and every assignment of it."""
        with self._lock:
            self.roles.pop(role_id, None)
            for held in (*self.user_roles.values(), *self.app_roles.values()):
                held.discard(role_id)

    def delete_resource(self, resource_id: str) -> None:
        """Remove a resource; its scopes leave every role."""
        with self._lock:
            resource = self.by_id.pop(resource_id, None)
            if resource is not None:
                for role in self.roles.values():
                    role.scope_ids.difference_update(resource.scopes)

    def add_organization(self, organization_id: str, members: tuple[str, ...]) -> Organization:
        """Create (or extend) an organization with these member user ids."""
        with self._lock:
            organization = self.organizations.get(organization_id)
            if organization is None:
                organization = Organization(organization_id, id=organization_id)
                self.organizations[organization_id] = organization
            organization.members.update(members)
            return organization

    def _granted(self, roles: list[Role], indicator: str) -> set[str]:
        granted: set[str] = set()
        for role in roles:
            for scope_id in role.scope_ids:
                found = self.scope(scope_id)
                if found is not None and found[0].indicator == indicator:
                    granted.add(found[1])
        return granted

    def user_scopes(self, user_id: str, indicator: str) -> set[str]:
        """The scopes of ``indicator`` the user's roles grant."""
        return self._granted(self.roles_of(user_id), indicator)

    def app_scopes(self, app_id: str, indicator: str) -> set[str]:
        """The scopes of ``indicator`` a machine-to-machine app's roles grant."""
        return self._granted(self.roles_of(app_id, app=True), indicator)


def _seed_management_api(by_id: dict[str, ApiResource], roles: dict[str, Role]) -> str:
    """Seed, as a self-hosted Logto is, the Management API resource (scope ``all``) and the
    role granting it to M2M apps; the role's id."""
    api = ApiResource(MANAGEMENT_RESOURCE, "Logto Management API", id="management-api")
    by_id[api.id] = api
    scope = api.add_scope("all", "Default scope for Management API, allows all permissions.")
    role = Role(
        MANAGEMENT_API_ROLE,
        "This default role grants access to the Logto management API.",
        type="MachineToMachine",
        scope_ids={scope.id},
    )
    roles[role.id] = role
    return role.id


def _scope_ids(known: list[ApiResource], scopes: tuple[str, ...], resource: str | None) -> set[str]:
    """The ids of ``scopes`` as ``known`` resources define them; an undefined one is a
    ``ValueError`` naming ``resource`` (or any resource)."""
    scope_ids: set[str] = set()
    for scope in scopes:
        found = [s.id for r in known if (s := r.scope_named(scope))]
        if not found:
            where = f"resource {resource!r}" if resource is not None else "any resource"
            raise ValueError(f"scope {scope!r} is not defined by {where}")
        scope_ids.update(found)
    return scope_ids
