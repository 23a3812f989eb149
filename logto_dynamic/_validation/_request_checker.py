"""The request checker: a call's decoded parts, or a raw request (bytes in), against a document.

:class:`RequestChecker` (``Spec.requests``) is what the client (``ClientCore.prepare``: the
decoded parts of a call) and the traffic checks (proxy, HAR files,
:class:`~logto_dynamic.TrafficValidator`: raw requests) use. Most requests of the Experience
API are a JSON body to an operation without parameters: for those the checker keeps, per
method, path and content type, the operation, the media type and the body schema (a bounded
memo), so a valid one costs one parse and one compiled schema check. Everything else, and
every invalid request, takes the full check, which lists every violation with where and why.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any, TypedDict
from urllib.parse import parse_qsl, urlsplit

from logto_dynamic._document._media import is_json_media, media_matches, media_type_of
from logto_dynamic._document._operations import Operation, OperationIndex, server_url
from logto_dynamic._validation._bodies import parse_json
from logto_dynamic._validation._headers import (
    HeaderInput,
    content_type_of,
    normalize_headers,
)
from logto_dynamic._validation._params import (
    decode_cookies,
    decode_headers,
    decode_path_params,
    decode_query,
    parse_cookie_header,
)
from logto_dynamic._validation._report import TrafficReport, short_path
from logto_dynamic._validation._requests import UNSET, Validators
from logto_dynamic._validation._responses import MAX_PLANS
from logto_dynamic._validation._schema import CompiledSchema
from logto_dynamic._validation._violations import Violation

__all__ = ["CallParts", "RequestChecker"]


class CallParts(TypedDict, total=False):
    """The decoded parts of a call, as :meth:`RequestChecker.iter_errors` takes them."""

    body: Any
    path_params: Mapping[str, Any] | None
    query: Mapping[str, Any] | None
    headers: Mapping[str, Any] | None
    cookies: Mapping[str, Any] | None
    media_type: str | None


#: A request's operation, the media type sent and the body schema.
_Plan = tuple[Operation, str, CompiledSchema]


class RequestChecker:
    """Requests against the operations of one document (its index and validators)."""

    def __init__(
        self, document: Mapping[str, Any], index: OperationIndex, validators: Validators
    ) -> None:
        self._document = document
        self._index = index
        self._validators = validators
        #: (method, path, content type) -> plan, or None: no quick route, check it fully.
        self._plans: dict[tuple[str, str, str | None], _Plan | None] = {}

    @functools.cached_property
    def base_path(self) -> str:
        """The path part of the server URL (``""`` when the paths start at the root)."""
        return urlsplit(server_url(self._document, {})).path.rstrip("/")

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for ``METHOD /full/path`` (the server base path is honoured)."""
        base = self.base_path
        if base:
            if path != base and not path.startswith(base + "/"):
                return None
            path = path[len(base) :] or "/"
        return self._index.match(method, path)

    def iter_errors(
        self,
        op: Operation,
        *,
        body: Any = UNSET,
        path_params: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Mapping[str, Any] | None = None,
        media_type: str | None = None,
    ) -> Iterator[Violation]:
        """Every violation of a call's parts (values already decoded to JSON types)."""
        v = self._validators
        yield from v.check_parameters(op, "path", path_params)
        yield from v.check_parameters(op, "query", query)
        yield from v.check_parameters(op, "header", headers)
        yield from v.check_parameters(op, "cookie", cookies)
        yield from v.check_body(op, body, media_type)

    def check(
        self, method: str, url: str, headers: HeaderInput | None, body: bytes, *, limit: int
    ) -> TrafficReport:
        """Match and check one raw request (``method`` upper case, ``url`` absolute or
        ``/path?query``); JSON bodies over ``limit`` bytes are not schema-checked (noted)."""
        op = self._planned(method, url, headers, body, limit)
        if op is not None:
            return TrafficReport("request", method, url.partition("?")[0], op)
        return self._full(method, url, headers, body, limit)

    def is_valid(
        self, method: str, url: str, headers: HeaderInput | None, body: bytes, *, limit: int
    ) -> bool:
        """True when :meth:`check` would find nothing (decided by a plan when one applies)."""
        if self._planned(method, url, headers, body, limit) is not None:
            return True
        return self._full(method, url, headers, body, limit).ok

    def _planned(
        self, method: str, url: str, headers: HeaderInput | None, body: bytes, limit: int
    ) -> Operation | None:
        """The operation when the request is valid by its plan; None: check it fully."""
        if not body or url[:1] != "/" or url[1:2] == "/" or "#" in url or len(body) > limit:
            return None
        content_type = content_type_of(headers)
        key = (method, url.partition("?")[0], content_type)
        plans = self._plans
        plan = plans[key] if key in plans else self._plan(key, url)
        if plan is not None:
            op, media, schema = plan
            data, problem = parse_json(media, body)
            if problem is None and schema.is_valid(data):
                return op
        return None

    def _plan(self, key: tuple[str, str, str | None], url: str) -> _Plan | None:
        """Work out (and keep) the plan of a request: None when only a full check will do."""
        method, path, content_type = key
        matched = self.match(method, path) if urlsplit(url).path == path else None
        plan = None if matched is None else _plan_of(matched[0], content_type, self._validators)
        if len(self._plans) >= MAX_PLANS:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _full(
        self, method: str, url: str, headers: HeaderInput | None, body: bytes, limit: int
    ) -> TrafficReport:
        """The full check of a request: every violation, with where and why."""
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # "http://[": bad traffic, so a verdict, not an error
            return _unparsable(method, url, exc)
        path = parts.path or "/"
        report = TrafficReport("request", method, path, None)
        matched = self.match(method, path)
        if matched is None:
            report.violations.append(_undocumented(self._index, self.base_path, method, path))
            return report
        op, raw_params = matched
        report.operation, report.path_params = op, raw_params
        values: dict[str, Any] = {}
        if op.parameters:  # most Experience API operations have none
            values = _parameters(op, parts.query, headers, raw_params, self._document)
        data, media, problems = _request_body(op, content_type_of(headers), body, limit)
        report.violations += problems
        skipped = data is _SKIPPED or data is _NOT_DECODED
        if data is _SKIPPED and not problems:
            report.notes.append(_over_the_limit(len(body), limit))
        body_value = UNSET if skipped else data
        found = self.iter_errors(op, body=body_value, media_type=media, **values)
        if skipped:  # a body was sent, just not checked: it is not missing
            found = (v for v in found if not (v.location == "body" and v.keyword == "required"))
        report.violations += found
        return report


def _plan_of(op: Operation, content_type: str | None, validators: Validators) -> _Plan | None:
    """The quick route of a JSON body to an operation without parameters; None: no quick
    route (parameters, no documented body, a content type not documented or not JSON)."""
    if op.parameters or not op.request_content:
        return None
    media = media_type_of(content_type)
    documented = media_matches(op.request_content, media) if media else None
    if documented is None or not is_json_media(media):
        return None
    schema = validators.body_schema(op, documented)
    return None if schema is None else (op, media, schema)


def _unparsable(method: str, url: str, exc: ValueError) -> TrafficReport:
    """The verdict on a request whose URL does not parse."""
    report = TrafficReport("request", method, short_path(url.partition("?")[0]), None)
    report.violations.append(
        Violation("url", (), "url", f"the request URL cannot be parsed ({exc})")
    )
    return report


def _parameters(
    op: Operation,
    query: str,
    headers: HeaderInput | None,
    raw_params: Mapping[str, str],
    document: Mapping[str, Any],
) -> dict[str, Any]:
    """A raw request's parameters decoded to JSON types, as :meth:`iter_errors` takes them."""
    pairs = normalize_headers(headers)
    cookies = parse_cookie_header([v for k, v in pairs if k == "cookie"])
    return {
        "query": decode_query(op.parameters, parse_qsl(query, keep_blank_values=True), document),
        "headers": decode_headers(op.parameters, pairs, document),
        "cookies": decode_cookies(op.parameters, cookies, document),
        "path_params": decode_path_params(op.parameters, raw_params, document),
    }


def _over_the_limit(size: int, limit: int) -> str:
    return f"request body of {size} bytes not validated (over the {limit}-byte validation limit)"


def _undocumented(index: OperationIndex, base: str, method: str, path: str) -> Violation:
    """Why nothing matched: a method the path does not document, or an unknown path."""
    methods: list[str] = []
    if not base:
        methods = index.methods_for(path)
    elif path == base or path.startswith(base + "/"):
        methods = index.methods_for(path[len(base) :] or "/")
    shown = short_path(path)
    if methods:
        message = f"method {method} is not allowed for {shown} (documented: {', '.join(methods)})"
    else:
        message = f"no documented operation for {method} {shown}"
    return Violation("operation", (), "undocumented", message)


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
        wrong_type = Violation(
            "content-type",
            (),
            "content-type",
            f"request content type {media or 'none'!r} is not documented (documented: {allowed})",
        )
        return _SKIPPED, None, [wrong_type]
    if not is_json_media(media):
        return _NOT_DECODED, documented, []  # form and multipart bodies: not decoded
    if len(body) > limit:
        return _SKIPPED, documented, []
    data, problem = parse_json(media, body)
    if problem is not None:
        return _SKIPPED, documented, [problem]
    return data, documented, []


class _Skipped:
    def __repr__(self) -> str:
        return "SKIPPED"


_SKIPPED: Any = _Skipped()
_NOT_DECODED: Any = _Skipped()
