"""Validate raw HTTP traffic (bytes in) against the document: for proxies, HAR files, tests.

>>> v = TrafficValidator()                                             # doctest: +SKIP
>>> req = v.validate_request("PUT", "/api/experience", {"content-type": "application/json"},
...                          b'{"interactionEvent": "SignIn"}')
>>> v.validate_response(req, 204, [], b"").ok
True

Query strings, headers, cookies and path variables are decoded per their parameter style and
schema before they are checked; bodies are parsed by their content type. Nothing here raises
on bad traffic: every problem is a :class:`~logto_dynamic.Violation` in the report. Messages
come from the engine, which never repeats the value of a secret field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from logto_dynamic._document._media import is_json_media, media_matches, media_type_of
from logto_dynamic._document._operations import Operation
from logto_dynamic._spec import Spec, SpecSource, load_spec
from logto_dynamic._traffic._headers import (
    HeaderInput,
    content_type_of,
    header_value,
    normalize_headers,
)
from logto_dynamic._traffic._plans import RequestPlans
from logto_dynamic._validation._params import (
    decode_cookies,
    decode_headers,
    decode_path_params,
    decode_query,
    parse_cookie_header,
)
from logto_dynamic._validation._requests import UNSET
from logto_dynamic._validation._responses import check_response, parse_json, response_ok
from logto_dynamic._validation._violations import Violation

__all__ = ["DEFAULT_VALIDATE_LIMIT", "HeaderInput", "TrafficReport", "TrafficValidator"]

#: JSON bodies larger than this are not schema-validated (see :class:`TrafficValidator`).
DEFAULT_VALIDATE_LIMIT = 256 * 1024

_MAX_PATH_SHOWN = 120


@dataclass
class TrafficReport:
    """What one request or response looked like to the document."""

    direction: str  # "request" | "response"
    method: str
    path: str  # the URL path as sent (no query)
    operation: Operation | None
    path_params: dict[str, str] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    status: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing violates the document."""
        return not self.violations

    @property
    def operation_id(self) -> str | None:
        """The matched operationId, if any."""
        return self.operation.operation_id if self.operation is not None else None

    @property
    def path_template(self) -> str | None:
        """The documented path (``/api/x/{id}``) rather than the concrete one."""
        return self.operation.path if self.operation is not None else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: no bodies, no header values, no parameter values."""
        return {
            "direction": self.direction,
            "operation": self.operation_id,
            "method": self.method,
            "path": self.path_template or _short(self.path),
            "status": self.status,
            "ok": self.ok,
            "violations": [v.to_dict() for v in self.violations],
            "notes": list(self.notes),
        }


def _short(path: str) -> str:
    return path if len(path) <= _MAX_PATH_SHOWN else path[: _MAX_PATH_SHOWN - 3] + "..."


class TrafficValidator:
    """Check raw requests and responses against a document.

    ``spec`` is anything :func:`~logto_dynamic.load_spec` takes (the bundled document by
    default). ``validate_limit``: JSON bodies over this many bytes are not schema-validated
    (status and content type still are) and the report carries a note saying so, so one huge
    body cannot stall a proxy.
    """

    def __init__(self, spec: SpecSource = None, *, validate_limit: int = DEFAULT_VALIDATE_LIMIT):
        self.spec: Spec = load_spec(spec)
        self.validate_limit = validate_limit
        self._plans = RequestPlans(self.spec)
        self._api_prefix = self.spec.base_path + _common_prefix([op.path for op in self.spec.index])
        self._folded_prefix = self._api_prefix.lower().rstrip("/")

    @property
    def api_prefix(self) -> str:
        """The server base path plus the path prefix every operation shares."""
        return self._api_prefix

    def is_api_path(self, path: str) -> bool:
        """Whether a URL path belongs to the API at all (``/sign-in``, assets: no).

        In any letter case, as the server's router matches paths (``/api/EXPERIENCE`` is the
        Experience API to Logto): a path the server would serve is never left unchecked.
        """
        prefix = self._folded_prefix
        if not prefix:
            return True
        folded = path[: len(prefix) + 1].lower()
        return folded == prefix or folded == prefix + "/"

    # -- requests -------------------------------------------------------------------------

    def validate_request(
        self, method: str, url: str, headers: HeaderInput | None = None, body: bytes = b""
    ) -> TrafficReport:
        """Match and check one raw request (``url`` absolute or ``/path?query``)."""
        method = method.upper()
        op = self.quick_request(method, url, headers, body)
        if op is not None:
            return TrafficReport("request", method, url.partition("?")[0], op)
        return self._check_request(method, url, headers, body)

    def quick_request(
        self, method: str, url: str, headers: HeaderInput | None, body: bytes
    ) -> Operation | None:
        """The operation of a request that is valid by its plan, else None (check it fully).

        The usual request: a JSON body to an operation without parameters (see
        :class:`~._request_plans.RequestPlans`). None means "ask :meth:`validate_request`",
        which may still find nothing. ``method`` is upper case.
        """
        return self._plans.quick(method, url, content_type_of(headers), body, self.validate_limit)

    def quick_response(
        self, op: Operation, status: int, headers: HeaderInput | None, body: bytes
    ) -> bool:
        """True when :meth:`validate_response` would find nothing and note nothing."""
        return response_ok(
            self.spec.validators,
            op,
            status,
            content_type_of(headers),
            body,
            limit=self.validate_limit,
        )

    def _check_request(
        self, method: str, url: str, headers: HeaderInput | None, body: bytes
    ) -> TrafficReport:
        """The full check of a request: every violation, with where and why."""
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # "http://[": bad traffic, so a verdict, not an error
            report = TrafficReport("request", method, _short(url.partition("?")[0]), None)
            report.violations.append(
                Violation("url", (), "url", f"the request URL cannot be parsed ({exc})")
            )
            return report
        path = parts.path or "/"
        report = TrafficReport("request", method, path, None)
        matched = self.spec.match(method, path)
        if matched is None:
            report.violations.append(_undocumented(self.spec, method, path))
            return report
        op, raw_params = matched
        report.operation, report.path_params = op, raw_params
        doc = self.spec.document
        pairs = normalize_headers(headers)
        query: dict[str, Any] = {}
        header_values: dict[str, Any] = {}
        cookies: dict[str, Any] = {}
        path_values: dict[str, Any] = {}
        if op.parameters:  # most Experience API operations have none
            query = decode_query(op.parameters, parse_qsl(parts.query, keep_blank_values=True), doc)
            header_values = decode_headers(op.parameters, pairs, doc)
            cookies = decode_cookies(
                op.parameters, parse_cookie_header([v for k, v in pairs if k == "cookie"]), doc
            )
            path_values = decode_path_params(op.parameters, raw_params, doc)
        data, media, problems = _request_body(
            op, header_value(pairs, "content-type"), body, self.validate_limit
        )
        report.violations += problems
        skipped = data is _SKIPPED or data is _NOT_DECODED
        if data is _SKIPPED and not problems:
            report.notes.append(
                f"request body of {len(body)} bytes not validated "
                f"(over the {self.validate_limit}-byte validation limit)"
            )
        found = self.spec.check_request(
            op,
            body=UNSET if skipped else data,
            path_params=path_values,
            query=query,
            headers=header_values,
            cookies=cookies,
            media_type=media,
        )
        if skipped:  # a body was sent, just not checked: it is not missing
            found = [v for v in found if not (v.location == "body" and v.keyword == "required")]
        report.violations += found
        return report

    # -- responses ------------------------------------------------------------------------

    def validate_response(
        self,
        request: TrafficReport | tuple[str, str] | Mapping[str, str],
        status: int,
        headers: HeaderInput | None = None,
        body: bytes | None = b"",
        *,
        unchecked: str | None = None,
    ) -> TrafficReport:
        """Check one raw response to a request (its report, ``(method, url)`` or a dict).

        JSON bodies over ``validate_limit`` bytes are not schema-checked (a note says so).
        ``body=None`` means a body was sent but is not at hand (a proxy streaming it on): the
        status and content type are checked, not the body, and the note gives ``unchecked``
        as the reason.
        """
        if not isinstance(request, TrafficReport):
            if isinstance(request, Mapping):
                method, url = request["method"], request["url"]
            else:
                method, url = request
            request = self.validate_request(method, url, [], b"")
        report = TrafficReport(
            "response",
            request.method,
            request.path,
            request.operation,
            dict(request.path_params),
            status=status,
        )
        op = request.operation
        if op is None:
            report.notes.append("response not validated: the request matched no operation")
            return report
        content_type = content_type_of(headers)
        checked = check_response(
            self.spec.validators, op, status, content_type, body, limit=self.validate_limit
        )
        report.violations += checked.violations
        report.notes += checked.notes
        if body is None:
            report.notes.append(f"response body not validated ({unchecked or 'not at hand'})")
        return report


def _request_body(
    op: Operation, content_type: str | None, body: bytes, limit: int
) -> tuple[Any, str | None, list[Violation]]:
    """(decoded body | UNSET | _SKIPPED | _NOT_DECODED, documented media type, problems).

    _SKIPPED: a body was sent but is not checked (too big, undecodable, wrong type);
    _NOT_DECODED: a documented non-JSON body (form, multipart), not decoded here.
    """
    if not body:
        return UNSET, None, []
    if not op.request_content:
        return body, None, []  # check_body says "takes no request body"
    media = media_type_of(content_type)
    documented = media_matches(op.request_content, media) if media else None
    if documented is None:
        allowed = ", ".join(op.request_content)
        return (
            _SKIPPED,
            None,
            [
                Violation(
                    "content-type",
                    (),
                    "content-type",
                    f"request content type {media or 'none'!r} is not documented "
                    f"(documented: {allowed})",
                )
            ],
        )
    if not is_json_media(media):
        return _NOT_DECODED, documented, []  # form and multipart bodies: not decoded
    if len(body) > limit:
        return _SKIPPED, documented, []
    data, problem = parse_json(media, body)
    if problem is not None:
        return _SKIPPED, documented, [problem]
    return data, documented, []


def _undocumented(spec: Spec, method: str, path: str) -> Violation:
    """Why nothing matched: a method the path does not document, or an unknown path."""
    base = spec.base_path
    methods: list[str] = []
    if not base:
        methods = spec.index.methods_for(path)
    elif path == base or path.startswith(base + "/"):
        methods = spec.index.methods_for(path[len(base) :] or "/")
    if methods:
        message = (
            f"method {method} is not allowed for {_short(path)} (documented: {', '.join(methods)})"
        )
    else:
        message = f"no documented operation for {method} {_short(path)}"
    return Violation("operation", (), "undocumented", message)


class _Skipped:
    def __repr__(self) -> str:
        return "SKIPPED"


_SKIPPED: Any = _Skipped()
_NOT_DECODED: Any = _Skipped()


def _common_prefix(paths: list[str]) -> str:
    """The longest whole-segment, template-free path prefix shared by every path."""
    if not paths:
        return ""
    split = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        first = parts[0]
        if "{" in first or any(p != first for p in parts):
            break
        common.append(first)
    return "/" + "/".join(common) if common else ""
