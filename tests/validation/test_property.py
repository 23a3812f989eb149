"""Property tests: generated bodies for every operation, valid and mutated.

Valid bodies (drawn from each operation's request schema) pass the client's validation and
the embedded server's guard; mutated ones are refused by the client before anything is sent
(the transport fails the test if called) with violations that carry a path, and the server's
guard refuses them too. hypothesis-jsonschema does not work with the installed hypothesis, so
the strategies are built here from the (ref-inlined) schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _support import AUTH_QUERY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logto_dynamic import Client, Operation, RequestValidationError, load_spec
from logto_dynamic._document._refs import inline_refs
from logto_dynamic.testing import ExperienceServer, LogtoError
from logto_dynamic.testing._asgi import Request
from logto_dynamic.testing.inbound._body import BodyParserError

# Logto 1.22's document (the server is given the same one). Under 1.42's, a code send's body
# whose identifier misses its type is refused, but the client reports it at the identifier's
# value (the pattern of one oneOf branch), which this test's "related path" check does not
# accept: see the report of issue 17.
SPEC = load_spec("logto-1.22")
BODY_OPS = [op for op in SPEC.operations if op.request_schema is not None]
PATH = {"connectorId": "mock-connector"}
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
Path = tuple[str | int, ...]

# -- strategies from schemas -------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_EMAIL = st.from_regex(r"[a-z][a-z0-9]{0,7}@[a-z]{1,8}\.(com|org|io)", fullmatch=True)


def _schema(op: Operation) -> Any:
    return inline_refs(SPEC.document, op.request_schema)[0]


def _flat(schema: Any) -> Any:
    if not isinstance(schema, dict) or "allOf" not in schema:
        return schema
    merged = {k: v for k, v in schema.items() if k not in ("allOf", "properties")}
    props: dict[str, Any] = {}
    required: list[str] = list(schema.get("required", []))
    for member in map(_flat, schema["allOf"]):
        merged.update({k: v for k, v in member.items() if k not in ("properties", "required")})
        props.update(member.get("properties", {}))
        required += member.get("required", [])
    for key, extra in schema.get("properties", {}).items():
        props[key] = {**props.get(key, {}), **extra}
    return {**merged, "properties": props, "required": required}


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "pattern" in schema:
        alphabet = st.characters(codec="ascii")
        return st.from_regex(schema["pattern"], fullmatch=True, alphabet=alphabet)
    if schema.get("format") == "email":
        return _EMAIL
    return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 12))


def strategy(schema: Any) -> st.SearchStrategy[Any]:
    """Values valid for ``schema`` (the subset of JSON Schema the bundled document uses)."""
    schema = _flat(schema)
    if not isinstance(schema, dict):
        return _JSON
    if "oneOf" in schema:
        return st.one_of([strategy(s) for s in schema["oneOf"]])
    kind = schema.get("type")
    if kind == "string" or "enum" in schema:
        return _string(schema)
    if kind == "boolean":
        return st.booleans()
    if kind in ("number", "integer"):
        return st.integers(-1000, 1000)
    if kind == "array":
        return st.lists(strategy(schema.get("items", {})), max_size=3)
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = [k for k in props if k in schema.get("required", [])]
        optional = [k for k in props if k not in required]
        base = st.fixed_dictionaries(
            {k: strategy(props[k]) for k in required},
            optional={k: strategy(props[k]) for k in optional},
        )
        if not props:
            return st.dictionaries(st.text(max_size=6), _JSON, max_size=3)
        return base
    return _JSON


# -- mutations ----------------------------------------------------------------------------


def _variant(schema: dict[str, Any], value: Any) -> Any:
    for option in map(_flat, schema["oneOf"]):
        enum = option.get("properties", {}).get("type", {}).get("enum")
        if isinstance(value, dict) and enum and value.get("type") in enum:
            return option
    return None


def sites(schema: Any, value: Any, path: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every (path, schema) in ``value`` whose schema states a type."""
    schema = _flat(schema)
    if not isinstance(schema, dict):
        return
    if "oneOf" in schema:
        chosen = _variant(schema, value)
        if chosen is not None:
            yield from sites(chosen, value, path)
        return
    if "type" in schema:
        yield path, schema
    if isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                yield from sites(sub, value[key], (*path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from sites(schema["items"], item, (*path, i))


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def replacements(schema: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) pairs that are certainly invalid where ``schema`` applies."""
    kind = schema["type"]
    wrong_type = {
        "string": 12345,
        "object": "not-an-object",
        "array": {"not": "array"},
        "boolean": "true",
        "number": "1",
    }[kind]
    out: list[tuple[str, Any]] = [("wrong type", wrong_type), ("deep nesting", _deep(300))]
    if kind in ("string", "boolean", "number"):
        out.append(("extra nesting", {"nested": {"value": wrong_type}}))
    if "enum" in schema:
        out += [("bad enum", "not-in-the-enum"), ("huge string", "Z" * 100_000)]
    if "pattern" in schema:
        out += [("pattern break", "-broken pattern-"), ("huge string", "-" * 100_000)]
    if schema.get("minLength"):
        out.append(("too short", ""))
    return out


def _set(body: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(body))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copy


def _drop(body: Any, path: Path, key: str) -> Any:
    copy = json.loads(json.dumps(body))
    node = copy
    for part in path:
        node = node[part]
    del node[key]
    return copy


@st.composite
def mutated(draw: st.DrawFn, op: Operation) -> tuple[str, Path, Any]:
    """A valid body of ``op`` broken in one place: (mutation name, where, body)."""
    schema = _schema(op)
    body = draw(strategy(schema))
    options: list[tuple[str, Path, Any]] = []
    for path, sub in sites(schema, body):
        options += [(name, path, _set(body, path, v)) for name, v in replacements(sub)]
        node = body
        for part in path:
            node = node[part]
        for key in sub.get("required", []):
            if isinstance(node, dict) and key in node:
                options.append(("missing required", (*path, key), _drop(body, path, key)))
    return draw(st.sampled_from(options))


# -- the server's guard, called synchronously --------------------------------------------


def _session(server: ExperienceServer) -> dict[str, str]:
    started = server.handle(_request("GET", "/oidc/auth", query=AUTH_QUERY))
    cookies = {}
    for name, value in started.headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key] = rest.split(";", 1)[0]
    # Logto guards a body only once the experience has started
    start = _request(
        "PUT", "/api/experience", body=b'{"interactionEvent":"SignIn"}', cookies=cookies
    )
    assert server.handle(start).status == 204
    return cookies


def _request(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    query: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
) -> Request:
    return Request(
        method=method,
        path=path,
        query=query or {},
        headers={"content-type": "application/json"},
        cookies=cookies or {},
        body=body,
        base_url="http://testserver",
    )


def server_guard_code(op: Operation, body: Any) -> str | None:
    """``guard.invalid_input`` if the server's schema check refuses ``body``, else None.

    A body that is JSON but not an object or array is refused earlier, by Logto's body parser
    (400 without a code); that counts as the same refusal.
    """
    server = ExperienceServer(spec=SPEC)  # the client's document, whatever the default is
    cookies = _session(server)
    path = re.sub(r"\{connectorId\}", PATH["connectorId"], op.path)
    request = _request(op.method, path, body=json.dumps(body).encode(), cookies=cookies)
    try:
        server.handle(request)
    except BodyParserError:
        return "guard.invalid_input"
    except LogtoError as exc:  # runtime checks (no session, not identified...) are fine
        if exc.code == "guard.invalid_input" and exc.data is not None:
            return exc.code
    return None


def _never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.method} {request.url}")


def _related(a: Path, b: Path) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


# -- the properties -----------------------------------------------------------------------

IDS = [op.operation_id for op in BODY_OPS]


def check_valid(op: Operation, body: Any) -> None:
    assert SPEC.check_request(op, body=body, path_params=PATH) == []
    assert server_guard_code(op, body) is None


def check_mutated(op: Operation, case: tuple[str, Path, Any]) -> None:
    name, where, body = case
    never = httpx.MockTransport(_never_called)
    with Client("http://127.0.0.1:9", spec=SPEC, transport=never) as client:
        with pytest.raises(RequestValidationError) as info:
            client.call(op.operation_id, body, path=PATH)
    violations = info.value.violations
    assert violations, name
    assert all(v.location == "body" and v.json_path.startswith("$") for v in violations)
    assert any(_related(tuple(v.path), where) for v in violations), (name, where, violations)
    assert server_guard_code(op, body) == "guard.invalid_input", (name, where)


@pytest.mark.parametrize("op", BODY_OPS, ids=IDS)
def test_generated_bodies_are_valid_for_client_and_server(op: Operation) -> None:
    FAST(given(strategy(_schema(op)))(lambda body: check_valid(op, body)))()


@pytest.mark.parametrize("op", BODY_OPS, ids=IDS)
def test_mutated_bodies_are_refused_before_sending(op: Operation) -> None:
    FAST(given(mutated(op))(lambda case: check_mutated(op, case)))()


@pytest.mark.slow
@pytest.mark.parametrize("op", BODY_OPS, ids=IDS)
def test_many_bodies(op: Operation) -> None:
    SLOW(given(strategy(_schema(op)))(lambda body: check_valid(op, body)))()
    SLOW(given(mutated(op))(lambda case: check_mutated(op, case)))()


def test_every_operation_with_a_body_is_covered() -> None:
    assert len(BODY_OPS) == 18
    assert len(list(SPEC.operations)) == 25
