"""The loaded OpenAPI document: its operations, servers and validators."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from logto_dynamic._document._dialect_report import NormalizationReport
from logto_dynamic._document._guard import check_shape
from logto_dynamic._document._lint import LintReport, operation_problems
from logto_dynamic._document._load import (
    FETCH_TIMEOUT,
    NORMALIZED_DOCUMENTS,
    WELL_KNOWN_PATH,
    bundled_name,
    bundled_spec_path,
    fetch_document,
    fetch_document_async,
    is_url,
    read_document,
)
from logto_dynamic._document._naming import duplicates, iter_operations, normalize_name
from logto_dynamic._document._operations import Operation, OperationIndex, build_operation
from logto_dynamic._exceptions import (
    DuplicateOperationError,
    QuarantinedOperationError,
    SpecError,
    SpecLoadError,
)
from logto_dynamic._validation._requests import UNSET, Validators
from logto_dynamic._validation._responses import check_response
from logto_dynamic._validation._violations import Violation

__all__ = ["Spec", "SpecSource", "load_spec", "load_spec_url_async"]


class Spec:
    """A loaded OpenAPI 3.0/3.1 document, ready to serve any number of clients.

    Building it reads every operation (cheap) and compiles nothing: validators are compiled
    the first time their operation is used.

    >>> spec = load_spec()                      # the bundled Logto Experience API document
    >>> spec.operation("identify_user").path
    '/api/experience/identification'
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        origin: str = "<dict>",
        normalization: NormalizationReport | None = None,
        tolerant: bool = False,
    ) -> None:
        version = _openapi_version(document, origin)
        self.document: Mapping[str, Any] = document
        self.origin = origin
        self.version = version
        #: What the Logto dialect normalisation rewrote (empty when it was not applied).
        self.normalization = normalization or NormalizationReport()
        #: operationId -> problems, for operations set aside because they are broken.
        self.quarantined: dict[str, list[str]] = {}
        self._lint_report: LintReport | None = None
        operations = _read_operations(document, self.quarantined, tolerant=tolerant)
        self.index = OperationIndex(operations)
        self.validators = Validators(document, version)

    def lint(self, *, validator: bool = True, quarantine: bool = True) -> LintReport:
        """The full check of the document (openapi-spec-validator included; slow on big ones).

        With ``quarantine`` (the default), operations with problems are set aside: calling
        them raises :class:`QuarantinedOperationError`. The report is kept (``lint_report``).
        """
        from logto_dynamic._document._lint import lint

        report = lint(self.document, validator=validator)
        self._lint_report = report
        if quarantine:
            for op_id, problems in report.by_operation().items():
                known = self.quarantined.setdefault(op_id, [])
                known += [p for p in problems if p not in known]
        return report

    @property
    def lint_report(self) -> LintReport | None:
        """The report of the last :meth:`lint`, or None if the document was not linted."""
        return self._lint_report

    def to_openapi_core(self) -> Any:
        """This document as an ``openapi_core.OpenAPI`` that reads it the way Logto does."""
        from logto_dynamic._validation._openapi_core import to_openapi_core

        return to_openapi_core(self.document)

    def __repr__(self) -> str:
        return f"<Spec {self.title!r} {self.api_version} ({len(self.index)} operations)>"

    @classmethod
    def from_dict(
        cls,
        document: Mapping[str, Any],
        *,
        origin: str = "<dict>",
        normalize: bool = False,
        tolerant: bool = False,
    ) -> Spec:
        """Build a Spec from an already parsed document (optionally normalised first).

        ``tolerant`` quarantines operations that share an operationId instead of raising
        :class:`DuplicateOperationError` (``load_spec`` is always tolerant).
        """
        check_shape(document, origin)  # before anything walks it
        if normalize:
            prepared, report = _prepare(document)
            return cls(prepared, origin=origin, normalization=report, tolerant=tolerant)
        return cls(document, origin=origin, tolerant=tolerant)

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
        """The operation for a name in any case or word style; raises UnknownOperationError.

        A quarantined operation (broken in the document) raises QuarantinedOperationError.
        """
        op = None if name in self.quarantined else self.index.find(name)
        if op is not None and op.operation_id not in self.quarantined:  # (a later lint())
            return op
        found = op.operation_id if op is not None else _quarantined_as(self.quarantined, name)
        if found is not None:
            raise QuarantinedOperationError(found, self.quarantined[found])
        return self.index.get(name)

    def server_url(self, variables: Mapping[str, str] | None = None) -> str:
        """The first server URL with its variables filled in (defaults unless given)."""
        return _server_url(self.document, variables or {})

    @functools.cached_property
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
        """Every violation of a raw response (the clients', proxy's and HAR's checker)."""
        checked = check_response(self.validators, op, status, content_type, body or b"")
        return list(checked.violations)


def _server_url(document: Mapping[str, Any], given: Mapping[str, str]) -> str:
    server = (document.get("servers") or [{"url": "/"}])[0]
    url = str(server.get("url", "/"))
    for name, var in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(given.get(name, var.get("default", ""))))
    return url


def _openapi_version(document: Mapping[str, Any], origin: str) -> str:
    version = str(document.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        raise SpecError(
            f"{origin}: only OpenAPI 3.0 and 3.1 documents are supported "
            f"(openapi: {version or 'missing'!r})"
        )
    return version


def _quarantined_as(quarantined: Mapping[str, Any], name: str) -> str | None:
    """The quarantined operation a name means (exact, then any case or word style)."""
    if name in quarantined:
        return name
    key = normalize_name(name)
    return next((q for q in quarantined if normalize_name(q) == key), None)


def _read_operations(
    document: Mapping[str, Any], quarantined: dict[str, list[str]], *, tolerant: bool
) -> list[Operation]:
    """Every healthy operation; the broken ones go to ``quarantined`` with their problems.

    Operations sharing a name are quarantined when ``tolerant``, else DuplicateOperationError.
    """
    broken = operation_problems(document)
    operations: list[Operation] = []
    for entry in iter_operations(document):
        if entry.name in broken:
            quarantined.setdefault(entry.name, []).extend(broken[entry.name])
            continue
        try:
            operations.append(build_operation(document, entry.path, entry.method, entry.item))
        except (KeyError, TypeError, AttributeError, ValueError, SpecError) as exc:
            quarantined.setdefault(entry.name, []).append(f"cannot be read: {exc!r}")
    clashes = duplicates((op.operation_id, f"{op.method} {op.path}") for op in operations)
    for op_id, places in clashes.items():
        if not tolerant:
            raise DuplicateOperationError(op_id, places)
        quarantined.setdefault(op_id, []).append(
            f"operationId {op_id!r} is used by several operations: {', '.join(places)}"
        )
    return [op for op in operations if op.operation_id not in quarantined]


SpecSource = Spec | Mapping[str, Any] | str | os.PathLike[str] | None

_CACHE: dict[tuple[str, str, float, bool], Spec] = {}
_CACHE_LOCK = threading.Lock()


def load_spec(
    source: SpecSource = None,
    *,
    refresh: bool = False,
    normalize: bool = True,
    lint: bool = False,
    timeout: float = FETCH_TIMEOUT,
) -> Spec:
    """Load a document: a shipped one, a path (JSON/YAML), a URL, a dict or a Spec.

    Shipped (``NAMED_DOCUMENTS``): ``None`` or ``"bundled"`` is the Logto 1.42 Experience API
    document, ``"logto-1.42"`` too; ``"logto-1.22"`` is Logto 1.22's (25 operations);
    ``"logto-management-1.42"`` is the Management API. A server's base URL
    (``http://localhost:3001``) means the Experience API document it publishes; fetches
    may take ``timeout`` seconds (30 by default: servers build large documents slowly).

    Files and URLs are cached, so many clients share one loaded Spec; ``refresh=True``
    reloads. A file is reloaded when its modification time changes. Split documents
    (relative file ``$ref``s) are bundled. With ``normalize`` (the default) the Logto
    dialect is rewritten into plain OpenAPI (see ``Spec.normalization`` for what changed).
    Broken operations are quarantined, not fatal; ``lint=True`` also runs the full, slow
    check (:meth:`Spec.lint`) and quarantines what it finds.
    """
    if isinstance(source, Spec):
        return source
    if isinstance(source, Mapping):
        spec = Spec.from_dict(source, normalize=normalize, tolerant=True)
        if lint:
            spec.lint()
        return spec
    name = bundled_name(source)
    if name is not None or source is None:
        normalize = normalize and name not in NORMALIZED_DOCUMENTS  # normalised when made
        source = bundled_spec_path(name)
    url: str | None = None
    path: Path | None = None
    if isinstance(source, str) and is_url(source):
        url = source
        key = ("url", source, 0.0, normalize)
    else:
        path = Path(source)
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise SpecLoadError(f"cannot read OpenAPI document {str(path)!r}: {exc}") from exc
        key = ("file", str(path.resolve()), mtime, normalize)
    if not refresh:
        cached = _CACHE.get(key)
        if cached is not None:
            if lint and cached.lint_report is None:
                cached.lint()
            return cached
    with _CACHE_LOCK:
        if url is not None:
            document = fetch_document(url, timeout=timeout)
        else:
            document = read_document(path or "")
        spec = _CACHE[key] = _build(document, key[1], normalize)
    if lint:
        spec.lint()
    return spec


async def load_spec_url_async(
    url: str,
    *,
    http: Any = None,
    refresh: bool = False,
    normalize: bool = True,
    timeout: float = FETCH_TIMEOUT,
) -> Spec:
    """:func:`load_spec` for a URL, fetched without blocking the event loop (same cache).

    ``http`` may be an ``httpx.AsyncClient`` to fetch with; a server's base URL means its
    published Experience API document.
    """
    key = ("url", url, 0.0, normalize)
    cached = None if refresh else _CACHE.get(key)
    if cached is not None:
        return cached
    document = await fetch_document_async(url, http=http, timeout=timeout)
    spec = _build(document, url, normalize)
    with _CACHE_LOCK:
        if refresh:
            _CACHE[key] = spec
        return _CACHE.setdefault(key, spec)


def _build(document: Mapping[str, Any], origin: str, normalize: bool) -> Spec:
    if normalize:
        prepared, report = _prepare(document)
        return Spec(prepared, origin=origin, normalization=report, tolerant=True)
    return Spec(document, origin=origin, tolerant=True)


def _prepare(document: Mapping[str, Any]) -> tuple[dict[str, Any], NormalizationReport]:
    """Normalise the Logto dialect before indexing (returns a copy and the report)."""
    from logto_dynamic._document._dialect import normalize

    return normalize(document)


def spec_url_for_server(base_url: str) -> str:
    """Where a Logto server publishes its Experience API document."""
    return base_url.rstrip("/") + WELL_KNOWN_PATH
