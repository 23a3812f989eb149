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
    "bundle_external_refs",
    "bundled_spec_path",
    "fetch_document",
    "fetch_document_async",
    "is_url",
    "parse_document",
    "read_document",
]

BUNDLED_SPEC_NAME = "logto-experience-1.22.openapi.yaml"
WELL_KNOWN_PATH = "/api/.well-known/experience.openapi.json"


def bundled_spec_path() -> Path:
    """Where the bundled document is: inside the installed package, or ``spec/`` in a checkout."""
    installed = resources.files("logto_dynamic") / "_bundled_spec" / BUNDLED_SPEC_NAME
    if installed.is_file():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[2] / "spec" / BUNDLED_SPEC_NAME
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


def read_document(path: str | os.PathLike[str], *, bundle: bool = True) -> dict[str, Any]:
    """Read and parse a JSON or YAML file.

    With ``bundle`` (the default), relative file references of a split document
    (``$ref: "schemas.yaml#/Foo"``) are copied into the document: see
    :func:`bundle_external_refs`.
    """
    document = _read_file(Path(path))
    if bundle and _has_external_ref(document):
        document = bundle_external_refs(document, Path(path))
    return document


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecLoadError(f"cannot read OpenAPI document {os.fspath(path)!r}: {exc}") from exc
    return parse_document(data, os.fspath(path))


def _has_external_ref(node: Any) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return True
        return any(_has_external_ref(v) for v in node.values() if isinstance(v, dict | list))
    if isinstance(node, list):
        return any(_has_external_ref(v) for v in node)
    return False


# Where a bundled target goes, by the key its $ref object sits under.
_SECTIONS = {
    "parameters": "parameters",
    "responses": "responses",
    "requestBody": "requestBodies",
    "requestBodies": "requestBodies",
    "headers": "headers",
    "examples": "examples",
}


def bundle_external_refs(document: dict[str, Any], origin: Path) -> dict[str, Any]:
    """Copy the targets of relative file ``$ref``s into ``components`` and point the refs there.

    ``$ref: "schemas.yaml#/Pet"`` in ``origin`` becomes ``$ref: "#/components/schemas/
    schemas_Pet"`` (parameters, responses and request bodies go to their own sections). Refs
    inside an external file are resolved relative to that file, including its local
    ``#/...`` refs. URL refs and unreadable files are left as they are, so the operations
    that use them are quarantined as "unresolvable". Returns a new document.
    """
    from logto_dynamic._document._refs import UnresolvableRefError, resolve_pointer

    files: dict[Path, dict[str, Any]] = {origin.resolve(): document}
    done: dict[tuple[Path, str], str] = {}
    added: dict[str, dict[str, Any]] = {}
    taken = {
        (section, key)
        for section, items in (document.get("components") or {}).items()
        if isinstance(items, dict)
        for key in items
    }

    def load(path: Path) -> dict[str, Any] | None:
        if path not in files:
            try:
                files[path] = _read_file(path)
            except SpecLoadError:
                return None
        return files[path]

    def local_ref(path: Path, fragment: str, section: str) -> str | None:
        key = (path, fragment)
        if key in done:
            return done[key]
        source = load(path)
        if source is None:
            return None
        try:
            target = resolve_pointer(source, "#" + fragment)
        except UnresolvableRefError:
            return None
        tail = fragment.rstrip("/").rsplit("/", 1)[-1] if fragment.strip("/") else ""
        base = "_".join(x for x in (path.stem.split(".")[0], tail) if x)
        base = "".join(c if c.isalnum() or c in "._-" else "_" for c in base) or "external"
        name, n = base, 1
        while (section, name) in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add((section, name))
        ref = f"#/components/{section}/{name}"
        done[key] = ref  # before walking the target: cycles end here
        added.setdefault(section, {})[name] = walk(target, path, section, root=False)
        return ref

    def walk(node: Any, current: Path, section: str, *, root: bool) -> Any:
        if isinstance(node, list):
            return [walk(v, current, section, root=root) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and not is_url(ref) and (not root or not ref.startswith("#")):
            file_part, _, fragment = ref.partition("#")
            target = (current.parent / file_part).resolve() if file_part else current.resolve()
            new = local_ref(target, fragment, section)
            if new is not None:
                return {
                    **{k: walk(v, current, section, root=root) for k, v in node.items()},
                    "$ref": new,
                }
        out: dict[str, Any] = {}
        for k, v in node.items():
            sub = _SECTIONS.get(k, section) if k != "properties" else "schemas"
            if k == "schema" or k == "items":
                sub = "schemas"
            if k == "parameters" and isinstance(v, dict):  # components/parameters map
                sub = "parameters"
            out[k] = walk(v, current, sub, root=root)
        return out

    result: dict[str, Any] = walk(document, origin.resolve(), "schemas", root=True)
    if added:
        components = result.setdefault("components", {})
        for section, items in added.items():
            components.setdefault(section, {}).update(items)
    return result


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
        raise _fetch_failed(url, exc) from exc
    return parse_document(response.content, url)


async def fetch_document_async(
    url: str, *, timeout: float = 10.0, http: Any = None
) -> dict[str, Any]:
    """:func:`fetch_document` without blocking the event loop (``http``: an AsyncClient)."""
    import httpx

    try:
        if http is not None:
            response = await http.get(url, timeout=timeout, follow_redirects=True)
        else:
            async with httpx.AsyncClient() as client:
                response = await client.get(url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise _fetch_failed(url, exc) from exc
    return parse_document(response.content, url)


def _fetch_failed(url: str, exc: Exception) -> SpecLoadError:
    return SpecLoadError(f"cannot fetch OpenAPI document from {url}: {exc}")
