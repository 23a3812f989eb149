"""Read an OpenAPI document from the bundled copy, a file, a URL or text. No validation here."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from logto_dynamic._exceptions import SpecLoadError

__all__ = [
    "BUNDLED_SPEC_NAME",
    "bundled_spec_path",
    "fetch_document",
    "is_url",
    "parse_document",
    "read_document",
]

BUNDLED_SPEC_NAME = "logto-experience.openapi.yaml"
WELL_KNOWN_PATH = "/api/.well-known/experience.openapi.json"


def bundled_spec_path() -> Path:
    """Where the bundled document is: inside the installed package, or ``spec/`` in a checkout."""
    installed = resources.files("logto_dynamic") / "_bundled_spec" / BUNDLED_SPEC_NAME
    if installed.is_file():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parent.parent / "spec" / BUNDLED_SPEC_NAME
    if checkout.is_file():
        return checkout
    raise SpecLoadError(f"the bundled document {BUNDLED_SPEC_NAME} is missing from the install")


def is_url(source: str) -> bool:
    """True for ``http://`` and ``https://`` sources."""
    return source.startswith(("http://", "https://"))


def parse_document(text: str | bytes, origin: str) -> dict[str, Any]:
    """Parse JSON (fast path) or YAML text into a document dict."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecLoadError(f"{origin}: not UTF-8 text ({exc})") from exc
    stripped = text.lstrip()
    document: Any
    if stripped.startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecLoadError(f"{origin}: invalid JSON: {exc}") from exc
    else:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            document = yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            raise SpecLoadError(f"{origin}: invalid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise SpecLoadError(f"{origin}: an OpenAPI document must be a mapping at the top level")
    return document


def read_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and parse a JSON or YAML file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SpecLoadError(f"cannot read OpenAPI document {os.fspath(path)!r}: {exc}") from exc
    return parse_document(data, os.fspath(path))


def fetch_document(url: str, *, timeout: float = 10.0, http: Any = None) -> dict[str, Any]:
    """GET a document over HTTP(S); ``http`` may be an ``httpx.Client`` to reuse."""
    import httpx

    try:
        if http is not None:
            response = http.get(url, timeout=timeout, follow_redirects=True)
        else:
            response = httpx.get(url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise SpecLoadError(f"cannot fetch OpenAPI document from {url}: {exc}") from exc
    return parse_document(response.content, url)
