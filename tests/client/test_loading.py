"""Where documents come from: bundled, files (JSON/YAML, split), URLs, dicts, Specs, servers;
OpenAPI 3.0 and 3.1; the update_spec tool."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from logto_dynamic import Client, RequestValidationError, Spec, SpecLoadError, load_spec
from logto_dynamic._document._load import BUNDLED_SPEC_NAME, WELL_KNOWN_PATH, bundled_spec_path
from logto_dynamic.testing._uvicorn import serve_app

FIXTURES = Path(__file__).parents[1] / "fixtures"
ROOT = Path(__file__).parents[2]


def _mini(version: str = "3.0.3", title: str = "mini") -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": title, "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "MakeThing",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {"name": {"type": "string", "minLength": 1}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["id"],
                                        "properties": {"id": {"type": "string"}},
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
    }


def _mock(responder: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(responder)


# -- sources ---------------------------------------------------------------------------------


def test_every_kind_of_source(tmp_path: Path) -> None:
    bundled = load_spec()
    assert bundled is load_spec(None) and len(bundled.index) == 37
    assert bundled is load_spec("bundled") is load_spec("logto-1.42")
    older = load_spec("logto-1.22")
    assert len(older.index) == 25 and older.api_version == "1.22.0"
    assert "GetInteraction" not in older.operations and "GetInteraction" in bundled.operations
    assert len(load_spec("logto-management-1.42").index) == 284
    json_path = tmp_path / "mini.json"
    json_path.write_text(json.dumps(_mini()))
    yaml_path = tmp_path / "mini.yaml"
    yaml_path.write_text(yaml.safe_dump(_mini(title="yaml")))
    from_json, from_yaml = load_spec(json_path), load_spec(str(yaml_path))
    assert from_json.title == "mini" and from_yaml.title == "yaml"
    assert load_spec(_mini()).operation("make_thing").path == "/things"
    assert load_spec(from_json) is from_json
    for source in (None, json_path, yaml_path, _mini(), from_json):
        client = Client("http://x", spec=source)  # type: ignore[arg-type]
        assert isinstance(client.spec, Spec)
        client.close()


def test_files_are_cached_and_reloaded_when_changed(tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(_mini()))
    first = load_spec(path)
    assert load_spec(str(path)) is first
    assert Client("http://x", spec=path).spec is first
    assert load_spec(path, refresh=True) is not first
    assert load_spec(path, normalize=False) is not load_spec(path)


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(SpecLoadError):
        load_spec(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SpecLoadError, match="invalid JSON"):
        load_spec(bad)


def test_bundled_path_exists() -> None:
    assert bundled_spec_path().name == BUNDLED_SPEC_NAME and bundled_spec_path().is_file()


# -- split documents ----------------------------------------------------------------------------


def test_split_document_is_bundled_on_load() -> None:
    spec = load_spec(FIXTURES / "split" / "openapi.yaml", refresh=True)
    assert not spec.quarantined and set(spec.index.ids) == {"PutPet", "CreateOwner"}
    text = json.dumps(spec.document)
    assert ".yaml" not in text  # every file ref became local
    schemas = spec.document["components"]["schemas"]
    assert {"Owner", "schemas_Pet", "schemas_Kind", "schemas_Error"} <= set(schemas)
    put = spec.operation("PutPet")
    assert [p.name for p in put.parameters] == ["petId"]
    ok = {"name": "Rex", "kind": "dog", "tag": "good"}
    assert spec.check_request(put, body=ok, path_params={"petId": "12"}) == []
    bad = spec.check_request(
        put, body={"name": "Rex", "kind": "cow", "tag": "B4D"}, path_params={"petId": "x"}
    )
    assert {(v.location, v.keyword) for v in bad} == {
        ("body", "enum"),
        ("body", "pattern"),
        ("path", "pattern"),
    }
    owner = spec.operation("CreateOwner")
    assert spec.check_request(owner, body={"name": "a", "pets": [{"name": ""}]})
    assert not spec.responses.check(put, 404, "application/json", b'{"message": "gone"}').violations
    assert spec.responses.check(put, 404, "application/json", b"{}").violations


def test_split_document_with_a_missing_file_quarantines_the_operation(tmp_path: Path) -> None:
    doc = _mini()
    doc["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "missing.yaml#/Thing"
    }
    doc["paths"]["/other"] = {
        "get": {"operationId": "Other", "responses": {"204": {"description": "ok"}}}
    }
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(doc))
    spec = load_spec(path)
    assert "MakeThing" in spec.quarantined and "missing.yaml" in spec.quarantined["MakeThing"][0]
    assert spec.operation("Other").path == "/other"


# -- OpenAPI 3.1 ---------------------------------------------------------------------------------


def _doc31() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t31", "version": "1"},
        "paths": {
            "/items/{id}": {
                "put": {
                    "operationId": "PutItem",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]+$"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Item"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "required": ["kind", "note"],
                    "properties": {
                        "kind": {"const": "thing"},
                        "note": {"type": ["string", "null"]},
                        "size": {"type": "integer", "exclusiveMinimum": 0},
                        "tags": {
                            "type": "array",
                            "prefixItems": [{"type": "string"}],
                            "items": {"type": "number"},
                        },
                    },
                }
            }
        },
    }


def test_openapi_31_requests_and_responses_validate() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, json={"kind": "thing", "note": None})

    with Client("http://t", spec=_doc31(), transport=_mock(handler)) as client:
        assert client.spec.version == "3.1.0"
        result = client.call(
            "PutItem",
            {"kind": "thing", "note": None, "size": 1, "tags": ["a", 2]},
            path={"id": "7"},
        )
        assert result.data == {"kind": "thing", "note": None}
        for bad in (
            {"kind": "other", "note": "x"},
            {"kind": "thing", "note": 5},
            {"kind": "thing", "note": None, "size": 0},
            {"kind": "thing", "note": None, "tags": [1]},
            {"kind": "thing"},
        ):
            with pytest.raises(RequestValidationError):
                client.call("PutItem", bad, path={"id": "7"})
        with pytest.raises(RequestValidationError):
            client.call("PutItem", {"kind": "thing", "note": None}, path={"id": "x"})
    assert len(seen) == 1


def test_openapi_31_response_violations() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"kind": "thing", "note": 3})

    with Client("http://t", spec=_doc31(), transport=_mock(handler)) as client:
        from logto_dynamic import ResponseValidationError

        with pytest.raises(ResponseValidationError, match="note"):
            client.call("PutItem", {"kind": "thing", "note": None}, path={"id": "1"})


def test_unsupported_openapi_version() -> None:
    from logto_dynamic import SpecError

    with pytest.raises(SpecError, match="only OpenAPI 3.0 and 3.1"):
        load_spec({"swagger": "2.0", "paths": {}})


# -- from a live server (loopback) ---------------------------------------------------------------


def _app(document: dict[str, Any], calls: list[str]) -> Any:
    body = json.dumps(document).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        calls.append(f"{scope['method']} {scope['path']}")
        if scope["path"] == WELL_KNOWN_PATH:
            status, headers, payload = 200, [(b"content-type", b"application/json")], body
        elif scope["path"] == "/things":
            status, headers = 200, [(b"content-type", b"application/json")]
            payload = b'{"id": "t1"}'
        else:
            status, headers, payload = 404, [], b""
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


@pytest.mark.loopback
def test_client_from_server_loads_the_published_document() -> None:
    calls: list[str] = []
    with serve_app(_app(_mini(title="served"), calls)) as base_url:
        with Client.from_server(base_url) as client:
            assert client.spec.title == "served"
            assert client.call("MakeThing", {"name": "a"}).data == {"id": "t1"}
            with pytest.raises(RequestValidationError):
                client.call("MakeThing", {"name": ""})
        with Client.from_server(base_url) as again:  # shared and cached
            assert again.spec is client.spec
    assert calls.count(f"GET {WELL_KNOWN_PATH}") == 1 and calls.count("POST /things") == 1


def _published(server: Any, document: dict[str, Any], delay: float) -> Any:
    """The embedded server, plus the document it publishes (answered after ``delay`` s)."""
    import asyncio

    body = json.dumps(document).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == WELL_KNOWN_PATH:
            await asyncio.sleep(delay)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await server(scope, receive, send)

    return app


@pytest.mark.loopback
@pytest.mark.anyio
async def test_async_client_from_server_is_awaited_and_does_not_block_the_loop(
    server: Any,
) -> None:
    import asyncio

    from _support import auth_query

    from logto_dynamic import AsyncClient
    from logto_dynamic._document._load import read_document

    document = read_document(bundled_spec_path())
    document["info"]["title"] = "published, fetched asynchronously"
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    with serve_app(_published(server, document, delay=0.3)) as base_url:
        task = asyncio.create_task(ticker())
        try:
            client = await AsyncClient.from_server(base_url)
        finally:
            task.cancel()
        assert ticks >= 10, f"the event loop ran only {ticks} times during the fetch"
        async with client:
            assert client.spec.title == "published, fetched asynchronously"
            query = auth_query(base_url)
            assert (await client.http.get(f"{base_url}/oidc/auth", params=query)).status_code == 303
            result = await client.call("InitInteraction", {"interactionEvent": "SignIn"})
            assert result.status_code == 204
        again = await AsyncClient.from_server(base_url)  # cached: the same Spec
        assert again.spec is client.spec
        await again.aclose()


@pytest.mark.loopback
def test_unreachable_server() -> None:
    with pytest.raises(SpecLoadError, match="cannot fetch"):
        load_spec("http://127.0.0.1:9/api/.well-known/experience.openapi.json", refresh=True)


# -- tools/update_spec.py ------------------------------------------------------------------------


def _update_spec_module() -> Any:
    spec = importlib.util.spec_from_file_location("update_spec", ROOT / "tools" / "update_spec.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_spec"] = module
    spec.loader.exec_module(module)
    return module


def test_update_spec_tool_writes_normalised_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = _update_spec_module()
    bundled = bundled_spec_path()
    before = bundled.read_bytes()
    published = _mini(version="3.0.1", title="published")
    published["info"]["description"] = "Logto's own words."
    post = published["paths"]["/things"]["post"]
    post["summary"] = "Make a thing (Logto's words)."
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    schema["properties"]["kind"] = {"type": "string", "format": '"thing"', "description": "x"}
    schema["properties"]["description"] = {"type": "string", "example": "a property name"}
    post["responses"]["400"] = {"description": "Bad Request"}
    source = tmp_path / "published.json"
    source.write_text(json.dumps(published))
    spec_dir = tmp_path / "spec"

    assert tool.main(["--from", str(source)], spec_dir=spec_dir) == 0
    out = capsys.readouterr().out
    written = spec_dir / "logto-experience-1.openapi.json"
    assert written.is_file() and f"wrote {written}" in out
    assert "literal-format" in out and "no problems" in out
    data = json.loads(written.read_text())
    assert "description" not in data["info"] and "summary" not in data["paths"]["/things"]["post"]
    props = data["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]["properties"]
    assert props["kind"] == {"type": "string", "enum": ["thing"]}
    assert props["description"] == {"type": "string"}  # a property named so stays
    responses = data["paths"]["/things"]["post"]["responses"]
    assert responses["400"]["description"] == "400 Bad Request"  # ours, not Logto's
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("Error")

    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                # the only error answer is the 400 of an operation with a body: no `code`
                "rename": {
                    "#/components/schemas/LogtoBadRequestError": "#/components/schemas/Error"
                },
                "document": {"info": {"title": "ours"}},
                "every-operation": {"responses": {"5XX": {"description": "any"}}},
                "operations": {
                    "MakeThing": {
                        "summary": "Make one",
                        "requestBody": {
                            "content": {
                                "application/json": {
                                    "schema": {"properties": {"name": {"x-logto-secret": True}}}
                                }
                            }
                        },
                    }
                },
            }
        )
    )
    target = tmp_path / "named.yaml"
    argv = [
        "--from",
        str(source),
        "--version",
        "2",
        "--overlay",
        str(overlay),
        "--out",
        str(target),
    ]
    assert tool.main(argv, spec_dir=spec_dir) == 0
    data = yaml.safe_load(target.read_text())
    assert data["info"] == {"title": "ours", "version": "2"}
    post = data["paths"]["/things"]["post"]
    assert list(post)[:2] == ["operationId", "summary"] and post["summary"] == "Make one"
    assert post["responses"]["5XX"] == {"description": "any"}
    assert post["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert data["components"]["schemas"]["Error"]["required"] == ["message"]
    assert "LogtoBadRequestError" not in data["components"]["schemas"]
    assert (
        post["requestBody"]["content"]["application/json"]["schema"]["properties"]["name"][
            "x-logto-secret"
        ]
        is True
    )
    capsys.readouterr()
    published["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ].pop("required")
    source.write_text(json.dumps(published))
    assert tool.main(argv, spec_dir=spec_dir) == 0
    assert "required-removed" in capsys.readouterr().out  # diffed against the previous file
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"operations": {"NoSuchOperation": {"summary": "x"}}}))
    assert tool.main(["--from", str(source), "--overlay", str(bad)], spec_dir=spec_dir) == 2
    assert tool.main(["--from", str(tmp_path / "missing.json")], spec_dir=spec_dir) == 2
    assert bundled.read_bytes() == before
    assert load_spec(written).operation("MakeThing").path == "/things"


# -- a server's base URL, and fetch timeouts ------------------------------------------------------


@pytest.mark.loopback
def test_a_servers_base_url_finds_its_published_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from logto_dynamic._cli import main
    from logto_dynamic.testing import ExperienceServer

    server = ExperienceServer(spec=load_spec("logto-1.22"))
    with serve_app(server) as base_url:
        spec = load_spec(base_url, refresh=True)  # no path: the server's Experience document
        assert spec.origin == base_url and spec.api_version == "1.22.0"
        assert len(spec.index) == 25
        assert load_spec(base_url + "/", refresh=True).api_version == "1.22.0"
        assert main(["ops", "--spec", base_url]) == 0
        assert "25 operations" in capsys.readouterr().out.splitlines()[0]
        with Client(base_url, spec=base_url) as client:
            assert client.spec.api_version == "1.22.0"
    mounted_calls: list[str] = []

    async def mounted(scope: dict[str, Any], receive: Any, send: Any) -> None:  # under /logto
        mounted_calls.append(scope["path"])
        inner = dict(scope, path=scope["path"].removeprefix("/logto"))
        await server(inner, receive, send)

    with serve_app(mounted) as base_url:  # a server under a path: the URL, then its document
        assert load_spec(base_url + "/logto", refresh=True).api_version == "1.22.0"
    assert mounted_calls == ["/logto", "/logto" + WELL_KNOWN_PATH]


@pytest.mark.loopback
def test_fetches_wait_30_seconds_by_default_and_can_wait_less() -> None:
    import inspect

    from logto_dynamic._document._load import FETCH_TIMEOUT, fetch_document

    assert FETCH_TIMEOUT >= 30
    assert inspect.signature(load_spec).parameters["timeout"].default == FETCH_TIMEOUT
    assert inspect.signature(fetch_document).parameters["timeout"].default == FETCH_TIMEOUT
    calls: list[str] = []
    slow = _published(_app(_mini(title="slow"), calls), _mini(title="slow"), delay=1.0)
    with serve_app(slow) as base_url:
        with pytest.raises(SpecLoadError, match=r"no answer in time.*--spec-timeout"):
            load_spec(base_url, refresh=True, timeout=0.2)
        assert load_spec(base_url, refresh=True, timeout=5).title == "slow"
