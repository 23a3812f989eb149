"""The embedded server's Account API room, in process (ASGI): routing and authentication,
the account-center switch and field controls, records on the server's clock, the password
policy's tolerance, MFA shared with the Experience API, sessions and grants, the integration
header, and the client's typed errors answered by the room itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from logto_dynamic import (
    ACCOUNT_SCOPES,
    AccountCenterDisabledError,
    AccountFieldError,
    AsyncAccountClient,
    MissingScopeError,
    VerificationRequiredError,
)
from logto_dynamic.testing import ExperienceServer, User, totp
from logto_dynamic.testing._grants import Grant
from logto_dynamic.testing.account._records import RECORD_TTL
from logto_dynamic.testing.oidc._session import Session

pytestmark = [pytest.mark.anyio]

PASSWORD = "Tq8#harbor-Lumen"
BASE = "http://testserver"


@pytest.fixture
def room() -> ExperienceServer:
    server = ExperienceServer()
    server.account_center.update({"enabled": True, "fields": {}})
    return server


@pytest.fixture
async def api(room: ExperienceServer) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=room)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


def _user(server: ExperienceServer, username: str = "mira") -> User:
    return server.users.create(username=username, password=PASSWORD)


def _token(
    server: ExperienceServer,
    user: User,
    scopes: tuple[str, ...] = ACCOUNT_SCOPES,
    *,
    app_id: str = "demo-app",
    offline: bool = False,
) -> str:
    """An opaque access token issued in a new OIDC session (as a sign-in leaves them)."""
    grant = Grant(f"g-{len(server.sessions.by_id)}", user.id, app_id, scopes, None, (), offline)
    session = Session(f"s-{len(server.sessions.by_id)}", user.id, {app_id: grant})
    server.sessions.by_id[session.id] = session
    return server.tokens.issue_access(grant)


def _bearer(token: str, record: str | None = None) -> dict[str, str]:
    headers = {"authorization": f"Bearer {token}"}
    if record is not None:
        headers["logto-verification-id"] = record
    return headers


async def _record(api: httpx.AsyncClient, token: str) -> str:
    answer = await api.post(
        "/api/verifications/password", json={"password": PASSWORD}, headers=_bearer(token)
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["verificationRecordId"])


def _edit(server: ExperienceServer, **fields: str) -> None:
    server.account_center.update({"fields": fields})


async def test_routing_comes_before_authentication(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/my-account/nowhere")).status_code == 404
    answer = await api.delete("/api/my-account")
    assert answer.status_code == 405
    missing = await api.get("/api/my-account")
    assert missing.status_code == 401
    assert missing.json()["code"] == "auth.authorization_header_missing"
    basic = await api.get("/api/my-account", headers={"authorization": "Basic eDp5"})
    assert basic.json()["code"] == "auth.authorization_token_type_not_supported"
    assert basic.json()["data"] == {"supportedTypes": ["Bearer"]}


async def test_the_switch_is_off_by_default_and_authentication_runs_first() -> None:
    server = ExperienceServer()
    assert server.account_center.enabled is False and server.account_center.fields == {}
    token = _token(server, _user(server))
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as api:
        assert (await api.get("/api/my-account")).status_code == 401
        off = await api.get("/api/my-account", headers=_bearer(token))
        assert (off.status_code, off.json()["code"]) == (400, "account_center.not_enabled")


async def test_a_token_without_openid_is_forbidden(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    token = _token(room, _user(room), ("profile",))
    answer = await api.get("/api/my-account", headers=_bearer(token))
    assert (answer.status_code, answer.json()["code"]) == (403, "auth.forbidden")


async def test_a_third_party_apps_token_cannot_write(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    room.add_app("partner", "https://partner.example/cb", third_party=True)
    _edit(room, name="Edit")
    token = _token(room, _user(room), app_id="partner")
    assert (await api.get("/api/my-account", headers=_bearer(token))).status_code == 200
    answer = await api.patch("/api/my-account", json={"name": "x"}, headers=_bearer(token))
    assert (answer.status_code, answer.json()["code"]) == (
        403,
        "auth.third_party_application_forbidden",
    )


async def test_fields_filter_reads_and_gate_writes(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    user = _user(room)
    user.name, user.primary_email = "Mira", "mira@example.com"
    token = _token(room, user)
    _edit(room, name="ReadOnly", email="Edit")
    seen = (await api.get("/api/my-account", headers=_bearer(token))).json()
    assert seen["name"] == "Mira" and seen["primaryEmail"] == "mira@example.com"
    assert "username" not in seen and "hasPassword" not in seen and "customData" not in seen
    assert seen["hasSecurityVerificationMethod"] is True
    refused = await api.patch("/api/my-account", json={"name": "M"}, headers=_bearer(token))
    assert refused.json()["code"] == "account_center.field_not_editable"
    only_openid = _token(room, user, ("openid",))
    bare = (await api.get("/api/my-account", headers=_bearer(only_openid))).json()
    assert bare == {"id": user.id, "hasSecurityVerificationMethod": True}


async def test_a_record_expires_on_the_server_clock(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    _edit(room, username="Edit")
    token = _token(room, _user(room))
    record = await _record(api, token)
    now = room.clock()
    room.clock = lambda: now + RECORD_TTL - 1
    fresh = await api.patch(
        "/api/my-account", json={"username": "mira_a"}, headers=_bearer(token, record)
    )
    assert fresh.status_code == 200
    room.clock = lambda: now + RECORD_TTL + 1
    old = await api.patch(
        "/api/my-account", json={"username": "mira_b"}, headers=_bearer(token, record)
    )
    assert (old.status_code, old.json()["code"]) == (401, "verification_record.permission_denied")


async def test_another_users_record_is_no_proof(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    _edit(room, username="Edit")
    mine, theirs = _token(room, _user(room)), _token(room, _user(room, "olek"))
    foreign = await _record(api, theirs)
    answer = await api.patch(
        "/api/my-account", json={"username": "taken_over"}, headers=_bearer(mine, foreign)
    )
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("Qabcdefgh1!", True),  # a sequence, but three other characters remain
        ("mira_longA1!", True),  # the username plus three others
        ("12345678", False),
        ("aaaaaaaaaa", False),
        ("abc", False),
        ("x" * 257, False),
    ],
)
async def test_the_password_policy_has_logtos_tolerance(
    room: ExperienceServer, api: httpx.AsyncClient, password: str, accepted: bool
) -> None:
    _edit(room, password="Edit")
    token = _token(room, _user(room, "mira_long"))
    record = await _record(api, token)
    answer = await api.post(
        "/api/my-account/password", json={"password": password}, headers=_bearer(token, record)
    )
    assert answer.status_code == (204 if accepted else 422), answer.text
    if not accepted:
        assert answer.json()["code"] == "password.rejected"


async def test_the_current_password_is_refused(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    _edit(room, password="Edit")
    token = _token(room, _user(room))
    record = await _record(api, token)
    answer = await api.post(
        "/api/my-account/password", json={"password": PASSWORD}, headers=_bearer(token, record)
    )
    assert answer.json()["code"] == "user.same_password"


async def test_mfa_bound_here_is_the_experience_apis(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    room.settings = type(room.settings)(mfa_factors=("Totp", "BackupCode"))
    _edit(room, mfa="Edit")
    user = _user(room)
    token = _token(room, user)
    record = await _record(api, token)
    headers = _bearer(token, record)
    secret = (
        await api.post("/api/my-account/mfa-verifications/totp-secret/generate", headers=headers)
    ).json()["secret"]
    assert len(secret) == 32
    bind = {"type": "Totp", "secret": secret, "code": totp(secret)}
    answer = await api.post("/api/my-account/mfa-verifications", json=bind, headers=headers)
    assert answer.status_code == 204
    assert user.totp_secret == secret  # what a sign-in now asks for
    codes = (
        await api.post("/api/my-account/mfa-verifications/backup-codes/generate", headers=headers)
    ).json()["codes"]
    bind_codes = {"type": "BackupCode", "codes": codes}
    answer = await api.post("/api/my-account/mfa-verifications", json=bind_codes, headers=headers)
    assert answer.status_code == 204 and user.backup_codes == codes
    user.backup_codes.remove(codes[0])  # as a sign-in with that code does
    listed = await api.get("/api/my-account/mfa-verifications/backup-codes", headers=headers)
    used = [entry for entry in listed.json()["codes"] if "usedAt" in entry]
    assert [entry["code"] for entry in used] == [codes[0]]
    factors = (await api.get("/api/my-account/mfa-verifications", headers=headers)).json()
    assert [(f["type"], f.get("remainCodes")) for f in factors] == [
        ("Totp", None),
        ("BackupCode", 9),
    ]


async def test_ending_a_session_ends_its_tokens_but_not_offline_grants(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    _edit(room, session="Edit")
    user = _user(room)
    online, offline, actor = (
        _token(room, user),
        _token(room, user, offline=True),
        _token(room, user),
    )
    record = await _record(api, actor)
    sessions = (await api.get("/api/my-account/sessions", headers=_bearer(actor, record))).json()[
        "sessions"
    ]
    assert len(sessions) == 3 and sum(s["isCurrent"] for s in sessions) == 1
    for sid in ("s-0", "s-1"):
        gone = await api.delete(f"/api/my-account/sessions/{sid}", headers=_bearer(actor, record))
        assert gone.status_code == 204
    assert (await api.get("/api/my-account", headers=_bearer(online))).status_code == 401
    assert (await api.get("/api/my-account", headers=_bearer(offline))).status_code == 200
    grants = (await api.get("/api/my-account/grants", headers=_bearer(actor, record))).json()[
        "grants"
    ]
    assert [g["id"] for g in grants] == ["g-1"]  # the offline grant outlives its session
    gone = await api.delete("/api/my-account/grants/g-1", headers=_bearer(actor, record))
    assert gone.status_code == 204
    assert (await api.get("/api/my-account", headers=_bearer(offline))).status_code == 401


async def test_the_integration_header_is_off_unless_asked_for(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    admin = {"development-user-id": "integration-test-admin-user"}
    assert (await api.get("/api/account-center", headers=admin)).status_code == 401
    room.integration_mode = True
    patch = {"enabled": True, "fields": {"name": "Edit", "trustedDevice": "Edit"}}
    answer = await api.patch("/api/account-center", json=patch, headers=admin)
    assert answer.status_code == 200 and answer.json()["fields"] == {"name": "Edit"}
    again = await api.patch(
        "/api/account-center", json={"fields": {"mfa": "ReadOnly"}}, headers=admin
    )
    assert again.json()["fields"] == {"mfa": "ReadOnly"}  # `fields` replaces the map
    wrong = {"fields": {"name": "On"}}
    invalid = await api.patch("/api/account-center", json=wrong, headers=admin)
    assert invalid.json()["code"] == "guard.invalid_input"


async def test_unconfigured_connectors_and_storage(
    room: ExperienceServer, api: httpx.AsyncClient
) -> None:
    _edit(room, avatar="Edit")
    token = _token(room, _user(room))
    code = await api.post(
        "/api/verifications/verification-code",
        json={"identifier": {"type": "email", "value": "new@example.com"}},
        headers=_bearer(token),
    )
    assert (code.status_code, code.json()["code"]) == (501, "connector.not_found")
    social = await api.post(
        "/api/verifications/social",
        json={"connectorId": "github", "redirectUri": "https://a.example/cb", "state": "s"},
        headers=_bearer(token),
    )
    assert (social.status_code, social.json()["code"]) == (422, "session.invalid_connector_id")
    png = {"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")}
    upload = await api.post("/api/my-account/user-assets/avatar", files=png, headers=_bearer(token))
    assert (upload.status_code, upload.json()["code"]) == (400, "storage.not_configured")
    text = {"file": ("a.txt", b"hello", "text/plain")}
    upload = await api.post(
        "/api/my-account/user-assets/avatar", files=text, headers=_bearer(token)
    )
    assert upload.json()["code"] == "guard.mime_type_not_allowed"


async def _client(room: ExperienceServer, token: str) -> AsyncAccountClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=room), base_url=BASE)
    return AsyncAccountClient(BASE, token, http=http)


async def test_the_typed_errors_come_from_the_room_with_their_hints(
    room: ExperienceServer,
) -> None:
    user = _user(room)
    _edit(room, name="ReadOnly", password="Edit", profile="Edit")
    account = await _client(room, _token(room, user))
    with pytest.raises(AccountFieldError) as field:
        await account.call("UpdateProfile", {"name": "M"})
    assert field.value.field == "name" and "set `name` to Edit" in str(field.value)
    with pytest.raises(VerificationRequiredError) as record:
        await account.call("UpdatePassword", {"password": "Zx4!meadow-Quill"})
    assert "Verify again" in str(record.value)
    with pytest.raises(MissingScopeError) as scope:
        await (await _client(room, _token(room, user, ("openid",)))).call(
            "UpdateOtherProfile", {"nickname": "m"}
        )
    assert scope.value.scope == "profile"
    room.account_center.update({"enabled": False})
    with pytest.raises(AccountCenterDisabledError) as off:
        await account.ops.GetProfile()
    assert "PATCH /api/account-center" in str(off.value)
    await account.aclose()
