"""The project's Logto 1.42 documents in spec/: what they must document, that they hold none
of Logto's prose, and that tools/update_spec.py reproduces them byte for byte."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _support import reference_file

from logto_dynamic import load_spec

ROOT = Path(__file__).parents[2]
SPEC = ROOT / "spec"
EXPERIENCE = SPEC / "logto-experience-1.42.openapi.json"
MANAGEMENT = SPEC / "logto-management-1.42.openapi.json"
ACCOUNT = SPEC / "logto-account-1.42.openapi.json"
CONFORMANCE = "conformance/requests-logto-1.42.0.json"
CODE_SEND = ("CreateAndSendVerificationCode", "CreateAndSendMfaVerificationCode")
ZOD_EMAIL = (
    r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@"
    r"([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}(?!\n)$"
)
JSON = "application~1json"
#: (operationId or "#", pointer below the operation, or from the document root with "#").
SECRETS = [
    ("InitInteraction", f"requestBody/content/{JSON}/schema/properties/captchaToken"),
    ("CreatePasswordVerification", f"requestBody/content/{JSON}/schema/properties/password"),
    (
        "CreateNewPasswordIdentityVerification",
        f"requestBody/content/{JSON}/schema/properties/password",
    ),
    ("ResetUserPassword", f"requestBody/content/{JSON}/schema/properties/password"),
    ("VerifyVerificationCodeVerification", f"requestBody/content/{JSON}/schema/properties/code"),
    ("VerifyMfaVerificationCode", f"requestBody/content/{JSON}/schema/properties/code"),
    ("VerifyTotpVerification", f"requestBody/content/{JSON}/schema/properties/code"),
    ("VerifyBackupCode", f"requestBody/content/{JSON}/schema/properties/code"),
    ("CreateTotpSecret", f"responses/200/content/{JSON}/schema/properties/secret"),
    ("CreateTotpSecret", f"responses/200/content/{JSON}/schema/properties/secretQrCode"),
    ("GenerateBackupCodes", f"responses/200/content/{JSON}/schema/properties/codes"),
    ("GenerateBackupCodes", f"responses/200/content/{JSON}/schema/properties/codes/items"),
    ("VerifySocialVerification", f"requestBody/content/{JSON}/schema/properties/connectorData"),
    (
        "VerifyEnterpriseSsoVerification",
        f"requestBody/content/{JSON}/schema/properties/connectorData",
    ),
    (
        "VerifyWebAuthnRegistrationVerification",
        f"requestBody/content/{JSON}/schema/properties/payload",
    ),
    (
        "VerifyWebAuthnAuthenticationVerification",
        f"requestBody/content/{JSON}/schema/properties/payload",
    ),
    ("VerifySignInPasskeyAuthentication", f"requestBody/content/{JSON}/schema/properties/payload"),
    ("VerifyOneTimeTokenVerification", f"requestBody/content/{JSON}/schema/properties/token"),
    ("#", "components/schemas/AddUserProfilePasswordPayload/properties/value"),
    ("#", "components/securitySchemes/cookieAuth"),
]


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text)
    return data


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def _at(node: Any, pointer: str) -> Any:
    for part in pointer.split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _at(document, node["$ref"].removeprefix("#/"))
    return node


def _prose(node: Any) -> Iterator[str]:
    """Every string under a `description` or `summary` key (names included, to be strict)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield value
            yield from _prose(value)
    elif isinstance(node, list):
        for value in node:
            yield from _prose(value)


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("update_spec", ROOT / "tools" / "update_spec.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_spec"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def experience() -> dict[str, Any]:
    return _load(EXPERIENCE)


def test_experience_loads_with_the_37_published_operations(experience_142: Path) -> None:
    spec = load_spec(EXPERIENCE)
    assert len(spec.operations) == 37 and not spec.quarantined
    assert not spec.normalization.counts()  # already plain OpenAPI: nothing left to rewrite
    assert set(_operations(_load(EXPERIENCE))) == set(_operations(_load(experience_142)))
    mark = spec.operation("MarkMfaEnabled")
    assert (mark.method.lower(), mark.path) == ("post", "/api/experience/profile/mfa/mfa-enabled")


def test_code_send_operations_document_429_and_422(experience: dict[str, Any]) -> None:
    ops = _operations(experience)
    for name in CODE_SEND:
        responses = ops[name]["responses"]
        for status in ("422", "429", "501"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema in (
                {"$ref": "#/components/schemas/Error"},
                {"$ref": "#/components/schemas/ServerError"},
            ), (name, status)


def test_every_conformance_answer_is_documented(experience: dict[str, Any]) -> None:
    corpus = json.loads(reference_file(CONFORMANCE).read_text(encoding="utf-8"))
    ops = _operations(experience)
    seen = {(r["operation"], str(r["status"])) for r in corpus}
    missing = sorted((op, status) for op, status in seen if status not in ops[op]["responses"])
    assert not missing
    assert len(seen) >= 38


def test_error_bodies(experience: dict[str, Any]) -> None:
    schemas = experience["components"]["schemas"]
    assert schemas["Error"]["required"] == ["code", "message"]
    assert schemas["ServerError"]["required"] == ["message"]
    server_error = experience["components"]["responses"]["ServerError"]
    assert server_error["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ServerError"
    }
    for name, op in _operations(experience).items():
        assert op["responses"]["5XX"] == {"$ref": "#/components/responses/ServerError"}, name
        assert op["security"] == [], name
        for status, response in op["responses"].items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                # a 400 to a body that is not JSON is `{message}` only
                wanted = "BadRequestError" if status == "400" and "requestBody" in op else "Error"
                assert schema == {"$ref": f"#/components/schemas/{wanted}"}, (name, status)
    assert schemas["BadRequestError"]["required"] == ["message"]


def test_secret_markers(experience: dict[str, Any]) -> None:
    ops = _operations(experience)
    for op_id, pointer in SECRETS:
        node = _at(experience if op_id == "#" else ops[op_id], pointer)
        assert node.get("x-logto-secret") is True, (op_id, pointer)


def test_deliberate_deviations_are_kept(experience: dict[str, Any]) -> None:
    ops = _operations(experience)
    [email] = ops["GetEnabledSsoConnectors"]["parameters"]
    email = _resolve(experience, email)
    assert (email["name"], email["in"]) == ("email", "query")
    assert email["schema"] == {"type": "string", "format": "email", "pattern": ZOD_EMAIL}
    created = ops["IdentifyUser"]["responses"]["201"]["content"]
    assert created == {"text/plain": {"schema": {"type": "string", "enum": ["Created"]}}}
    submitted = ops["SubmitInteraction"]["responses"]["200"]["content"]
    assert submitted["text/plain"]["schema"] == {"type": "string", "enum": ["OK"]}
    assert submitted["application/json"]["schema"]["required"] == ["redirectTo"]
    body = ops["AddUserProfile"]["requestBody"]["content"]["application/json"]["schema"]
    mapping = body["discriminator"]["mapping"]
    assert body["discriminator"]["propertyName"] == "type" and len(body["oneOf"]) == 6
    for value, ref in mapping.items():
        assert {"$ref": ref} in body["oneOf"]
        assert _resolve(experience, {"$ref": ref})["properties"]["type"]["enum"] == [value]
    text = EXPERIENCE.read_text(encoding="utf-8")
    assert '"integer"' not in text and '"number"' in text  # Logto's `number` stays
    assert '"format": "\\"' not in text and '"pattern": "/' not in text  # dialect rewritten


@pytest.mark.parametrize(
    ("ours", "name"),
    [
        (EXPERIENCE, "logto-1.42.0-experience.openapi.json"),
        (MANAGEMENT, "logto-1.42.0-management.openapi.json"),
        (ACCOUNT, "logto-1.42.0-user.openapi.json"),
    ],
)
def test_no_logto_prose_is_copied(ours: Path, name: str) -> None:
    theirs = set(_prose(_load(reference_file(name))))
    copied = sorted(set(_prose(_load(ours))) & theirs)
    assert not copied
    for example in ('"example"', '"examples"'):
        assert example not in ours.read_text(encoding="utf-8")


def _runs(texts: Iterator[str] | set[str], n: int = 6) -> set[tuple[str, ...]]:
    """Every run of ``n`` words (lower case, punctuation dropped) of the texts."""
    runs = set()
    for text in texts:
        words = re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()
        runs.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return runs


@pytest.mark.parametrize(
    ("ours", "names"),
    [
        (EXPERIENCE, ["logto-1.42.0-experience.openapi.json"]),
        (SPEC / "logto-experience-1.22.openapi.yaml", ["logto-1.42.0-experience.openapi.json"]),
        (MANAGEMENT, ["logto-1.42.0-management.openapi.json"]),
        (ACCOUNT, ["logto-1.42.0-user.openapi.json"]),
    ],
)
def test_no_six_words_of_logto_prose(ours: Path, names: list[str]) -> None:
    """Not only no copied sentence: no run of six words of Logto's texts either (py-logto's
    generated docs, ExperienceApi.md, carry Logto 1.22's texts)."""
    theirs = _runs(set().union(*(set(_prose(_load(reference_file(n)))) for n in names)))
    theirs |= _runs([reference_file("ExperienceApi.md").read_text(encoding="utf-8")])
    shared = sorted(" ".join(run) for run in _runs(set(_prose(_load(ours)))) & theirs)
    assert not shared, shared[:20]


@pytest.mark.parametrize(
    ("kind", "name", "committed"),
    [
        ("experience", "logto-1.42.0-experience.openapi.json", EXPERIENCE),
        # The 2 MB management document takes ~10 s: a long run, in CI (--slow) only.
        pytest.param(
            "management",
            "logto-1.42.0-management.openapi.json",
            MANAGEMENT,
            marks=pytest.mark.slow,
        ),
        ("account", "logto-1.42.0-user.openapi.json", ACCOUNT),
    ],
)
def test_regeneration_reproduces_the_committed_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    name: str,
    committed: Path,
) -> None:
    out = tmp_path / committed.name
    argv = [
        "--from",
        str(reference_file(name)),
        "--kind",
        kind,
        "--version",
        "1.42",
        "--out",
        str(out),
    ]
    assert _tool().main(argv, spec_dir=SPEC) == 0
    assert "no problems" in capsys.readouterr().out
    assert out.read_bytes() == committed.read_bytes()


def test_management_document_loads() -> None:
    spec = load_spec(MANAGEMENT)
    assert len(spec.operations) >= 280 and not spec.quarantined
    oauth = spec.document["components"]["securitySchemes"]["OAuth2"]
    assert oauth["type"] == "oauth2"
    flow = oauth["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oidc/token" and list(flow["scopes"]) == ["all"]
    assert spec.document["security"] == [{"OAuth2": ["all"]}]
