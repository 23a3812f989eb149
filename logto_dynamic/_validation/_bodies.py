"""Bodies as bytes on the wire → values: JSON parsed, text decoded, with one wording of failure."""

from __future__ import annotations

from typing import Any

from logto_dynamic._document._media import charset_of, is_json_media, media_type_of
from logto_dynamic._validation._depth import too_deep, too_deep_violation
from logto_dynamic._validation._json import NESTED, parse
from logto_dynamic._validation._violations import Violation

__all__ = ["decode_body", "parse_json"]


def parse_json(media: str, content: bytes) -> tuple[Any, Violation | None]:
    """Parse a JSON body (request or response); on failure the text and one violation."""
    deep = too_deep(content)
    if deep is not None:
        return content.decode("utf-8", "replace"), too_deep_violation(media, deep)
    data, why = parse(content)
    if why is None:
        return data, None
    if why == NESTED:  # nesting that too_deep did not see (another encoding): same verdict
        return content.decode("utf-8", "replace"), too_deep_violation(media, ())
    problem = Violation("body", (), "json", f"the {media} body is not valid JSON: {why}")
    return content.decode("utf-8", "replace"), problem


def decode_body(content_type: str | None, content: bytes) -> tuple[Any, Violation | None]:
    """Parsed JSON, text, bytes, or None for an empty body; plus a problem if undecodable."""
    if not content:
        return None, None
    media = media_type_of(content_type)
    if is_json_media(media):
        return parse_json(media, content)
    if media.startswith("text/") or not media:
        return content.decode(charset_of(content_type), "replace"), None
    return content, None
