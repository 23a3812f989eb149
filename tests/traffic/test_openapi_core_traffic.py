"""openapi-core on recorded traffic: Logto's published document as is, and normalised.

Real flows (register, sign-in, a wrong password, TOTP binding, forgot password) and a few
requests the server refuses run against the embedded server over loopback; every exchange is
recorded as bytes. Then openapi-core checks each one against Logto 1.42.0's published
Experience document, (a) as published and (b) through ``load_spec(...).to_openapi_core()``.

On a genuine recording of a real Logto 1.42.0 (issue 10), the raw document flagged 5 of 42
exchanges (3 false) and the normalised one exactly the 2 the server refused. Here the same
shape must hold: normalised, openapi-core flags exactly the exchanges the server refused as
invalid input (``guard.invalid_input``), our TrafficValidator agrees, and the raw document
flags exchanges the server accepted.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from _support import SEED_USER, auth_query

from logto_dynamic import TrafficValidator, load_spec
from logto_dynamic.testing import ExperienceServer, SignInExperience, serve_app, totp

openapi_core = pytest.importorskip("openapi_core")
from openapi_core.testing import MockRequest, MockResponse  # noqa: E402

NEW_USER = ("bob_builder", "Xk3!harbor-Lamp", "bob@example.com")


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer, as bytes on the wire."""

    method: str
    path: str
    query: dict[str, str]
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes

    def __str__(self) -> str:
        query = f"?{'&'.join(f'{k}={v}' for k, v in self.query.items())}" if self.query else ""
        return f"{self.method} {self.path}{query} -> {self.status}"

    @property
    def refused_as_invalid(self) -> bool:
        """The server's own input check (Logto's koaGuard) refused the request."""
        if self.status != 400:
            return False
        return bool(json.loads(self.response_body).get("code") == "guard.invalid_input")


class _Recorder:
    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        if not request.url.path.startswith("/api/"):
            return  # the OIDC bootstrap is not part of the Experience API
        self.exchanges.append(
            Exchange(
                request.method,
                request.url.path,
                dict(request.url.params),
                dict(request.headers),
                request.content,
                response.status_code,
                dict(response.headers),
                response.content,
            )
        )


@contextlib.contextmanager
def _session(base_url: str, recorder: _Recorder) -> Iterator[httpx.Client]:
    """A fresh OIDC interaction (its cookies) on a recording client."""
    with httpx.Client(base_url=base_url, event_hooks={"response": [recorder]}) as http:
        assert http.get("/oidc/auth", params=auth_query(base_url)).status_code == 303
        yield http


def _api(
    http: httpx.Client, method: str, path: str, body: Any = None, **kwargs: Any
) -> httpx.Response:
    return http.request(method, "/api/experience" + path, json=body, **kwargs)


def _verified_email(http: httpx.Client, server: ExperienceServer, event: str) -> str:
    identifier = {"type": "email", "value": NEW_USER[2]}
    sent = _api(
        http,
        "POST",
        "/verification/verification-code",
        {"identifier": identifier, "interactionEvent": event},
    )
    code = server.outbox.last_code(NEW_USER[2])
    verified = _api(
        http,
        "POST",
        "/verification/verification-code/verify",
        {"identifier": identifier, "verificationId": sent.json()["verificationId"], "code": code},
    )
    return str(verified.json()["verificationId"])


def _password_sign_in(http: httpx.Client, username: str, password: str) -> None:
    assert _api(http, "PUT", "", {"interactionEvent": "SignIn"}).status_code == 204
    verified = _api(
        http,
        "POST",
        "/verification/password",
        {"identifier": {"type": "username", "value": username}, "password": password},
    )
    assert verified.status_code == 200
    identified = _api(
        http, "POST", "/identification", {"verificationId": verified.json()["verificationId"]}
    )
    assert identified.status_code == 204


def _flows(base_url: str, server: ExperienceServer, recorder: _Recorder) -> None:
    with _session(base_url, recorder) as http:  # Register
        assert _api(http, "PUT", "", {"interactionEvent": "Register"}).status_code == 204
        email_id = _verified_email(http, server, "Register")
        assert (
            _api(
                http, "POST", "/profile", {"type": "email", "verificationId": email_id}
            ).status_code
            == 204
        )
        new = _api(
            http,
            "POST",
            "/verification/new-password-identity",
            {"identifier": {"type": "username", "value": NEW_USER[0]}, "password": NEW_USER[1]},
        )
        created = _api(
            http, "POST", "/identification", {"verificationId": new.json()["verificationId"]}
        )
        assert (created.status_code, created.text) == (201, "Created")
        assert "redirectTo" in _api(http, "POST", "/submit").json()
    with _session(base_url, recorder) as http:  # SignIn, after a wrong password
        assert _api(http, "PUT", "", {"interactionEvent": "SignIn"}).status_code == 204
        wrong = _api(
            http,
            "POST",
            "/verification/password",
            {
                "identifier": {"type": "username", "value": SEED_USER[0]},
                "password": "not-the-password",
            },
        )
        assert wrong.json()["code"] == "session.invalid_credentials"
        _password_sign_in(http, *SEED_USER)
        assert _api(http, "POST", "/submit").status_code == 200
        sso = _api(http, "GET", "/sso-connectors", params={"email": "a@example.com"})
        assert sso.json() == {"connectorIds": []}
    with _session(base_url, recorder) as http:  # ForgotPassword: submit answers text "OK"
        assert _api(http, "PUT", "", {"interactionEvent": "ForgotPassword"}).status_code == 204
        email_id = _verified_email(http, server, "ForgotPassword")
        assert (
            _api(http, "POST", "/identification", {"verificationId": email_id}).status_code == 204
        )
        assert (
            _api(http, "PUT", "/profile/password", {"password": "Zq8#meadow-Brick"}).status_code
            == 204
        )
        done = _api(http, "POST", "/submit")
        assert (done.status_code, done.text) == (200, "OK")
    with _session(base_url, recorder) as http:  # requests the server refuses
        for body in ({"interactionEvent": "Bogus"}, {}):
            assert _api(http, "PUT", "", body).status_code == 400
        for email in ("notanemail", "7%u^@0.com"):  # the second passes a loose email check
            assert _api(http, "GET", "/sso-connectors", params={"email": email}).status_code == 400
        # as in Logto, a body is only guarded once the experience has started
        assert _api(http, "PUT", "", {"interactionEvent": "SignIn"}).status_code == 204
        bad_type = _api(
            http,
            "POST",
            "/verification/password",
            {"identifier": {"type": "usernamex", "value": "a"}, "password": "p"},
        )
        assert bad_type.status_code == 400


def _totp_flow(base_url: str, recorder: _Recorder) -> None:
    with _session(base_url, recorder) as http:
        _password_sign_in(http, *SEED_USER)
        assert _api(http, "POST", "/submit").json()["code"] == "user.suggest_mfa"
        created = _api(http, "POST", "/verification/totp/secret").json()
        verification_id = created["verificationId"]
        assert (
            _api(
                http,
                "POST",
                "/verification/totp/verify",
                {"code": totp(created["secret"]), "verificationId": verification_id},
            ).status_code
            == 200
        )
        assert (
            _api(
                http, "POST", "/profile/mfa", {"type": "Totp", "verificationId": verification_id}
            ).status_code
            == 204
        )
        assert _api(http, "POST", "/submit").status_code == 200


@pytest.fixture(scope="module")
def traffic() -> list[Exchange]:
    recorder = _Recorder()
    server = ExperienceServer(SignInExperience(seed_users=(SEED_USER,)))
    with serve_app(server) as base_url:
        _flows(base_url, server, recorder)
    mfa = ExperienceServer(SignInExperience(seed_users=(SEED_USER,), mfa_factors=("Totp",)))
    with serve_app(mfa) as base_url:
        _totp_flow(base_url, recorder)
    return recorder.exchanges


def _openapi_core_problems(oracle: Any, exchange: Exchange) -> list[str]:
    """What openapi-core says about one exchange (request and response)."""
    request = MockRequest(
        "http://127.0.0.1:3001",
        exchange.method.lower(),
        exchange.path,
        args=exchange.query,
        headers=exchange.request_headers,
        data=exchange.request_body or None,
        content_type=exchange.request_headers.get("content-type", ""),
    )
    response = MockResponse(
        exchange.response_body,
        status_code=exchange.status,
        headers=exchange.response_headers,
        content_type=exchange.response_headers.get("content-type", ""),
    )
    problems = []
    for check in (
        lambda: oracle.validate_request(request),
        lambda: oracle.validate_response(request, response),
    ):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                check()
        except Exception as exc:  # every openapi-core error is a flag
            cause = exc.__cause__ or exc
            problems.append(f"{type(exc).__name__}: {cause}"[:160])
    return problems


def _flagged(oracle: Any, traffic: list[Exchange]) -> dict[int, list[str]]:
    found = {i: _openapi_core_problems(oracle, e) for i, e in enumerate(traffic)}
    return {i: problems for i, problems in found.items() if problems}


def _raw_oracle(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return openapi_core.OpenAPI.from_dict(json.loads(path.read_text()))


def _show(traffic: list[Exchange], flagged: dict[int, list[str]]) -> str:
    return "\n".join(f"  {traffic[i]}: {problems[0]}" for i, problems in flagged.items())


@pytest.mark.loopback
def test_the_recording_has_flows_and_refusals(traffic: list[Exchange]) -> None:
    refused = [e for e in traffic if e.refused_as_invalid]
    assert len(refused) == 5 and len(traffic) > 30
    assert {e.status for e in traffic} >= {200, 201, 204, 400, 422}
    assert {(e.method, e.path) for e in traffic if e.status < 300} >= {
        ("POST", "/api/experience/identification"),
        ("POST", "/api/experience/submit"),
        ("POST", "/api/experience/verification/totp/secret"),
        ("GET", "/api/experience/sso-connectors"),
    }


def test_normalised_document_flags_exactly_what_the_server_refused(
    traffic: list[Exchange], experience_142: Path
) -> None:
    spec = load_spec(experience_142)
    flagged = _flagged(spec.to_openapi_core(), traffic)
    refused = {i for i, e in enumerate(traffic) if e.refused_as_invalid}
    print(
        f"REPORT openapi-core, normalised 1.42.0 document: {len(flagged)} of {len(traffic)} "
        f"exchanges flagged, {len(refused)} refused by the server\n{_show(traffic, flagged)}"
    )
    assert set(flagged) == refused, _show(traffic, flagged)
    # ... and our own validator agrees, exchange by exchange
    tv = TrafficValidator(spec)
    ours = set()
    for i, e in enumerate(traffic):
        query = "?" + str(httpx.QueryParams(e.query)) if e.query else ""
        request = tv.validate_request(e.method, e.path + query, e.request_headers, e.request_body)
        response = tv.validate_response(request, e.status, e.response_headers, e.response_body)
        if request.violations or response.violations:
            ours.add(i)
    assert ours == refused


def test_without_the_email_pattern_openapi_core_misses_a_refusal(
    traffic: list[Exchange], experience_142: Path
) -> None:
    """Why ``to_openapi_core`` adds zod's email regex: openapi-core's own check is looser."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        plain = openapi_core.OpenAPI.from_dict(
            json.loads(json.dumps(load_spec(experience_142).document))
        )
    refused = {i for i, e in enumerate(traffic) if e.refused_as_invalid}
    missed = refused - set(_flagged(plain, traffic))
    assert [str(traffic[i]) for i in missed] == [
        "GET /api/experience/sso-connectors?email=7%u^@0.com -> 400"
    ]


def test_published_document_as_is_gives_false_flags(
    traffic: list[Exchange], experience_142: Path
) -> None:
    flagged = _flagged(_raw_oracle(experience_142), traffic)
    refused = {i for i, e in enumerate(traffic) if e.refused_as_invalid}
    false_flags = set(flagged) - refused
    missed = refused - set(flagged)
    print(
        f"REPORT openapi-core, published 1.42.0 document as is: {len(flagged)} of "
        f"{len(traffic)} exchanges flagged, {len(false_flags)} false, {len(missed)} refused "
        f"exchanges not flagged\n{_show(traffic, flagged)}"
    )
    assert false_flags, "the published document no longer misleads openapi-core"
    # the refusals it does see are the plain ones (an enum, a required property, a bad email)
    assert len(missed) < len(refused)


def test_bundled_document_flags_exactly_what_the_server_refused(
    traffic: list[Exchange],
) -> None:
    """The embedded server follows the bundled 1.22.0 document; openapi-core reads it alike."""
    flagged = _flagged(load_spec().to_openapi_core(), traffic)
    refused = {i for i, e in enumerate(traffic) if e.refused_as_invalid}
    assert set(flagged) == refused, _show(traffic, flagged)
