"""The loaded OpenAPI document: its operations, servers and validators."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from logto_dynamic._document._dialect_report import NormalizationReport
from logto_dynamic._document._guard import check_shape
from logto_dynamic._document._lint import LintReport
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
from logto_dynamic._document._operations import (
    Operation,
    OperationIndex,
    server_url,
)
from logto_dynamic._document._reading import openapi_version, quarantined_as, read_operations
from logto_dynamic._exceptions import (
    QuarantinedOperationError,
    SpecLoadError,
)
from logto_dynamic._validation._request_checker import CallParts, RequestChecker
from logto_dynamic._validation._requests import Validators
from logto_dynamic._validation._responses import ResponseChecker
from logto_dynamic._validation._violations import Violation

if TYPE_CHECKING:
    from logto_dynamic._document._diff import SpecDiff

__all__ = ["Spec", "SpecSource", "diff_specs", "load_spec", "load_spec_url_async"]


class Spec:
    """A loaded OpenAPI 3.0/3.1 document, ready to serve any number of clients.

    Building it reads every operation (cheap) and compiles nothing: validators are compiled
    the first time their operation is used. Nothing a client does changes it (``quarantined``
    is read-only; :meth:`lint` returns a new Spec), so one loaded Spec is safely shared.

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
        quarantine: Mapping[str, Sequence[str]] | None = None,
        lint_report: LintReport | None = None,
    ) -> None:
        version = openapi_version(document, origin)
        self.document: Mapping[str, Any] = document
        self.origin = origin
        self.version = version
        #: What the Logto dialect normalisation rewrote (empty when it was not applied).
        self.normalization = normalization or NormalizationReport()
        self._lint_report = lint_report
        operations, quarantined = read_operations(document, tolerant=tolerant, extra=quarantine)
        #: operationId -> problems, for operations set aside because they are broken (or
        #: named in ``quarantine``). Read-only.
        self.quarantined: Mapping[str, tuple[str, ...]] = quarantined
        self.index = OperationIndex(operations)
        self.validators = Validators(document, version)
        #: The request checker: a call's decoded parts, or raw requests (proxy, HAR files).
        self.requests = RequestChecker(document, self.index, self.validators)
        #: The response checker: raw status, content type and body, for every caller.
        self.responses = ResponseChecker(self.validators)

    def lint(self, *, validator: bool = True, quarantine: bool = True) -> Spec:
        """A new Spec after the full check of the document (slow on big ones); this one stays.

        The new Spec keeps the report (``lint_report``); with ``quarantine`` (the default),
        its operations with problems are set aside: calling them raises
        :class:`QuarantinedOperationError`.
        """
        return _linted(self, validator=validator, quarantine=quarantine)

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
        return _from_dict(cls, document, origin, normalize=normalize, tolerant=tolerant)

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
        if op is not None:  # the index holds no quarantined operation (the quick way)
            return op
        return _operation_not_found(self, name)

    def server_url(self, variables: Mapping[str, str] | None = None) -> str:
        """The first server URL with its variables filled in (defaults unless given)."""
        return server_url(self.document, variables or {})

    @property
    def base_path(self) -> str:
        """The path part of the server URL (``""`` when the paths start at the root)."""
        return self.requests.base_path

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for ``METHOD /full/path`` (the server base path is honoured)."""
        return self.requests.match(method, path)

    def check_request(self, op: Operation, **parts: Unpack[CallParts]) -> list[Violation]:
        """Every violation of a call's parts (decoded values): ``requests.iter_errors``."""
        return list(self.requests.iter_errors(op, **parts))


def _linted(spec: Spec, *, validator: bool, quarantine: bool) -> Spec:
    """:meth:`Spec.lint`: a new Spec of the same document, with the report (and quarantine)."""
    from logto_dynamic._document._lint import lint

    report = lint(spec.document, validator=validator)
    return Spec(
        spec.document,
        origin=spec.origin,
        normalization=spec.normalization,
        tolerant=True,  # this document's duplicates were dealt with when it was built
        quarantine=report.by_operation() if quarantine else None,
        lint_report=report,
    )


def _from_dict(
    cls: type[Spec], document: Mapping[str, Any], origin: str, *, normalize: bool, tolerant: bool
) -> Spec:
    """:meth:`Spec.from_dict`: the shape checked before anything walks it, then built."""
    check_shape(document, origin)
    if normalize:
        prepared, report = _prepare(document)
        return cls(prepared, origin=origin, normalization=report, tolerant=tolerant)
    return cls(document, origin=origin, tolerant=tolerant)


def _operation_not_found(spec: Spec, name: str) -> Operation:
    """A name the quick lookup missed: a quarantined operation raises
    :class:`QuarantinedOperationError`; any other goes to the index's own answer (an
    ambiguous or unknown name raises there)."""
    found = quarantined_as(spec.quarantined, name)
    if found is not None:
        raise QuarantinedOperationError(found, spec.quarantined[found])
    return spec.index.get(name)


SpecSource = Spec | Mapping[str, Any] | str | os.PathLike[str] | None

_CACHE: dict[tuple[str, str, float, bool], Spec] = {}
#: The linted Spec of a cached one (kept apart, so the cached one stays as loaded).
_LINTED: dict[tuple[str, str, float, bool], tuple[Spec, Spec]] = {}
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
    ``"logto-management-1.42"`` is the Management API, ``"logto-account-1.42"`` the Account
    API (a signed-in user's own account). A server's base URL
    (``http://localhost:3001``) means the Experience API document it publishes; fetches
    may take ``timeout`` seconds (30 by default: servers build large documents slowly).

    Files and URLs are cached, so many clients share one loaded Spec; ``refresh=True``
    reloads. A file is reloaded when its modification time changes. Split documents
    (relative file ``$ref``s) are bundled. With ``normalize`` (the default) the Logto
    dialect is rewritten into plain OpenAPI (see ``Spec.normalization`` for what changed).
    Broken operations are quarantined, not fatal; ``lint=True`` also runs the full, slow
    check (:meth:`Spec.lint`) and quarantines what it finds (the linted Spec is cached apart:
    a later ``load_spec()`` without ``lint`` still gets the document as loaded).
    """
    if isinstance(source, Spec):
        return source
    if isinstance(source, Mapping):
        made = Spec.from_dict(source, normalize=normalize, tolerant=True)
        return made.lint() if lint else made
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
    spec = None if refresh else _CACHE.get(key)
    if spec is None:
        with _CACHE_LOCK:
            if url is not None:
                document = fetch_document(url, timeout=timeout)
            else:
                document = read_document(path or "")
            spec = _CACHE[key] = _build(document, key[1], normalize)
    if not lint:
        return spec
    linted = _LINTED.get(key)
    if linted is None or linted[0] is not spec:
        linted = _LINTED[key] = (spec, spec.lint())
    return linted[1]


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


def diff_specs(old: Any, new: Any) -> SpecDiff:
    """Compare two documents (Specs, dicts, or anything ``load_spec`` takes).

    >>> old = {"openapi": "3.0.1", "paths": {}}
    >>> diff_specs(old, old).breaking
    []
    """
    from logto_dynamic._document._diff import diff_documents

    old_doc, new_doc = _document_of(old), _document_of(new)
    old_index = Spec(old_doc, tolerant=True).index
    return diff_documents(old_doc, old_index, new_doc, Spec(new_doc, tolerant=True).index)


def _document_of(source: Any) -> Mapping[str, Any]:
    if isinstance(source, Spec):
        return source.document
    if isinstance(source, Mapping):
        return source
    return load_spec(source).document
