"""Handlers of the social and enterprise SSO verifications, with Logto 1.42's error answers.

Connectors are configured by id in ``SignInExperience`` (``social_connectors``,
``sso_connectors``). Simplification: they are mocks that hand out an authorization URI on the
server itself and never vouch for an identity, so a verify that gets past Logto's checks
answers ``400 session.verification_failed``.

Logto's order of checks, kept here: a social authorization URI needs a non-empty ``state`` and
``redirectUri`` (``400 session.insufficient_info``) before the connector is looked up (``404
entity.not_found``); a social verify looks the connector up first (``422
session.invalid_connector_id``), then the verification record; an SSO authorization URI looks
the connector up (``404 entity.not_exists_with_id``); an SSO verify only checks the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NoReturn
from urllib.parse import urlencode

from .._asgi import Response
from .._errors import LogtoError
from ._context import Context

__all__ = ["CONNECTOR_HANDLERS"]


def _sso_ids(ctx: Context) -> list[str]:
    return [c for ids in ctx.settings.sso_connectors.values() for c in ids]


def _authorization_uri(ctx: Context, kind: str, connector_id: str) -> Response:
    record = ctx.session.add(kind, identifier={"type": kind, "value": connector_id})
    query = urlencode({"state": ctx.field("state"), "redirect_uri": ctx.field("redirectUri")})
    uri = f"{ctx.request.base_url}/mock-{kind.lower()}/{connector_id}/authorize?{query}"
    return Response.json(200, {"verificationId": record.id, "authorizationUri": uri})


def _check_record(ctx: Context, kind: str, verification_id: object, connector_id: str) -> NoReturn:
    record = ctx.record(verification_id, kind)
    if record.identifier is None or record.identifier["value"] != connector_id:
        raise LogtoError(404, "session.verification_session_not_found")
    raise LogtoError(400, "session.verification_failed")  # the mock never vouches


def _connector_id(ctx: Context) -> str:
    return ctx.path_params.get("connectorId", "")


def _require(connector_id: str, known: Iterable[str], error: LogtoError) -> None:
    if connector_id not in known:
        raise error


def create_social(ctx: Context) -> Response:
    """POST .../social/{connectorId}/authorization-uri: a mock provider URI."""
    connector_id = _connector_id(ctx)
    if not ctx.field("state") or not ctx.field("redirectUri"):
        raise LogtoError(400, "session.insufficient_info")
    not_found = LogtoError(404, "entity.not_found", data={"connectorId": connector_id})
    _require(connector_id, ctx.settings.social_connectors, not_found)
    return _authorization_uri(ctx, "Social", connector_id)


def verify_social(ctx: Context) -> Response:
    """POST .../social/{connectorId}/verify: the mock provider never vouches for anyone."""
    connector_id = _connector_id(ctx)
    invalid = LogtoError(422, "session.invalid_connector_id", data={"connectorId": connector_id})
    _require(connector_id, ctx.settings.social_connectors, invalid)
    verification_id = ctx.field("verificationId")
    if not verification_id:
        raise LogtoError(404, "session.verification_session_not_found")
    _check_record(ctx, "Social", verification_id, connector_id)


def create_sso(ctx: Context) -> Response:
    """POST .../sso/{connectorId}/authorization-uri: a mock IdP URI."""
    connector_id = _connector_id(ctx)
    missing = LogtoError(
        404,
        "entity.not_exists_with_id",
        message=f"The sso_connectors with ID `{connector_id}` does not exist.",
    )
    _require(connector_id, _sso_ids(ctx), missing)
    return _authorization_uri(ctx, "EnterpriseSso", connector_id)


def verify_sso(ctx: Context) -> Response:
    """POST .../sso/{connectorId}/verify: the mock IdP never vouches for anyone."""
    _check_record(ctx, "EnterpriseSso", ctx.field("verificationId"), _connector_id(ctx))


CONNECTOR_HANDLERS: dict[str, Callable[[Context], Response]] = {
    "CreateSocialVerification": create_social,
    "VerifySocialVerification": verify_social,
    "CreateEnterpriseSsoVerification": create_sso,
    "VerifyEnterpriseSsoVerification": verify_sso,
}
