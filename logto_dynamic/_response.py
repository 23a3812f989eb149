"""Decode a response body by its content type."""

from __future__ import annotations

import json
from typing import Any

from logto_dynamic._operations import is_json_media
from logto_dynamic._violations import Violation

__all__ = ["decode_body", "media_type_of"]


def media_type_of(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def decode_body(content_type: str | None, content: bytes) -> tuple[Any, Violation | None]:
    """Parsed JSON, text, bytes, or None for an empty body; plus a problem if undecodable."""
    if not content:
        return None, None
    media = media_type_of(content_type)
    if is_json_media(media):
        try:
            return json.loads(content), None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            text = content.decode("utf-8", "replace")
            return text, Violation("body", (), "json", f"the {media} body is not valid JSON: {exc}")
    if media.startswith("text/") or not media:
        return content.decode(_charset(content_type), "replace"), None
    return content, None


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            name = value.strip().strip('"')
            try:
                "".encode(name)
            except LookupError:
                return "utf-8"
            return name
    return "utf-8"
