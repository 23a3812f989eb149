"""Read an OpenAPI document from the bundled copy, a file, a URL or text. No validation here."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from logto_dynamic._document._guard import check_shape
from logto_dynamic._exceptions import SpecLoadError

__all__ = [
    "BUNDLED_SPECS",
    "BUNDLED_SPEC_NAME",
    "DEFAULT_SPEC",
    "FETCH_TIMEOUT",
    "NAMED_DOCUMENTS",
    "NORMALIZED_DOCUMENTS",
    "bundle_external_refs",
    "bundled_name",
    "bundled_spec_path",
    "fetch_document",
    "fetch_document_async",
    "is_url",
    "named_spec_path",
    "parse_document",
    "read_document",
]

#: The documents that ship in ``spec/``, by name (``spec="logto-1.22"``, ``--spec logto-1.22``).
BUNDLED_SPECS = {
    "logto-1.42": "logto-experience-1.42.openapi.json",
    "logto-1.22": "logto-experience-1.22.openapi.yaml",
    "logto-management-1.42": "logto-management-1.42.openapi.json",
    "logto-account-1.42": "logto-account-1.42.openapi.json",
}
#: The document ``None`` and ``"bundled"`` stand for: the Experience API of Logto 1.42.
DEFAULT_SPEC = "logto-1.42"
BUNDLED_SPEC_NAME = BUNDLED_SPECS[DEFAULT_SPEC]
WELL_KNOWN_PATH = "/api/.well-known/experience.openapi.json"
#: Seconds a document fetch may take: Logto builds its 0.8 MB Management document in ~7 s.
FETCH_TIMEOUT = 30.0

#: Every name ``spec=`` takes, and the shipped file it means (``bundled``: the default).
NAMED_DOCUMENTS = {"bundled": BUNDLED_SPEC_NAME, **BUNDLED_SPECS}
#: Shipped documents written already normalised (tools/update_spec.py): loaded as they are.
NORMALIZED_DOCUMENTS = frozenset({"logto-management-1.42", "logto-account-1.42"})


def bundled_name(source: object) -> str | None:
    """The bundled document ``source`` names (``None``, ``"bundled"`` or a name), else None."""
    if source is None or source == "" or source == "bundled":
        return DEFAULT_SPEC
    if isinstance(source, str) and source in BUNDLED_SPECS:
        return source
    return None


def bundled_spec_path(name: str | None = None) -> Path:
    """Where a bundled document is: inside the installed package, or ``spec/`` in a checkout.

    ``name`` is one of :data:`BUNDLED_SPECS` (default: :data:`DEFAULT_SPEC`).
    """
    key = bundled_name(name)
    if key is None:
        known = ", ".join(["bundled", *BUNDLED_SPECS])
        raise SpecLoadError(f"no bundled document is called {name!r} (known: {known})")
    filename = BUNDLED_SPECS[key]
    here = Path(__file__).resolve().parents[1]  # a plain path: importlib.resources is slow
    if (here / "_bundled_spec" / filename).is_file():
        return here / "_bundled_spec" / filename
    checkout = here.parent / "spec" / filename
    if checkout.is_file():
        return checkout
    raise SpecLoadError(f"the bundled document {filename} is missing from the install")


def named_spec_path(name: str) -> Path | None:
    """The shipped document called ``name`` (see :data:`NAMED_DOCUMENTS`), or None."""
    return bundled_spec_path(name) if name in NAMED_DOCUMENTS else None


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
        except RecursionError:
            raise SpecLoadError(f"{origin}: invalid JSON: nested too deeply") from None
    else:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            document = yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            raise SpecLoadError(f"{origin}: invalid YAML: {exc}") from exc
        except RecursionError:
            raise SpecLoadError(f"{origin}: invalid YAML: nested too deeply") from None
    if not isinstance(document, dict):
        raise SpecLoadError(f"{origin}: an OpenAPI document must be a mapping at the top level")
    check_shape(document, origin)  # before anything walks it
    return document


def read_document(path: str | os.PathLike[str], *, bundle: bool = True) -> dict[str, Any]:
    """Read and parse a JSON or YAML file.

    With ``bundle`` (the default), relative file references of a split document
    (``$ref: "schemas.yaml#/Foo"``) are copied into the document: see
    :func:`bundle_external_refs`.
    """
    data = _read_bytes(Path(path))
    document = parse_document(data, os.fspath(path))
    if bundle and _may_have_external_ref(data) and _has_external_ref(document):
        document = bundle_external_refs(document, Path(path))
    return document


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecLoadError(f"cannot read OpenAPI document {os.fspath(path)!r}: {exc}") from exc


def _read_file(path: Path) -> dict[str, Any]:
    return parse_document(_read_bytes(path), os.fspath(path))


# In JSON text every $ref value is a quoted string: one whose first character is not "#"
# may point at another file. (YAML may spell it many ways: there the tree is walked.)
_JSON_FILE_REF = re.compile(rb'"\$ref"\s*:\s*"(?!#)')


def _may_have_external_ref(data: bytes) -> bool:
    """False only when ``data`` is JSON text without a ``$ref`` outside the document."""
    if not data.lstrip()[:1] == b"{":
        return True
    return _JSON_FILE_REF.search(data) is not None


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
    from logto_dynamic._document._refs import resolve_pointer
    from logto_dynamic._exceptions import UnresolvableRefError

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


def document_urls(url: str) -> tuple[str, ...]:
    """Where to look for the document ``url`` names, in order.

    A server's base URL (``http://host:3001``, no path) means the Experience API document it
    publishes (:data:`WELL_KNOWN_PATH`). Any other URL is fetched as given; when it does not
    look like a document's (no ``.json``/``.yaml``/``.yml``) and answers no document, it is
    taken as the base URL of a server under a path (``http://host/logto``).
    """
    parts = urlsplit(url)
    base = url.rstrip("/")
    if parts.query or parts.fragment:
        return (url,)
    if parts.path.strip("/") == "":
        return (base + WELL_KNOWN_PATH,)
    if parts.path.endswith((".json", ".yaml", ".yml")):
        return (url,)
    return (url, base + WELL_KNOWN_PATH)


#: The most bytes of a fetched document (decoded): a server cannot stream one without end,
#: nor send a compression bomb (Logto's management API document is 2 MB).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class _NoDocument(SpecLoadError):
    """The URL answered, but not with a document (an error status, or not one): try the next."""


def _capped(pieces: list[bytes], total: int, piece: bytes, url: str) -> int:
    """Keep ``piece``; the bytes kept so far, or SpecLoadError past the cap."""
    total += len(piece)
    if total > MAX_DOCUMENT_BYTES:
        raise SpecLoadError(
            f"cannot fetch OpenAPI document from {url}: larger than {MAX_DOCUMENT_BYTES} bytes"
        )
    pieces.append(piece)
    return total


def _parsed(pieces: list[bytes], url: str) -> dict[str, Any]:
    try:
        return parse_document(b"".join(pieces), url)
    except SpecLoadError as exc:
        raise _NoDocument(str(exc)) from None


def _first_of(errors: list[SpecLoadError]) -> SpecLoadError:
    return SpecLoadError(str(errors[0]))


def fetch_document(url: str, *, timeout: float = FETCH_TIMEOUT, http: Any = None) -> dict[str, Any]:
    """GET a document over HTTP(S) (see :func:`document_urls`), read as a capped stream.

    ``http`` may be an ``httpx.Client`` to reuse.
    """
    import httpx

    errors: list[SpecLoadError] = []
    for candidate in document_urls(url):
        pieces: list[bytes] = []
        try:
            client = http if http is not None else httpx.Client()
            try:
                with client.stream(
                    "GET", candidate, timeout=timeout, follow_redirects=True
                ) as response:
                    response.raise_for_status()
                    total = 0
                    for piece in response.iter_bytes():
                        total = _capped(pieces, total, piece, candidate)
            finally:
                if http is None:
                    client.close()
            return _parsed(pieces, candidate)
        except httpx.HTTPStatusError as exc:
            errors.append(_fetch_failed(candidate, exc))
        except _NoDocument as exc:
            errors.append(exc)
        except httpx.HTTPError as exc:
            timed_out = isinstance(exc, httpx.TimeoutException)
            raise _fetch_failed(candidate, exc, timed_out=timed_out) from exc
    raise _first_of(errors)


async def fetch_document_async(
    url: str, *, timeout: float = FETCH_TIMEOUT, http: Any = None
) -> dict[str, Any]:
    """:func:`fetch_document` without blocking the event loop (``http``: an AsyncClient)."""
    import httpx

    errors: list[SpecLoadError] = []
    for candidate in document_urls(url):
        pieces: list[bytes] = []
        try:
            client = http if http is not None else httpx.AsyncClient()
            try:
                async with client.stream(
                    "GET", candidate, timeout=timeout, follow_redirects=True
                ) as response:
                    response.raise_for_status()
                    total = 0
                    async for piece in response.aiter_bytes():
                        total = _capped(pieces, total, piece, candidate)
            finally:
                if http is None:
                    await client.aclose()
            return _parsed(pieces, candidate)
        except httpx.HTTPStatusError as exc:
            errors.append(_fetch_failed(candidate, exc))
        except _NoDocument as exc:
            errors.append(exc)
        except httpx.HTTPError as exc:
            timed_out = isinstance(exc, httpx.TimeoutException)
            raise _fetch_failed(candidate, exc, timed_out=timed_out) from exc
    raise _first_of(errors)


def _fetch_failed(url: str, exc: Exception, *, timed_out: bool = False) -> SpecLoadError:
    if timed_out:
        return SpecLoadError(
            f"cannot fetch OpenAPI document from {url}: no answer in time ({type(exc).__name__}); "
            "a server can take seconds to build a large one: allow more (load_spec(..., "
            "timeout=), --spec-timeout SECONDS)"
        )
    return SpecLoadError(f"cannot fetch OpenAPI document from {url}: {exc}")
