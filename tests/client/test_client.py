"""The clients over httpx.MockTransport: every operation, policies, errors, names, cookies.

Every test runs on Client and on AsyncClient (the ``kind`` fixture).
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from _support.drivers import Recorder, close, invoke, invoke_op, make_client
from _support.examples import INVALID_CALLS, VALID_CALLS

import logto_dynamic as ld

pytestmark = pytest.mark.anyio

VID = {"verificationId": "v1"}


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _ok_answer(request: httpx.Request) -> httpx.Response:
    """A plausible success answer for any operation of the bundled document."""
    path = request.url.path
    if path.endswith("/totp/secret"):
        return httpx.Response(200, json={**VID, "secret": "S", "secretQrCode": "data:"})
    if path.endswith("/backup-code/generate"):
        return httpx.Response(200, json={**VID, "codes": ["a", "b"]})
    if path.endswith("/authorization-uri"):
        return httpx.Response(200, json={**VID, "authorizationUri": "https://idp/x"})
    if path.endswith("/web-authn/registration"):
        return httpx.Response(
            200,
            json={
                **VID,
                "registrationOptions": {
                    "rp": {"name": "x"},
                    "user": {"id": "u", "name": "n", "displayName": "d"},
                    "challenge": "c",
                    "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
                },
            },
        )
    if path.endswith("/web-authn/authentication"):
        return httpx.Response(200, json={**VID, "authenticationOptions": {"challenge": "c"}})
    if path.endswith("/sso-connectors"):
        return httpx.Response(200, json={"connectorIds": []})
    if path.endswith("/submit"):
        return httpx.Response(200, json={"redirectTo": "http://logto.test/oidc/auth/1"})
    if path.endswith("/identification"):
        return httpx.Response(204)
    if request.method == "PUT" or "/profile" in path:
        return httpx.Response(204)
    return httpx.Response(200, json=VID)


@pytest.mark.parametrize("op_id", sorted(VALID_CALLS))
async def test_every_operation_sends_exactly_what_the_spec_says(kind: str, op_id: str) -> None:
    method, sent_path, kwargs = VALID_CALLS[op_id]
    recorder = Recorder(_ok_answer)
    client = make_client(kind, recorder)
    try:
        result = await invoke(client, op_id, **kwargs)
    finally:
        await close(client)
    assert result.status_code < 300 and result.violations == ()
    (request,) = recorder.requests
    assert request.method == method
    assert request.url.raw_path.decode().split("?")[0] == sent_path
    if "query" in kwargs:
        assert dict(request.url.params) == kwargs["query"]
    if "body" in kwargs:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == kwargs["body"]
    else:
        assert request.content == b"" and "content-type" not in request.headers


@pytest.mark.parametrize("op_id", sorted(INVALID_CALLS))
async def test_every_operation_refuses_invalid_input_and_sends_nothing(
    kind: str, op_id: str
) -> None:
    kwargs, json_path, keyword = INVALID_CALLS[op_id]
    recorder = Recorder()
    client = make_client(kind, recorder)
    try:
        with pytest.raises(ld.RequestValidationError) as info:
            await invoke(client, op_id, **kwargs)
    finally:
        await close(client)
    assert recorder.requests == []
    first = info.value.violations[0]
    assert (first.json_path, first.keyword) == (json_path, keyword)
    assert json_path in str(info.value) and keyword in str(info.value)


async def test_every_violation_is_listed_with_location(kind: str) -> None:
    client = make_client(kind, Recorder())
    body = {"identifier": {"type": "x", "value": 1}, "password": ""}
    with pytest.raises(ld.RequestValidationError) as info:
        await invoke(client, "CreatePasswordVerification", body)
    await close(client)
    found = {(v.location, v.json_path, v.keyword) for v in info.value.violations}
    assert found == {
        ("body", "$.identifier.type", "enum"),
        ("body", "$.identifier.value", "type"),
        ("body", "$.password", "minLength"),
    }


async def test_query_and_path_parameters_are_validated_before_sending(kind: str) -> None:
    recorder = Recorder()
    client = make_client(kind, recorder)
    with pytest.raises(ld.RequestValidationError) as info:
        await invoke(client, "GetEnabledSsoConnectors")
    assert info.value.violations[0].location == "query"
    assert info.value.violations[0].name == "email"
    with pytest.raises(ld.RequestValidationError) as info:
        await invoke(client, "CreateSocialVerification", {"state": "s", "redirectUri": "u"})
    assert (info.value.violations[0].location, info.value.violations[0].name) == (
        "path",
        "connectorId",
    )
    await close(client)
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("a@example.com", True),
        ("first.last+tag@sub.example.org", True),
        ("not-an-email", False),
        ("a@b", False),  # zod wants a dot and a 2+ letter TLD
        ("a..b@example.com", False),
        (".a@example.com", False),
    ],
)
async def test_email_format_is_as_strict_as_logto(kind: str, email: str, valid: bool) -> None:
    recorder = Recorder(_ok_answer)
    client = make_client(kind, recorder)
    try:
        if valid:
            await invoke(client, "GetEnabledSsoConnectors", query={"email": email})
        else:
            with pytest.raises(ld.RequestValidationError):
                await invoke(client, "GetEnabledSsoConnectors", query={"email": email})
    finally:
        await close(client)
    assert len(recorder.requests) == int(valid)


async def test_extra_properties_are_accepted_like_logto_does(kind: str) -> None:
    recorder = Recorder(_ok_answer)
    client = make_client(kind, recorder)
    body = {"interactionEvent": "SignIn", "extra": {"nested": True}}
    await invoke(client, "InitInteraction", body)
    await close(client)
    assert json.loads(recorder.requests[0].content) == body


# -- responses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op_id", "response", "location", "keyword"),
    [
        ("CreatePasswordVerification", httpx.Response(200, json={"id": "x"}), "body", "required"),
        (
            "CreatePasswordVerification",
            httpx.Response(200, json={"verificationId": 3}),
            "body",
            "type",
        ),
        ("CreatePasswordVerification", httpx.Response(202, json={}), "status", "status"),
        (
            "CreatePasswordVerification",
            httpx.Response(200, text="hi"),
            "content-type",
            "content-type",
        ),
        (
            "CreatePasswordVerification",
            httpx.Response(200, content=b"{nope", headers={"content-type": "application/json"}),
            "body",
            "json",
        ),
        ("CreatePasswordVerification", httpx.Response(200), "body", "content"),
        ("InitInteraction", httpx.Response(204, json={"a": 1}), "body", "content"),
        ("IdentifyUser", httpx.Response(201, text="Made"), "body", "enum"),
    ],
)
async def test_response_validation_failures(
    kind: str, op_id: str, response: httpx.Response, location: str, keyword: str
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            response.status_code, headers=response.headers, content=response.content
        )

    client = make_client(kind, answer)
    _, _, kwargs = VALID_CALLS[op_id]
    with pytest.raises(ld.ResponseValidationError) as info:
        await invoke(client, op_id, **kwargs)
    await close(client)
    first = info.value.violations[0]
    assert (first.location, first.keyword) == (location, keyword)
    assert info.value.result is not None and info.value.result.status_code == response.status_code


async def test_real_logto_answers_pass(kind: str) -> None:
    answers = {
        "/api/experience/identification": httpx.Response(
            201, content=b"Created", headers={"content-type": "text/plain; charset=utf-8"}
        ),
        "/api/experience": httpx.Response(204),
        "/api/experience/submit": httpx.Response(
            200, content=b"OK", headers={"content-type": "text/plain; charset=utf-8"}
        ),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        a = answers[request.url.path]
        return httpx.Response(a.status_code, headers=a.headers, content=a.content)

    client = make_client(kind, answer)
    created = await invoke(client, "IdentifyUser", {"verificationId": "v"})
    assert (created.status_code, created.data) == (201, "Created")
    none = await invoke(client, "InitInteraction", {"interactionEvent": "SignIn"})
    assert (none.status_code, none.data) == (204, None)
    ok = await invoke(client, "SubmitInteraction")
    assert ok.data == "OK"
    await close(client)


# -- policies ----------------------------------------------------------------------------------


async def test_warn_policy_never_raises_and_logs(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"nope": 1}))
    client = make_client(kind, recorder, validate="warn")
    with caplog.at_level(logging.WARNING, logger="logto_dynamic"):
        result = await invoke(client, "VerifyTotpVerification", {"code": ""})
    await close(client)
    assert len(recorder.requests) == 1
    assert [v.keyword for v in result.violations] == ["minLength", "required"]
    assert "VerifyTotpVerification" in caplog.text and "minLength" in caplog.text


async def test_off_policy_sends_anything_and_accepts_anything(kind: str) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"whatever": True}))
    client = make_client(kind, recorder, validate="off")
    result = await invoke(client, "VerifyTotpVerification", {"code": ""})
    assert result.violations == () and result.data == {"whatever": True}
    await close(client)


async def test_policy_per_call_and_split_request_response(kind: str) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"nope": 1}))
    client = make_client(kind, recorder)  # strict by default
    with pytest.raises(ld.RequestValidationError):
        await invoke(client, "VerifyBackupCode", {"code": ""})
    result = await invoke(client, "VerifyBackupCode", {"code": ""}, validate="warn")
    assert result.violations
    policy = ld.ValidationPolicy(request="off", response="strict")
    with pytest.raises(ld.ResponseValidationError):
        await invoke(client, "VerifyBackupCode", {"code": ""}, validate=policy)
    await close(client)
    with pytest.raises(ValueError, match="not one of"):
        ld.ValidationPolicy(request="loud")


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ld.BadRequestError),
        (401, ld.UnauthorizedError),
        (403, ld.ForbiddenError),
        (404, ld.NotFoundError),
        (409, ld.ConflictError),
        (422, ld.UnprocessableEntityError),
        (429, ld.RateLimitError),
        (500, ld.ServerError),
        (503, ld.ServerError),
        (405, ld.ApiError),
    ],
)
async def test_error_statuses_raise_typed_errors(kind: str, status: int, cls: type) -> None:
    body = {
        "code": "session.invalid_credentials",
        "message": "Incorrect account or password.",
        "data": {"n": 1},
    }
    client = make_client(kind, lambda request: httpx.Response(status, json=body))
    with pytest.raises(cls) as info:
        await invoke(client, "IdentifyUser", {"verificationId": "v"})
    err = info.value
    assert isinstance(err, ld.ApiError) and type(err) is cls
    assert (err.status_code, err.code, err.message, err.data) == (
        status,
        "session.invalid_credentials",
        "Incorrect account or password.",
        {"n": 1},
    )
    assert "session.invalid_credentials" in str(err)
    # Undocumented statuses (405, 429 here) are response violations; warn keeps the result.
    # Every operation documents 5XX (a real Logto can always fail that way).
    result = await invoke(
        client,
        "IdentifyUser",
        {"verificationId": "v"},
        raise_for_status=False,
        validate=ld.ValidationPolicy("strict", "warn"),
    )
    assert result.status_code == status and result.data == body
    documented = {str(status), f"{status // 100}XX"} & set(result.operation.responses)
    assert [v.keyword for v in result.violations] == ([] if documented else ["status"])
    await close(client)


async def test_error_classes_are_chosen_by_logto_code_before_status(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from logto_dynamic import _results

    class NeedsMore(ld.ForbiddenError):
        @property
        def factors(self) -> list[str]:
            return list((self.data or {}).get("availableFactors", []))

    monkeypatch.setitem(_results.ERRORS_BY_CODE, "session.needs_more", NeedsMore)
    body = {
        "code": "session.needs_more",
        "message": "More.",
        "data": {"availableFactors": ["Totp"]},
    }
    client = make_client(kind, lambda request: httpx.Response(403, json=body))
    with pytest.raises(NeedsMore) as info:
        await invoke(client, "IdentifyUser", {"verificationId": "v"})
    assert info.value.factors == ["Totp"] and info.value.status_code == 403
    assert info.value.operation_id == "IdentifyUser" and info.value.result is not None
    other = {"code": "session.other", "message": "No."}
    client2 = make_client(kind, lambda request: httpx.Response(403, json=other))
    with pytest.raises(ld.ForbiddenError) as plain:
        await invoke(client2, "IdentifyUser", {"verificationId": "v"})
    assert type(plain.value) is ld.ForbiddenError
    await close(client)
    await close(client2)


def test_api_error_only_keeps_what_it_is_given() -> None:
    err = ld.ApiError("Gone.", status_code=410, code="x.gone", data={"a": 1})
    assert (err.message, err.status_code, err.code, err.data) == ("Gone.", 410, "x.gone", {"a": 1})
    assert (err.operation_id, err.violations, err.result) == (None, (), None)
    assert str(err) == "HTTP 410 x.gone: Gone."


async def test_transport_errors_are_mapped_with_the_cause_chained(kind: str) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/submit"):
            raise httpx.ReadTimeout("slow", request=request)
        raise httpx.ConnectError("refused", request=request)

    client = make_client(kind, boom)
    with pytest.raises(ld.ConnectError) as info:
        await invoke(client, "GenerateBackupCodes")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    with pytest.raises(ld.RequestTimeoutError) as timeout:
        await invoke(client, "SubmitInteraction")
    assert isinstance(timeout.value, ld.TransportError)
    assert isinstance(timeout.value.__cause__, httpx.ReadTimeout)
    await close(client)


# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["IdentifyUser", "identifyUser", "identify_user", "identify-user", "IDENTIFYUSER"]
)
async def test_any_spelling_finds_the_operation(kind: str, name: str) -> None:
    recorder = Recorder(_ok_answer)
    client = make_client(kind, recorder)
    await invoke(client, name, {"verificationId": "v"})
    await invoke_op(client, name, {"verificationId": "v"})
    assert client.operation(name).operation_id == "IdentifyUser"
    await close(client)
    assert [r.url.path for r in recorder.requests] == ["/api/experience/identification"] * 2


async def test_unknown_names_suggest_close_matches(kind: str) -> None:
    client = make_client(kind, Recorder())
    with pytest.raises(ld.UnknownOperationError) as info:
        await invoke(client, "identifyUsr")
    assert "IdentifyUser" in info.value.suggestions and "did you mean" in str(info.value)
    with pytest.raises(AttributeError):
        client.ops.createPaswordVerification  # noqa: B018
    assert not hasattr(client.ops, "nothing_like_it")
    assert "CreateTotpSecret" in dir(client.ops) and len(dir(client.ops)) == 37
    assert "create_totp_secret" in client.ops
    doc = client.ops.IdentifyUser.__doc__ or ""
    assert "POST /api/experience/identification" in doc and "201" in doc
    await close(client)


async def test_cookies_carry_across_calls(kind: str) -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        if request.url.path == "/oidc/auth":
            headers = [
                ("set-cookie", "_interaction=abc; path=/; httponly"),
                ("set-cookie", "_interaction.sig=def; path=/; httponly"),
                ("location", "/sign-in"),
            ]
            return httpx.Response(303, headers=headers)
        return _ok_answer(request)

    client = make_client(kind, handler)
    response = client.http.get("http://logto.test/oidc/auth")
    if not isinstance(response, httpx.Response):
        response = await response
    await invoke(client, "InitInteraction", {"interactionEvent": "SignIn"})
    await invoke(client, "SubmitInteraction")
    await close(client)
    assert seen[1:] == ["_interaction=abc; _interaction.sig=def"] * 2


async def test_user_supplied_http_client_is_used_and_left_open(kind: str) -> None:
    recorder = Recorder(_ok_answer)
    transport = httpx.MockTransport(recorder)
    http = (
        httpx.Client(transport=transport)
        if kind == "sync"
        else httpx.AsyncClient(transport=transport)
    )
    cls = ld.Client if kind == "sync" else ld.AsyncClient
    client = cls("http://logto.test", http=http)
    await invoke(client, "SubmitInteraction")
    await close(client)
    assert not http.is_closed
    if isinstance(http, httpx.AsyncClient):
        await http.aclose()
    else:
        http.close()
    with pytest.raises(TypeError):
        cls("http://logto.test", http=http, headers={"x": "y"})


def test_result_and_client_reprs_hide_bodies() -> None:
    client = ld.Client("http://logto.test", transport=httpx.MockTransport(_ok_answer))
    result = client.call("CreateTotpSecret")
    assert result.data["secret"] == "S"
    assert "S" not in repr(result).replace("CreateTotpSecret", "")
    assert repr(result) == "<Result CreateTotpSecret 200>"
    assert "logto.test" in repr(client)
    client.close()


# -- the httpx client is made on first use ------------------------------------------------------


@pytest.mark.parametrize("cls", [ld.Client, ld.AsyncClient])
def test_a_misspelt_httpx_keyword_fails_at_construction(cls: type) -> None:
    with pytest.raises(TypeError, match="timout"):
        cls("http://logto.test", timout=3)


def test_the_httpx_client_is_made_once_with_the_keywords_given() -> None:
    client = ld.Client("http://logto.test", headers={"x-probe": "1"}, timeout=7)
    assert client._http_made is None  # nothing made yet: no TLS context, no httpcore
    made = client.http
    assert client.http is made and made.headers["x-probe"] == "1"
    assert made.timeout.connect == 7
    client.close()
    assert made.is_closed


def test_two_threads_on_a_fresh_client_share_one_httpx_client() -> None:
    import threading

    client = ld.Client("http://logto.test", transport=httpx.MockTransport(_ok_answer))
    seen: list[httpx.Client] = []
    threads = [threading.Thread(target=lambda: seen.append(client.http)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(seen) == 8 and all(http is seen[0] for http in seen)


async def test_a_client_closed_before_its_first_call_refuses_it() -> None:
    sync = ld.Client("http://logto.test", transport=httpx.MockTransport(_ok_answer))
    sync.close()
    with pytest.raises(RuntimeError, match="closed"):
        sync.call("CreateTotpSecret")
    asynchronous = ld.AsyncClient("http://logto.test")
    await asynchronous.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await asynchronous.call("CreateTotpSecret")
