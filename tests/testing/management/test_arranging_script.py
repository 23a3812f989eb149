"""The arranging script (``docs/examples/arrange.py``) against the embedded server, over
loopback, sync and async: everything arranged through ``ManagementClient`` only, then the
user signs in with the confidential app and gets a resource token (verified, with the scope)
and an organization token; tokens then follow what the Management API changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _support.management import arranging_script, strict_document

from logto_dynamic import Client, ManagementClient, TokenRequestError
from logto_dynamic.testing import LogtoTestServer, running_server

pytestmark = pytest.mark.loopback


@pytest.fixture
def logto() -> Iterator[LogtoTestServer]:
    with running_server() as server:
        yield server


def test_the_arranging_script_sync(logto: LogtoTestServer) -> None:
    script = arranging_script()
    m2m = logto.m2m_app
    arranged = script.arrange(logto.base_url, m2m.id, m2m.secret, spec=strict_document())
    assert "app_secret" not in repr(arranged) and arranged.app_secret not in repr(arranged)
    assert logto.server.apps[arranged.app_id].confidential  # what the API created is served
    checked = script.sign_in_and_check(arranged)
    assert checked.resource["scope"] == script.SCOPE
    assert checked.resource["sub"] == arranged.user_id
    assert checked.resource["client_id"] == arranged.app_id
    assert checked.organization["aud"] == f"urn:logto:organization:{arranged.organization_id}"

    with ManagementClient(
        logto.base_url, app_id=m2m.id, app_secret=m2m.secret, spec=strict_document()
    ) as api:
        api.call("DeleteUserRole", path={"userId": arranged.user_id, "roleId": arranged.role_id})
        api.call(
            "DeleteOrganizationUser",
            path={"id": arranged.organization_id, "userId": arranged.user_id},
        )
    with Client(logto.base_url) as client:
        interaction = client.interaction(
            arranged.app_id,
            arranged.redirect_uri,
            scopes=("openid", "offline_access", script.ORGANIZATIONS, script.SCOPE),
            resources=(arranged.indicator,),
            prompt="consent",
            client_secret=arranged.app_secret,
        )
        tokens = interaction.sign_in(arranged.username, arranged.password)
        for_api = client.refresh_tokens(
            arranged.app_id,
            tokens.refresh_token,
            resource=arranged.indicator,
            client_secret=arranged.app_secret,
        )
        assert logto.server.key.verify(for_api.access_token)["scope"] == ""  # role removed
        with pytest.raises(TokenRequestError) as refused:
            client.refresh_tokens(
                arranged.app_id,
                for_api.refresh_token,
                organization_id=arranged.organization_id,
                client_secret=arranged.app_secret,
            )
        assert refused.value.error == "access_denied"  # no longer a member
        with pytest.raises(TokenRequestError) as wrong:  # the secret matters
            client.refresh_tokens(
                arranged.app_id, for_api.refresh_token, client_secret="not-the-secret"
            )
        assert wrong.value.error == "invalid_client"
    script.tear_down(arranged, m2m.id, m2m.secret, spec=strict_document())
    server = logto.server
    assert arranged.app_id not in server.apps and arranged.user_id not in server.users.by_id
    assert server.directory.resource(arranged.indicator) is None
    assert arranged.role_id not in server.directory.roles
    assert arranged.organization_id not in server.directory.organizations


@pytest.mark.anyio
async def test_the_arranging_script_async(logto: LogtoTestServer) -> None:
    script = arranging_script()
    m2m = logto.m2m_app
    arranged = await script.arrange_async(
        logto.base_url, m2m.id, m2m.secret, spec=strict_document()
    )
    checked = await script.sign_in_and_check_async(arranged)
    assert checked.resource["scope"] == script.SCOPE
    assert checked.organization["sub"] == arranged.user_id


def test_a_strict_client_keeps_a_traditional_app_with_redirect_uris(
    logto: LogtoTestServer,
) -> None:
    m2m = logto.m2m_app
    with ManagementClient(
        logto.base_url, app_id=m2m.id, app_secret=m2m.secret, spec=strict_document()
    ) as api:
        metadata = {
            "redirectUris": ["https://app.example.com/callback"],
            "postLogoutRedirectUris": ["https://app.example.com/"],
        }
        body = {"name": "Web", "type": "Traditional", "oidcClientMetadata": metadata}
        app = api.call("CreateApplication", body).data
        assert app["oidcClientMetadata"] == metadata
        shown = api.call("GetApplication", path={"id": app["id"]}).data
        assert shown["oidcClientMetadata"] == metadata
        listed = api.call("ListApplications", query={"types": "Traditional"}).data
        assert [a["id"] for a in listed] == [app["id"]]
        changed = {**metadata, "redirectUris": ["https://app.example.com/cb2"]}
        updated = api.call(
            "UpdateApplication", {"oidcClientMetadata": changed}, path={"id": app["id"]}
        ).data
        assert updated["oidcClientMetadata"]["redirectUris"] == ["https://app.example.com/cb2"]
        assert logto.server.apps[app["id"]].redirect_uris == ("https://app.example.com/cb2",)
