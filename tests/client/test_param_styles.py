"""Parameter styles round-trip: what the client encodes, traffic validation decodes and accepts.

One operation documents a parameter of each OpenAPI style (path simple/label/matrix, query
form/spaceDelimited/pipeDelimited/deepObject, header, cookie) with typed schemas. The client
encodes a call; the raw request it sent goes through ``TrafficValidator``, which must decode
every parameter back to the JSON values the caller gave (object property values converted by
their property schemas, like primitives), and refuse the same request with wrong types.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

import logto_dynamic as ld
from logto_dynamic._document._operations import Parameter
from logto_dynamic._validation._params import (
    decode_headers,
    decode_path_params,
    decode_query,
    encode_path,
    encode_query,
)

NUMBERS = {"type": "array", "items": {"type": "number"}}
POINT = {
    "type": "object",
    "properties": {"x": {"type": "number"}, "y": {"type": "boolean"}},
    "required": ["x", "y"],
}


def _param(name: str, where: str, schema: dict[str, Any], **style: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, **style}


PARAMS = [
    _param("ids", "path", NUMBERS),
    _param(
        "tags", "path", {"type": "array", "items": {"type": "string"}}, style="label", explode=True
    ),
    _param("point", "path", POINT, style="matrix", explode=True),
    _param("n", "query", {"type": "integer"}),
    _param("flag", "query", {"type": "boolean"}),
    _param("many", "query", NUMBERS),  # form, exploded
    _param("csv", "query", NUMBERS, explode=False),
    _param("spaced", "query", NUMBERS, style="spaceDelimited", explode=False),
    _param("piped", "query", NUMBERS, style="pipeDelimited", explode=False),
    _param("filter", "query", POINT, style="deepObject", explode=True),
    _param("flat", "query", POINT, explode=False),
    _param("X-Sizes", "header", NUMBERS),
    _param("X-Point", "header", POINT, explode=True),
]
DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "styles", "version": "1"},
    "paths": {
        "/items/{ids}/{tags}/{point}": {
            "get": {
                "operationId": "GetItems",
                "parameters": PARAMS,
                "responses": {"204": {"description": "ok"}},
            }
        }
    },
}
VALUES = {
    "path": {"ids": [1, 2.5], "tags": ["a", "b c"], "point": {"x": 3, "y": True}},
    "query": {
        "n": 7,
        "flag": False,
        "many": [1, 2],
        "csv": [3, 4],
        "spaced": [5, 6],
        "piped": [7, 8],
        "filter": {"x": 1, "y": False},
        "flat": {"x": 2, "y": True},
    },
    "headers": {"X-Sizes": [9, 10], "X-Point": {"x": 4, "y": False}},
}
OBJECTS = {"point", "filter", "flat", "X-Point"}


def _sent(values: dict[str, Any], validate: str = "strict") -> httpx.Request:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with ld.Client("http://h", spec=DOC, transport=httpx.MockTransport(answer)) as client:
        client.call(
            "GetItems",
            path=values["path"],
            query=values["query"],
            headers=values["headers"],
            validate=validate,
        )
    (request,) = seen
    return request


def _decoded_problems(values: dict[str, Any], validate: str = "strict") -> set[str]:
    """The parameter names TrafficValidator finds fault with in the request the client sent."""
    request = _sent(values, validate)
    report = ld.TrafficValidator(DOC).validate_request(
        request.method, str(request.url), request.headers.multi_items()
    )
    assert report.operation_id == "GetItems"
    return {str(v.name) for v in report.violations}


def test_the_client_encodes_every_style() -> None:
    request = _sent(VALUES)
    raw = request.url.raw_path.decode()
    assert raw.startswith("/items/1%2C2.5/.a.b%20c/;x=3;y=true?"), raw
    query = raw.split("?", 1)[1].split("&")
    assert {
        "n=7",
        "flag=false",
        "many=1",
        "many=2",
        "csv=3%2C4",
        "spaced=5+6",
        "piped=7%7C8",
        "filter%5Bx%5D=1",
        "filter%5By%5D=false",
        "flat=x%2C2%2Cy%2Ctrue",
    } == set(query)
    assert request.headers["X-Sizes"] == "9,10" and request.headers["X-Point"] == "x=4,y=false"


def test_scalar_and_array_styles_round_trip() -> None:
    assert _decoded_problems(VALUES) - OBJECTS == set()


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_object_styles_round_trip(name: str) -> None:
    assert name not in _decoded_problems(VALUES)


def test_every_value_decodes_to_what_the_caller_gave() -> None:
    request = _sent(VALUES)
    matched = ld.Spec(DOC).match("GET", request.url.path)
    assert matched is not None
    op, raw = matched
    pairs = parse_qsl(request.url.query.decode(), keep_blank_values=True)
    assert decode_path_params(op.parameters, raw, DOC) == VALUES["path"]
    assert decode_query(op.parameters, pairs, DOC) == VALUES["query"]
    assert decode_headers(op.parameters, request.headers.multi_items(), DOC) == VALUES["headers"]


def _p(name: str, where: str, schema: dict[str, Any], style: str, explode: bool) -> Parameter:
    return Parameter(name, where, where == "path", schema, style, explode)


@pytest.mark.parametrize(
    ("style", "explode", "schema", "value", "wire"),
    [
        ("matrix", True, NUMBERS, [1, 2.5], ";v=1;v=2.5"),
        ("matrix", False, POINT, {"x": 1, "y": True}, ";v=x,1,y,true"),
        ("label", True, POINT, {"x": 1, "y": True}, ".x=1.y=true"),
        ("label", False, POINT, {"x": 1, "y": True}, ".x,1,y,true"),
        ("simple", False, POINT, {"x": 1.5, "y": False}, "x%2C1.5%2Cy%2Cfalse"),
    ],
)
def test_path_styles_round_trip(
    style: str, explode: bool, schema: dict[str, Any], value: Any, wire: str
) -> None:
    param = _p("v", "path", schema, style, explode)
    assert encode_path(param, value) == wire
    decoded = {"v": wire.replace("%2C", ",")}  # what path matching hands over: percent-decoded
    assert decode_path_params((param,), decoded) == {"v": value}


@pytest.mark.parametrize(
    ("style", "explode", "wire"),
    [
        ("pipeDelimited", False, [("v", "x|1|y|true")]),
        ("spaceDelimited", False, [("v", "x 1 y true")]),
        ("form", True, [("x", "1"), ("y", "true")]),
    ],
)
def test_query_object_styles_round_trip(
    style: str, explode: bool, wire: list[tuple[str, str]]
) -> None:
    param = _p("v", "query", POINT, style, explode)
    assert encode_query(param, {"x": 1, "y": True}) == wire
    assert decode_query((param,), wire) == {"v": {"x": 1, "y": True}}


def test_an_exploded_form_object_leaves_other_parameters_alone() -> None:
    point = _p("p", "query", POINT, "form", True)
    deep = _p("d", "query", POINT, "deepObject", True)
    pairs = [("x", "1"), ("y", "false"), ("d[x]", "2"), ("d[y]", "true")]
    assert decode_query((point, deep), pairs) == {
        "p": {"x": 1, "y": False},
        "d": {"x": 2, "y": True},
    }


def test_property_schemas_come_from_refs_and_additional_properties() -> None:
    doc = {"components": {"schemas": {"Point": POINT}}}
    ref = _p("r", "query", {"$ref": "#/components/schemas/Point"}, "deepObject", True)
    extra = {"type": "object", "additionalProperties": {"type": "integer"}}
    mapped = _p("m", "query", extra, "deepObject", True)
    pairs = [("r[x]", "1.5"), ("r[y]", "true"), ("r[z]", "7"), ("m[a]", "3"), ("m[b]", "q")]
    assert decode_query((ref, mapped), pairs, doc) == {
        "r": {"x": 1.5, "y": True, "z": "7"},
        "m": {"a": 3, "b": "q"},
    }


BAD = [
    ("query", "n", "seven"),
    ("query", "flag", "maybe"),
    ("query", "many", ["x"]),
    ("query", "csv", ["1", "y"]),
    ("query", "spaced", ["z"]),
    ("query", "piped", ["w"]),
    ("headers", "X-Sizes", ["a"]),
    ("path", "ids", ["q"]),
    ("path", "tags", [{"a": 1}]),
    ("path", "point", {"x": "a", "y": True}),
    ("query", "filter", {"x": 1, "y": "no"}),
    ("query", "flat", {"x": "b", "y": True}),
    ("headers", "X-Point", {"x": 4, "y": "0"}),
]


@pytest.mark.parametrize(("where", "name", "bad"), BAD)
def test_a_wrong_value_in_any_style_is_found(where: str, name: str, bad: Any) -> None:
    values = {k: dict(v) for k, v in VALUES.items()}
    values[where][name] = bad
    with pytest.raises(ld.RequestValidationError) as info:  # the client refuses it ...
        _sent(values)
    assert {v.name for v in info.value.violations} == {name}
    if name != "tags":  # (an object inside a label array is not decodable from the wire)
        assert _decoded_problems(values, validate="off") == {name}  # ... and so do we
