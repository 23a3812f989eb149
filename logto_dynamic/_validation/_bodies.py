"""Bodies as bytes on the wire → values: JSON parsed, text decoded, with one wording of failure."""

from __future__ import annotations

import json
from typing import Any

from logto_dynamic._document._media import charset_of, is_json_media, media_type_of
from logto_dynamic._validation._depth import too_deep, too_deep_violation
from logto_dynamic._validation._violations import Violation

__all__ = ["decode_body", "parse_json"]

_OPENERS = (b"{", b"[")
_DECODER = json.JSONDecoder()


def parse_json(media: str, content: bytes) -> tuple[Any, Violation | None]:
    """Parse a JSON body (request or response); on failure the text and one violation."""
    deep = too_deep(content)
    if deep is not None:
        return content.decode("utf-8", "replace"), too_deep_violation(media, deep)
    try:
        # json.loads on bytes first guesses the encoding; a body opening with '{' or '['
        # followed by a non-NUL byte is UTF-8 by that same rule, so decode it directly.
        if content[:1] in _OPENERS and content[1:2] != b"\x00":
            text = content.decode("utf-8", "surrogatepass")
            data, end = _DECODER.raw_decode(text)  # no leading whitespace to skip
            if end == len(text):
                return data, None
            return _DECODER.decode(text), None  # trailing whitespace, or the usual error
        return json.loads(content), None
    except RecursionError:  # nesting that too_deep did not see (another encoding): same verdict
        return content.decode("utf-8", "replace"), too_deep_violation(media, ())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            detail = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        else:
            detail = "the bytes are not valid UTF-8"
        problem = Violation("body", (), "json", f"the {media} body is not valid JSON: {detail}")
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
