"""Discovery, JWKS, the token endpoint and userinfo (``/oidc/me``) of the embedded server."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qsl

from .._asgi import Request, Response, same_text
from .._errors import oidc_error
from .._grants import Grant, TokenStore
from .._state import User, UserStore
from ._access import AccessDirectory
from ._access_tokens import access_token, check_organization, userinfo_claims
from ._apps import OidcApp
from ._clients import authenticate_client
from ._keys import ALG, SigningKey

__all__ = ["TokenEndpoint", "discovery"]

_GRANT_TYPES = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
]
_SCOPES = [
    "openid",
    "offline_access",
    "profile",
    "email",
    "phone",
    "address",
    "custom_data",
    "identities",
    "roles",
    "urn:logto:scope:organizations",
]
_CLAIMS = [
    "sub",
    "name",
    "picture",
    "username",
    "created_at",
    "updated_at",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "iss",
    "aud",
    "exp",
    "iat",
    "nonce",
    "auth_time",
    "at_hash",
]
_NO_STORE = [("cache-control", "no-store"), ("pragma", "no-cache")]


def discovery(endpoint: str) -> dict[str, Any]:
    """The OpenID provider metadata, every URL under ``{endpoint}/oidc``.

    Only endpoints this server serves are named (no device, PAR or introspection endpoint);
    the grant types are listed as Logto lists them, though only ``authorization_code`` and
    ``refresh_token`` are served (the others answer ``unsupported_grant_type``).
    """
    issuer = f"{endpoint}/oidc"
    return {
        "authorization_endpoint": f"{issuer}/auth",
        "claims_parameter_supported": False,
        "claims_supported": _CLAIMS,
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": _GRANT_TYPES,
        "issuer": issuer,
        "jwks_uri": f"{issuer}/jwks",
        "authorization_response_iss_parameter_supported": True,
        "response_modes_supported": ["form_post", "fragment", "query"],
        "response_types_supported": ["code", "id_token", "code id_token"],
        "scopes_supported": _SCOPES,
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": [
            "none",
            "client_secret_basic",
            "client_secret_jwt",
            "client_secret_post",
            "private_key_jwt",
        ],
        "token_endpoint": f"{issuer}/token",
        "id_token_signing_alg_values_supported": [ALG],
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{issuer}/me",
        "end_session_endpoint": f"{issuer}/session/end",
        "revocation_endpoint": f"{issuer}/token/revocation",
        "claim_types_supported": ["normal"],
    }


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def user_claims(user: User, scopes: tuple[str, ...]) -> dict[str, Any]:
    """The user's claims for ``scopes`` (``profile``, ``email``, ``phone``), ``sub`` first."""
    claims: dict[str, Any] = {"sub": user.id}
    if "profile" in scopes:
        claims.update(
            {
                "name": user.name,
                "picture": user.avatar,
                "username": user.username,
                "created_at": user.created_at,
                "updated_at": user.updated_at,
            }
        )
    if "email" in scopes:
        claims.update(
            {"email": user.primary_email, "email_verified": user.primary_email is not None}
        )
    if "phone" in scopes:
        claims.update(
            {
                "phone_number": user.primary_phone,
                "phone_number_verified": user.primary_phone is not None,
            }
        )
    return claims


def _check_resource(grant: Grant, resource: str | None) -> None:
    if resource is not None and resource not in grant.resources:
        raise oidc_error(400, "invalid_target", "resource indicator is missing, or unknown")


def _code_grant(tokens: TokenStore, form: dict[str, str]) -> Grant:
    """The grant of an authorization code: taken once, for its app, redirect URI and PKCE."""
    for name in ("code", "redirect_uri"):
        if not form.get(name):
            raise oidc_error(400, "invalid_request", f"missing required parameter '{name}'")
    record = tokens.take_code(form["code"])
    if record is None or record.grant.app_id != form["client_id"]:
        raise oidc_error(400, "invalid_grant", "grant request is invalid")
    if record.redirect_uri != form["redirect_uri"]:
        raise oidc_error(400, "invalid_grant", "grant request is invalid")
    verifier = form.get("code_verifier", "")
    if record.code_challenge or verifier:  # optional for confidential apps only
        if not verifier or not same_text(_s256(verifier), record.code_challenge):
            raise oidc_error(400, "invalid_grant", "PKCE verification failed")
    return record.grant


def _invalid_token() -> Response:
    """``/oidc/me``'s 401 for a missing, unknown or revoked token (with its challenge)."""
    response = oidc_error(401, "invalid_token", "invalid token provided").response()
    response.headers.append(
        (
            "www-authenticate",
            'Bearer realm="logto", error="invalid_token", '
            'error_description="invalid token provided"',
        )
    )
    return response


class TokenEndpoint:
    """``POST /oidc/token`` (authorization code with PKCE, refresh token with rotation)."""

    def __init__(
        self,
        apps: dict[str, OidcApp],
        users: UserStore,
        tokens: TokenStore,
        key: SigningKey,
        directory: AccessDirectory,
    ) -> None:
        self.apps = apps
        self.users = users
        self.tokens = tokens
        self.key = key
        self.directory = directory

    def token(self, request: Request) -> Response:
        """Exchange a code or a refresh token for a token set."""
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        grant_type = form.get("grant_type")
        if not grant_type:
            raise oidc_error(400, "invalid_request", "missing required parameter 'grant_type'")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise oidc_error(400, "unsupported_grant_type", "unsupported grant_type requested")
        form["client_id"] = authenticate_client(self.apps, request, form).id
        resource = form.get("resource") or None
        organization = form.get("organization_id") or None
        if grant_type == "authorization_code":
            grant = _code_grant(self.tokens, form)
            organization = None  # a parameter of the refresh-token grant only
        else:
            grant = self._refresh_grant(form, resource, organization)
        _check_resource(grant, resource)
        body = self._token_set(request, grant, resource, organization)
        return Response.json(200, body, headers=_NO_STORE)

    def _refresh_grant(
        self, form: dict[str, str], resource: str | None, organization: str | None
    ) -> Grant:
        if not form.get("refresh_token"):
            raise oidc_error(400, "invalid_request", "missing required parameter 'refresh_token'")
        known = self.tokens.refresh.get(form["refresh_token"])
        if known is not None and not known.grant.revoked:
            # a wrong resource or organization must not burn the refresh token
            _check_resource(known.grant, resource)
            if organization is not None:
                check_organization(self.directory, known.grant, organization)
        grant = self.tokens.rotate_refresh(form["refresh_token"])
        if grant is None or grant.app_id != form["client_id"]:
            raise oidc_error(400, "invalid_grant", "grant request is invalid")
        return grant

    def _access_token(
        self, request: Request, grant: Grant, resource: str | None, organization: str | None
    ) -> str:
        """Opaque (for ``/oidc/me``) without ``resource`` or organization; else an ES384 JWT."""
        if resource is None and organization is None:
            return self.tokens.issue_access(grant)
        return access_token(
            self.directory,
            self.key,
            grant,
            issuer=f"{request.base_url}/oidc",
            now=int(self.tokens.clock()),
            resource=resource,
            organization_id=organization,
        )

    def _token_set(
        self, request: Request, grant: Grant, resource: str | None, organization: str | None
    ) -> dict[str, Any]:
        user = self.users.by_id.get(grant.user_id)
        if user is None:
            raise oidc_error(400, "invalid_grant", "grant request is invalid")
        now = int(self.tokens.clock())
        claims = user_claims(user, grant.scopes)
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        claims.update(
            {"aud": grant.app_id, "exp": now + 3600, "iat": now, "iss": f"{request.base_url}/oidc"}
        )
        body: dict[str, Any] = {
            "access_token": self._access_token(request, grant, resource, organization),
            "expires_in": self.directory.token_ttl(resource),
            "id_token": self.key.sign(claims),
        }
        if grant.offline:
            body["refresh_token"] = self.tokens.issue_refresh(grant)
        body["scope"] = " ".join(grant.scopes)
        body["token_type"] = "Bearer"
        return body

    def userinfo(self, request: Request) -> Response:
        """``GET /oidc/me`` with ``Authorization: Bearer <access token>``: the user's claims."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        grant = self.tokens.grant_of_access(token.strip()) if scheme.lower() == "bearer" else None
        user = self.users.by_id.get(grant.user_id) if grant is not None else None
        if grant is None or user is None:
            return _invalid_token()
        claims = user_claims(user, grant.scopes)
        claims.update(userinfo_claims(self.directory, user.id, grant.scopes))
        return Response.json(200, claims)
