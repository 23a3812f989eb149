"""The pytest plugin: registered as an entry point, cheap to import, fixtures that work.

The fixtures are exercised the way a user meets them: a test file run by ``pytester`` in a
separate pytest process, which finds the plugin through its ``pytest11`` entry point.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

USER_TESTS = """
import httpx


def _sign_in(base_url, username, password):
    with httpx.Client(base_url=base_url) as http:
        query = {"client_id": "demo-app", "redirect_uri": base_url + "/demo-app",
                 "response_type": "code", "scope": "openid",
                 "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGyTtHTusM",
                 "code_challenge_method": "S256"}
        assert http.get("/oidc/auth", params=query).status_code == 303
        http.put("/api/experience", json={"interactionEvent": "SignIn"})
        verified = http.post("/api/experience/verification/password", json={
            "identifier": {"type": "username", "value": username}, "password": password})
        assert verified.status_code == 200, verified.text
        http.post("/api/experience/identification", json=verified.json())
        return http.post("/api/experience/submit")


def test_server_is_on_loopback(logto_server):
    assert logto_server.base_url.startswith("http://127.0.0.1:")
    meta = httpx.get(logto_server.base_url + "/oidc/.well-known/openid-configuration").json()
    assert meta["issuer"] == logto_server.issuer == logto_server.base_url + "/oidc"


def test_user_signs_in(logto_server, logto_user):
    submitted = _sign_in(logto_server.base_url, *logto_user)
    assert submitted.status_code == 200
    assert submitted.json()["redirectTo"].startswith(logto_server.base_url + "/oidc/auth/")


def test_add_user_and_set_mfa(logto_server):
    logto_server.add_user("bob", "Zr5%meadow-Orbit")
    logto_server.set_mfa("Mandatory", ["Totp"])
    submitted = _sign_in(logto_server.base_url, "bob", "Zr5%meadow-Orbit")
    assert submitted.status_code == 422
    assert submitted.json()["data"] == {"availableFactors": ["Totp"]}


def test_each_test_gets_a_fresh_server(logto_server):
    assert len(logto_server.server.users.by_id) == 0


def test_tokens(logto_server, logto_user, logto_tokens):
    assert logto_tokens.claims["username"] == logto_user[0]
    assert logto_tokens.claims["iss"] == logto_server.issuer
    assert logto_tokens.claims["aud"] == "demo-app"
    assert logto_tokens.refresh_token and "<redacted>" in repr(logto_tokens)
    me = httpx.get(logto_server.issuer + "/me",
                   headers={"authorization": "Bearer " + logto_tokens.access_token})
    assert me.json()["sub"] == logto_tokens.subject


def test_sign_in_with_totp(logto_server):
    from logto_dynamic import Totp

    user = logto_server.add_user("carol", "Hn3&pepper-Vault", totp=True)
    logto_server.set_mfa("Mandatory", ["Totp"])
    tokens = logto_server.sign_in("carol", "Hn3&pepper-Vault", mfa=Totp(user.totp_secret))
    assert tokens.subject == user.id


def test_outbox(logto_server):
    with httpx.Client(base_url=logto_server.base_url) as http:
        query = {"client_id": "demo-app", "redirect_uri": logto_server.redirect_uri,
                 "response_type": "code", "scope": "openid",
                 "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGyTtHTusM",
                 "code_challenge_method": "S256"}
        http.get("/oidc/auth", params=query)
        http.put("/api/experience", json={"interactionEvent": "Register"})
        sent = http.post("/api/experience/verification/verification-code", json={
            "identifier": {"type": "email", "value": "c@example.com"},
            "interactionEvent": "Register"})
        assert sent.status_code == 200
    assert len(logto_server.outbox.last_code("c@example.com")) == 6
"""


def test_the_entry_point_names_the_plugin() -> None:
    plugins = entry_points(group="pytest11")
    found = [ep for ep in plugins if ep.value == "logto_dynamic.pytest_plugin"]
    if not found:
        pytest.skip("logto-dynamic is not installed (run from a checkout); no entry points")
    assert found[0].name == "logto_dynamic"


@pytest.mark.process
def test_importing_the_plugin_stays_light() -> None:
    code = (
        "import sys, logto_dynamic.pytest_plugin\n"
        "print([m for m in ('uvicorn', 'joserfc', 'cryptography', 'logto_dynamic.testing',"
        " 'jsonschema', 'openapi_core') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.process
def test_fixtures_in_a_user_test_file(pytester: pytest.Pytester) -> None:
    if not [ep for ep in entry_points(group="pytest11") if ep.name == "logto_dynamic"]:
        pytest.skip("logto-dynamic is not installed, so pytest cannot find its plugin")
    pytester.makepyfile(test_user_app=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=7)
