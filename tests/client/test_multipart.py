"""Multipart bodies (UploadExperienceAvatar in Logto 1.42) reach the server as form-data."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from logto_dynamic import Client, RequestValidationError, load_spec


def _upload_doc(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "upload", "version": "1"},
        "paths": {
            "/api/experience/user-assets/avatar": {
                "post": {
                    "operationId": "UploadExperienceAvatar",
                    "requestBody": {"content": {"multipart/form-data": {"schema": schema}}},
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["url"],
                                        "properties": {"url": {"type": "string"}},
                                    }
                                }
                            },
                        },
                        "400": {"description": "Bad Request"},
                    },
                }
            }
        },
    }


class _Server:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json={"url": "https://cdn.example/a.png"})


def _check_multipart(request: httpx.Request, payload: bytes, filename: str) -> None:
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    body = request.content
    assert b'name="file"' in body and f'filename="{filename}"'.encode() in body
    assert payload in body and b"Content-Type: image/png" in body


def test_multipart_file_tuple_is_sent_as_form_data() -> None:
    server = _Server()
    doc = _upload_doc({"properties": {"file": {"description": "The avatar image file."}}})
    with Client("http://t", spec=doc, transport=httpx.MockTransport(server)) as client:
        png = b"\x89PNG\r\n\x1a\nfake"
        result = client.call("UploadExperienceAvatar", {"file": ("a.png", png, "image/png")})
        assert result.data == {"url": "https://cdn.example/a.png"}
        result = client.ops.UploadExperienceAvatar(
            {"file": ("b.png", io.BytesIO(png), "image/png")}
        )
    assert len(server.requests) == 2
    _check_multipart(server.requests[0], png, "a.png")
    _check_multipart(server.requests[1], png, "b.png")


def test_multipart_required_fields_are_validated() -> None:
    server = _Server()
    doc = _upload_doc(
        {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "note": {"type": "string"},
            },
        }
    )
    with Client("http://t", spec=doc, transport=httpx.MockTransport(server)) as client:
        with pytest.raises(RequestValidationError, match="file"):
            client.call("UploadExperienceAvatar", {"note": "no file"})
        client.call("UploadExperienceAvatar", {"file": b"raw-bytes", "note": "hi"})
    [request] = server.requests
    assert b'name="note"' in request.content and b"hi" in request.content
    assert b"raw-bytes" in request.content


def test_upload_experience_avatar_with_the_published_document(experience_142: Path) -> None:
    server = _Server()
    spec = load_spec(experience_142)
    op = spec.operation("UploadExperienceAvatar")
    assert op.request_media_type == "multipart/form-data"
    with Client("http://t", spec=spec, transport=httpx.MockTransport(server)) as client:
        png = b"\x89PNGdata"
        result = client.call("UploadExperienceAvatar", {"file": ("a.png", png, "image/png")})
        assert result.status_code == 200 and not result.violations
    [request] = server.requests
    assert request.url.path == "/api/experience/user-assets/avatar"
    _check_multipart(request, png, "a.png")
