"""The loaded OpenAPI document: its operations, servers and validators."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from logto_dynamic._exceptions import (
    DuplicateOperationError,
    QuarantinedOperationError,
    SpecError,
    SpecLoadError,
)
from logto_dynamic._loader import (
    WELL_KNOWN_PATH,
    bundled_spec_path,
    fetch_document,
    is_url,
    read_document,
)
from logto_dynamic._operations import HTTP_METHODS, Operation, OperationIndex, build_operation
from logto_dynamic._validation import UNSET, Validators, Violation

__all__ = ["Spec", "SpecSource", "load_spec"]


class Spec:
    """A loaded OpenAPI 3.0/3.1 document, ready to serve any number of clients.

    Building it reads every operation (cheap) and compiles nothing: validators are compiled
    the first time their operation is used.

    >>> spec = load_spec()                      # the bundled Logto Experience API document
    >>> spec.operation("identify_user").path
    '/api/experience/identification'
    """

    def __init__(self, document: Mapping[str, Any], *, origin: str = "<dict>") -> None:
        version = str(document.get("openapi", ""))
        if not version.startswith(("3.0", "3.1")):
            raise SpecError(f"{origin}: only OpenAPI 3.0 and 3.1 documents are supported "
                            f"(openapi: {version or 'missing'!r})")
        self.document: Mapping[str, Any] = document
        self.origin = origin
        self.version = version
        #: operationId -> problems, for operations set aside because they are broken.
        self.quarantined: dict[str, list[str]] = {}
        operations: list[Operation] = []
        seen: dict[str, Operation] = {}
        for path, item in (document.get("paths") or {}).items():
            if not isinstance(item, Mapping):
                continue
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                try:
                    op = build_operation(document, str(path), method, item)
                except (KeyError, TypeError, AttributeError, SpecError) as exc:
                    raw = item.get(method)
                    name = raw.get("operationId") if isinstance(raw, Mapping) else None
                    key = str(name or f"{method.upper()} {path}")
                    self.quarantined.setdefault(key, []).append(f"cannot be read: {exc!r}")
                    continue
                if op.operation_id in seen:
                    other = seen[op.operation_id]
                    raise DuplicateOperationError(
                        op.operation_id, [f"{other.method} {other.path}", f"{op.method} {path}"]
                    )
                seen[op.operation_id] = op
                operations.append(op)
        self.index = OperationIndex(operations)
        self.validators = Validators(document, version)

    def __repr__(self) -> str:
        return f"<Spec {self.title!r} {self.api_version} ({len(self.index)} operations)>"

    @classmethod
    def from_dict(cls, document: Mapping[str, Any], *, origin: str = "<dict>") -> Spec:
        """Build a Spec from an already parsed document."""
        return cls(document, origin=origin)

    @property
    def title(self) -> str:
        """``info.title``."""
        return str((self.document.get("info") or {}).get("title", ""))

    @property
    def api_version(self) -> str:
        """``info.version``."""
        return str((self.document.get("info") or {}).get("version", ""))

    @property
    def operations(self) -> OperationIndex:
        """Every operation, by name or by method + path."""
        return self.index

    def operation(self, name: str) -> Operation:
        """The operation for a name in any case or word style; raises UnknownOperationError."""
        if name in self.quarantined:
            raise QuarantinedOperationError(name, self.quarantined[name])
        return self.index.get(name)

    def server_url(self, variables: Mapping[str, str] | None = None) -> str:
        """The first server URL with its variables filled in (defaults unless given)."""
        servers = self.document.get("servers") or [{"url": "/"}]
        server = servers[0]
        url = str(server.get("url", "/"))
        for name, var in (server.get("variables") or {}).items():
            value = (variables or {}).get(name, var.get("default", ""))
            url = url.replace("{" + name + "}", str(value))
        return url

    @property
    def base_path(self) -> str:
        """The path part of the server URL (``""`` when the paths start at the root)."""
        return urlsplit(self.server_url()).path.rstrip("/")

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for ``METHOD /full/path`` (the server base path is honoured)."""
        base = self.base_path
        if base:
            if path != base and not path.startswith(base + "/"):
                return None
            path = path[len(base) :] or "/"
        return self.index.match(method, path)

    def check_request(
        self,
        op: Operation,
        *,
        body: Any = UNSET,
        path_params: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Mapping[str, Any] | None = None,
        media_type: str | None = None,
    ) -> list[Violation]:
        """Every violation of a request's parts (values already decoded to JSON types)."""
        v = self.validators
        return [
            *v.check_parameters(op, "path", path_params),
            *v.check_parameters(op, "query", query),
            *v.check_parameters(op, "header", headers),
            *v.check_parameters(op, "cookie", cookies),
            *v.check_body(op, body, media_type),
        ]

    def check_response(
        self, op: Operation, status: int, content_type: str | None, body: bytes | None
    ) -> list[Violation]:
        """Every violation of a raw response (status, content type, body)."""
        from logto_dynamic._response import decode_body

        data, problem = decode_body(content_type, body or b"")
        if problem is not None:
            return [problem]
        return self.validators.check_response(
            op, status, content_type, data, has_body=bool(body)
        )


SpecSource = Spec | Mapping[str, Any] | str | os.PathLike[str] | None

_CACHE: dict[tuple[str, str, float], Spec] = {}
_CACHE_LOCK = threading.Lock()


def load_spec(source: SpecSource = None, *, refresh: bool = False) -> Spec:
    """Load a document: the bundled one (None), a path (JSON/YAML), a URL, a dict or a Spec.

    Files and URLs are cached, so many clients share one loaded Spec; ``refresh=True``
    reloads. A file is reloaded when its modification time changes.
    """
    if isinstance(source, Spec):
        return source
    if isinstance(source, Mapping):
        return Spec.from_dict(source)
    if source is None:
        source = bundled_spec_path()
    url: str | None = None
    path: Path | None = None
    if isinstance(source, str) and is_url(source):
        url = source
        key = ("url", source, 0.0)
    else:
        path = Path(source)
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise SpecLoadError(f"cannot read OpenAPI document {str(path)!r}: {exc}") from exc
        key = ("file", str(path.resolve()), mtime)
    if not refresh:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
    with _CACHE_LOCK:
        document = fetch_document(url) if url is not None else read_document(path or "")
        spec = Spec(_prepare(document), origin=key[1])
        _CACHE[key] = spec
    return spec


def _prepare(document: dict[str, Any]) -> dict[str, Any]:
    """Hook for document normalisation before indexing (the Logto dialect lives here)."""
    return document


def spec_url_for_server(base_url: str) -> str:
    """Where a Logto server publishes its Experience API document."""
    return base_url.rstrip("/") + WELL_KNOWN_PATH
