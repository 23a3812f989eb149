"""A strict ManagementClient arranges a Traditional app with redirect URIs (issue 25, item 4).

Logto answers with the shapes a real 1.42 server gives (redirect URIs as strings, ``null``
for an absent description and protected-app metadata, the legacy ``secret``). The server is an
``httpx.MockTransport``: the client's validation is under test, not a server. Before the
Management document was repaired, every one of these calls failed with ``expected object, got
string`` (the request before sending, the answers after).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from logto_dynamic import AsyncManagementClient, ManagementClient, RequestValidationError

BASE = "http://logto.test"
CALLBACK = "https://app.example.com/callback"
SIGNED_OUT = "https://app.example.com/"


class FakeLogto:
    """The application routes of Logto 1.42, answering as it does; the requests it saw."""

    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {}
        self.seen: list[tuple[str, str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content) if request.content and path.startswith("/api") else None
        self.seen.append((request.method, path, body))
        if path == "/oidc/token":
            token = {"access_token": "a.b.c", "expires_in": 3600, "token_type": "Bearer"}
            return httpx.Response(200, json={**token, "scope": "all"})
        if request.headers.get("authorization") != "Bearer a.b.c":
            return httpx.Response(401, json={"code": "auth.authorization_header_missing"})
        if path == "/api/applications" and request.method == "POST":
            app = self._new(body)
            self.apps[app["id"]] = app
            return httpx.Response(200, json=app)
        if path == "/api/applications" and request.method == "GET":
            apps = list(self.apps.values())
            return httpx.Response(200, json=apps, headers={"Total-Number": str(len(apps))})
        app_id = path.rsplit("/", 1)[-1]
        if app_id not in self.apps:
            return httpx.Response(404, json={"code": "entity.not_found", "message": "nf"})
        if request.method == "PATCH":
            app = self.apps[app_id]
            for key, value in body.items():
                app[key] = {**app[key], **value} if key.endswith("Metadata") else value
        return httpx.Response(200, json=self.apps[app_id])

    def _new(self, body: dict[str, Any]) -> dict[str, Any]:
        n = len(self.apps) + 1
        metadata = {"redirectUris": [], "postLogoutRedirectUris": []}
        return {
            "tenantId": "default",
            "id": f"tradapp{n:014d}",
            "name": body["name"],
            "secret": f"internal-{'s' * 32}",
            "description": body.get("description"),
            "type": body["type"],
            "oidcClientMetadata": {**metadata, **body.get("oidcClientMetadata", {})},
            "customClientMetadata": {},
            "protectedAppMetadata": None,
            "customData": {},
            "isThirdParty": False,
            "appLevelAccessControlEnabled": False,
            "createdAt": 1765000000000 + n,
            "isAdmin": False,
        }


def _client(logto: FakeLogto) -> ManagementClient:
    http = httpx.Client(base_url=BASE, transport=httpx.MockTransport(logto))
    return ManagementClient(
        BASE, app_id="m2m", app_secret="m2m-secret", http=http, validate="strict"
    )


def test_a_traditional_app_with_redirect_uris_round_trips_strictly() -> None:
    logto = FakeLogto()
    with _client(logto) as client:
        body = {
            "name": "Web app",
            "type": "Traditional",
            "oidcClientMetadata": {
                "redirectUris": [CALLBACK, "io.logto.demo://callback"],
                "postLogoutRedirectUris": [SIGNED_OUT],
            },
        }
        created = client.call("CreateApplication", body)
        assert created.violations == ()
        app_id = created.data["id"]
        assert created.data["oidcClientMetadata"]["redirectUris"][0] == CALLBACK
        read = client.call("GetApplication", path={"id": app_id})
        assert read.violations == () and read.data["description"] is None
        listed = client.call("ListApplications", query={"types": "Traditional"})
        assert listed.violations == () and [a["id"] for a in listed.data] == [app_id]
        more = [CALLBACK, "https://*.example.com/callback"]
        patch = {"oidcClientMetadata": {"redirectUris": more, "postLogoutRedirectUris": []}}
        updated = client.call("UpdateApplication", patch, path={"id": app_id})
        assert updated.violations == ()
        assert updated.data["oidcClientMetadata"]["redirectUris"] == more
    sent = [(method, path) for method, path, _ in logto.seen]
    assert sent == [
        ("POST", "/oidc/token"),
        ("POST", "/api/applications"),
        ("GET", f"/api/applications/{app_id}"),
        ("GET", "/api/applications"),
        ("PATCH", f"/api/applications/{app_id}"),
    ]
    assert logto.seen[1][2] == body  # sent as given


def test_a_value_that_is_no_url_is_still_refused_before_sending() -> None:
    logto = FakeLogto()
    with _client(logto) as client:
        for bad in ("abc.com", "demoApp/callback", {"url": CALLBACK}, 5):
            body = {
                "name": "Web app",
                "type": "Traditional",
                "oidcClientMetadata": {"redirectUris": [bad], "postLogoutRedirectUris": []},
            }
            with pytest.raises(RequestValidationError) as caught:
                client.call("CreateApplication", body)
            assert "oidcClientMetadata.redirectUris[0]" in str(caught.value)
    assert not any(path == "/api/applications" for _, path, _ in logto.seen)


def test_the_async_client_agrees() -> None:
    logto = FakeLogto()

    async def arrange() -> list[Any]:
        http = httpx.AsyncClient(base_url=BASE, transport=httpx.MockTransport(logto))
        async with AsyncManagementClient(
            BASE, app_id="m2m", app_secret="m2m-secret", http=http, validate="strict"
        ) as client:
            metadata = {"redirectUris": [CALLBACK], "postLogoutRedirectUris": [SIGNED_OUT]}
            body = {"name": "Web", "type": "Traditional", "oidcClientMetadata": metadata}
            created = await client.call("CreateApplication", body)
            listed = await client.call("ListApplications")
            return [created.violations, listed.violations, listed.data[0]["oidcClientMetadata"]]

    created, listed, metadata = asyncio.run(arrange())
    assert created == () and listed == ()
    assert metadata == {"redirectUris": [CALLBACK], "postLogoutRedirectUris": [SIGNED_OUT]}
