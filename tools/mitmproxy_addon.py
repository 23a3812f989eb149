"""Validate Logto Experience API traffic inside mitmproxy (an example addon).

    LOGTO_DYNAMIC_SPEC=path/to/openapi.yaml mitmdump -s tools/mitmproxy_addon.py

Every API exchange is checked against the document with
:class:`logto_dynamic._traffic.TrafficValidator`; violations are printed one JSON line per
exchange (no bodies, no cookies, no secret values). mitmproxy is not a dependency of
logto_dynamic: it is only needed to run this file under mitmproxy.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from logto_dynamic._traffic._validator import TrafficReport, TrafficValidator

if TYPE_CHECKING:  # pragma: no cover
    from mitmproxy import http  # type: ignore[import-not-found]


class LogtoValidator:
    """mitmproxy addon: ``request`` and ``response`` hooks call a TrafficValidator."""

    def __init__(self, spec: Any = None) -> None:
        self.validator = TrafficValidator(spec)
        self._reports: dict[str, TrafficReport] = {}

    def request(self, flow: http.HTTPFlow) -> None:
        req = flow.request
        if not self.validator.is_api_path(req.path.split("?", 1)[0]):
            return
        self._reports[flow.id] = self.validator.validate_request(
            req.method, req.path, req.headers.fields, req.raw_content or b""
        )

    def response(self, flow: http.HTTPFlow) -> None:
        report = self._reports.pop(flow.id, None)
        if report is None or flow.response is None:
            return
        resp = flow.response
        answer = self.validator.validate_response(
            report, resp.status_code, resp.headers.fields, resp.content or b""
        )
        violations = [*report.violations, *answer.violations]
        if violations:
            line = {**answer.to_dict(), "violations": [v.to_dict() for v in violations]}
            print(json.dumps(line), file=sys.stderr)


addons = [LogtoValidator(os.environ.get("LOGTO_DYNAMIC_SPEC") or None)]
