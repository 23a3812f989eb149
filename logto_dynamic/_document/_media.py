"""Media types: the one parser of ``Content-Type`` values, and matching against a document."""

from __future__ import annotations

import functools
from collections.abc import Iterable

__all__ = ["charset_of", "is_json_media", "media_matches", "media_type_of"]

JSON_MEDIA_SUFFIX = "+json"


@functools.lru_cache(maxsize=256)  # a handful of distinct values, parsed on every exchange
def media_type_of(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` → ``application/json`` (``""`` when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None, default: str = "utf-8") -> str:
    """The ``charset`` parameter of a content type, if Python knows it; else ``default``."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            name = value.strip().strip('"')
            try:
                "".encode(name)
            except LookupError:
                return default
            return name
    return default


def is_json_media(media: str) -> bool:
    """``application/json`` and ``application/*+json`` (parameters ignored)."""
    base = media_type_of(media)
    return base == "application/json" or base.endswith(JSON_MEDIA_SUFFIX)


def media_matches(documented: Iterable[str], actual: str) -> str | None:
    """The documented media type that covers ``actual`` (exact, ``type/*``, ``*/*``)."""
    actual = media_type_of(actual)
    if actual in documented:  # the usual case: documented keys are plain media types
        return actual
    candidates = {media_type_of(m): m for m in documented}
    if actual in candidates:
        return candidates[actual]
    major = actual.split("/", 1)[0]
    return candidates.get(f"{major}/*") or candidates.get("*/*")
