"""The quick route of request checks: what a method, path and content type decide, kept.

Most requests of the Experience API are a JSON body to an operation without parameters.
For those, :class:`RequestPlans` keeps (per method, path and content type) the operation,
the media type and the body schema, so a valid request costs one parse and one compiled
schema check. Everything else, and every invalid request, goes to
:meth:`TrafficValidator.validate_request <logto_dynamic.TrafficValidator.validate_request>`'s
full check, which lists the violations.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from logto_dynamic._document._media import is_json_media, media_matches, media_type_of
from logto_dynamic._document._operations import Operation
from logto_dynamic._spec import Spec
from logto_dynamic._validation._responses import MAX_PLANS, parse_json
from logto_dynamic._validation._schema import CompiledSchema

__all__ = ["RequestPlan", "RequestPlans"]

#: A request's operation, the media type sent and the body schema.
RequestPlan = tuple[Operation, str, CompiledSchema]


class RequestPlans:
    """Plans of one document's requests, up to :data:`~._response.MAX_PLANS` of them."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        #: (method, path, content type) -> plan, or None: no quick route, check it fully.
        self.table: dict[tuple[str, str, str | None], RequestPlan | None] = {}

    def quick(
        self, method: str, url: str, content_type: str | None, body: bytes, limit: int
    ) -> Operation | None:
        """The operation when the request is valid by its plan; None: check it fully."""
        if not body or url[:1] != "/" or url[1:2] == "/" or "#" in url or len(body) > limit:
            return None
        key = (method, url.partition("?")[0], content_type)
        table = self.table
        plan = table[key] if key in table else self.plan(method, url, content_type)
        if plan is not None:
            op, media, schema = plan
            data, problem = parse_json(media, body)
            if problem is None and schema.is_valid(data):
                return op
        return None

    def plan(self, method: str, url: str, content_type: str | None) -> RequestPlan | None:
        """Work out (and keep) the plan of a request: None when only a full check will do."""
        path = url.partition("?")[0]
        plan: RequestPlan | None = None
        matched = self.spec.match(method, path) if urlsplit(url).path == path else None
        if matched is not None and not matched[0].parameters and matched[0].request_content:
            op = matched[0]
            media = media_type_of(content_type)
            documented = media_matches(op.request_content, media) if media else None
            if documented is not None and is_json_media(media):
                schema = self.spec.validators.body_schema(op, documented)
                if schema is not None:
                    plan = (op, media, schema)
        if len(self.table) >= MAX_PLANS:
            self.table.clear()
        self.table[(method, path, content_type)] = plan
        return plan
