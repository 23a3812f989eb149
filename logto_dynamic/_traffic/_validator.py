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

from logto_dynamic._spec import Spec, SpecSource, load_spec
from logto_dynamic._validation._headers import HeaderInput, content_type_of
from logto_dynamic._validation._report import TrafficReport

__all__ = ["DEFAULT_VALIDATE_LIMIT", "HeaderInput", "TrafficReport", "TrafficValidator"]

#: JSON bodies larger than this are not schema-validated (see :class:`TrafficValidator`).
DEFAULT_VALIDATE_LIMIT = 256 * 1024


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
        return self.spec.requests.check(
            method.upper(), url, headers, body, limit=self.validate_limit
        )

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
        checked = self.spec.responses.check(
            op, status, content_type_of(headers), body, limit=self.validate_limit
        )
        report.violations += checked.violations
        report.notes += checked.notes
        if body is None:
            report.notes.append(f"response body not validated ({unchecked or 'not at hand'})")
        return report


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
