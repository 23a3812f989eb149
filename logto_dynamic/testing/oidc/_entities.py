"""The access-control entities of the embedded server: API resources and their scopes, roles,
organizations. One store (:class:`~._access.AccessDirectory`) keeps them; the Python arranging
API (``logto_server.add_resource`` ...) and the Management API routes both change it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from .._state import new_id

__all__ = [
    "MANAGEMENT_API_ROLE",
    "MANAGEMENT_RESOURCE",
    "ApiResource",
    "Organization",
    "ResourceScope",
    "Role",
    "RoleType",
    "now_ms",
]

#: The Management API's resource indicator on a self-hosted Logto, and its seeded role.
MANAGEMENT_RESOURCE = "https://default.logto.app/api"
MANAGEMENT_API_ROLE = "Logto Management API access"

RoleType = Literal["User", "MachineToMachine"]


def now_ms() -> int:
    """The time in milliseconds, as Logto's ``createdAt`` columns hold it."""
    return int(time.time() * 1000)


@dataclass
class ResourceScope:
    """A permission (scope) an API resource defines."""

    name: str
    resource_id: str
    description: str | None = None
    id: str = field(default_factory=new_id)
    created_at: int = field(default_factory=now_ms)


@dataclass
class ApiResource:
    """An API resource: its ``indicator`` is the ``aud`` of its access tokens."""

    indicator: str
    name: str
    id: str = field(default_factory=new_id)
    access_token_ttl: int = 3600
    is_default: bool = False
    scopes: dict[str, ResourceScope] = field(default_factory=dict)  # by scope id

    def scope_named(self, name: str) -> ResourceScope | None:
        """The scope called ``name``, if this resource defines it."""
        return next((s for s in self.scopes.values() if s.name == name), None)

    def add_scope(self, name: str, description: str | None = None) -> ResourceScope:
        """Define a scope (an existing one of that name is returned unchanged)."""
        known = self.scope_named(name)
        if known is not None:
            return known
        scope = ResourceScope(name, self.id, description)
        self.scopes[scope.id] = scope
        return scope


@dataclass
class Role:
    """A role: the scopes (ids) it grants; ``User`` roles go to users, ``MachineToMachine``
    roles to machine-to-machine apps."""

    name: str
    description: str = ""
    type: RoleType = "User"
    id: str = field(default_factory=new_id)
    is_default: bool = False
    scope_ids: set[str] = field(default_factory=set)


@dataclass
class Organization:
    """An organization and its member user ids (only members get organization tokens)."""

    name: str
    id: str = field(default_factory=new_id)
    description: str | None = None
    custom_data: dict[str, Any] = field(default_factory=dict)
    is_mfa_required: bool = False
    color: dict[str, Any] = field(default_factory=dict)
    branding: dict[str, Any] = field(default_factory=dict)
    custom_css: str | None = None
    created_at: int = field(default_factory=now_ms)
    members: set[str] = field(default_factory=set)
