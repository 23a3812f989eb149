"""What the access directory's grants become in tokens: a resource's or an organization's
JWT access token, the organization check of a refresh, the userinfo's extra claims.

As on Logto 1.42: the token's ``scope`` holds only the requested scopes the user's roles
grant for that resource; an organization token (``aud`` ``urn:logto:organization:<id>``)
needs the organizations scope on the refresh grant and is for members only
(``403 access_denied``).
"""

from __future__ import annotations

import secrets
from typing import Any

from .._errors import LogtoError, oidc_error
from .._grants import Grant
from ._access import ORGANIZATIONS_SCOPE, ROLES_SCOPE, AccessDirectory, organization_urn
from ._keys import SigningKey

__all__ = ["access_token", "check_organization", "userinfo_claims"]


def userinfo_claims(
    directory: AccessDirectory, user_id: str, scopes: tuple[str, ...]
) -> dict[str, Any]:
    """The extra userinfo claims: ``roles`` and ``organizations`` by scope."""
    claims: dict[str, Any] = {}
    if ROLES_SCOPE in scopes:
        claims["roles"] = sorted({role.name for role in directory.roles_of(user_id)})
    if ORGANIZATIONS_SCOPE in scopes:
        claims["organizations"] = sorted(
            o.id for o in directory.organizations.values() if user_id in o.members
        )
    return claims


def check_organization(directory: AccessDirectory, grant: Grant, organization_id: str) -> None:
    """The refresh grant must carry the organizations scope and the user be a member."""
    if ORGANIZATIONS_SCOPE not in grant.scopes:
        raise _forbidden("insufficient_scope", "refresh token missing required scope")
    organization = directory.organizations.get(organization_id)
    if organization is None or grant.user_id not in organization.members:
        raise _forbidden("access_denied", "user is not a member of the organization")


def access_token(
    directory: AccessDirectory,
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
        granted = set() if organization_id else directory.user_scopes(grant.user_id, audience)
    claims = {
        "jti": secrets.token_urlsafe(16),
        "sub": grant.user_id,
        "iat": now,
        "exp": now + directory.token_ttl(resource),
        "scope": " ".join(s for s in grant.scopes if s in granted),
        "client_id": grant.app_id,
        "iss": issuer,
        "aud": audience,
    }
    return key.sign(claims, typ="at+jwt")


def _forbidden(error: str, description: str) -> LogtoError:
    return oidc_error(403, error, description)
