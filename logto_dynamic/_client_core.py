"""The sans-I/O core shared by :class:`Client` and :class:`AsyncClient`.

``prepare()`` turns a call into validated ``httpx.Client.build_request`` arguments (or raises
before anything is sent); ``finish()`` turns an ``httpx.Response`` into a :class:`Result` (or
raises). Neither does I/O: the two clients differ only in how they send.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import httpx

from logto_dynamic._config import (
    USE_CLIENT_DEFAULT,
    ValidateTypes,
    ValidationMode,
    ValidationPolicy,
    to_policy,
)
from logto_dynamic._document._media import is_json_media
from logto_dynamic._document._operations import TEMPLATE_VARIABLE, Operation, fill_template
from logto_dynamic._exceptions import (
    ConnectError,
    RequestTimeoutError,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
)
from logto_dynamic._results import Result, api_error_for
from logto_dynamic._spec import Spec
from logto_dynamic._validation._bodies import decode_body
from logto_dynamic._validation._params import encode_path, encode_query, header_value
from logto_dynamic._validation._requests import UNSET, missing_parameter
from logto_dynamic._validation._violations import Violation

__all__ = [
    "CallOptions",
    "ClientCore",
    "MAX_URL_LENGTH",
    "PreparedCall",
    "build_request",
    "map_transport_errors",
]

logger = logging.getLogger("logto_dynamic")


class CallOptions(TypedDict, total=False):
    """Keyword arguments of every call (``client.call``, ``client.ops.<name>``).

    ``path``, ``query`` and ``headers`` map parameter names to values; ``validate``
    overrides the client's policy; ``timeout`` the client's timeout; ``raise_for_status=False``
    returns 4xx/5xx results instead of raising :class:`ApiError`.
    """

    path: Mapping[str, Any] | None
    query: Mapping[str, Any] | None
    headers: Mapping[str, Any] | None
    validate: ValidateTypes | None
    timeout: Any
    raise_for_status: bool | None


_OPTION_NAMES = frozenset(CallOptions.__annotations__)


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A validated call, ready for ``build_request(**request_kwargs)``."""

    operation: Operation
    policy: ValidationPolicy
    raise_for_status: bool
    request_kwargs: dict[str, Any]
    violations: tuple[Violation, ...] = ()


@contextlib.contextmanager
def map_transport_errors(operation_id: str) -> Iterator[None]:
    """The transport seam: httpx errors raised inside the block become our own."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise RequestTimeoutError(
            f"{operation_id}: timed out ({type(exc).__name__})", operation_id=operation_id
        ) from exc
    except httpx.ConnectError as exc:
        raise ConnectError(
            f"{operation_id}: could not connect ({exc})", operation_id=operation_id
        ) from exc
    except httpx.TransportError as exc:
        raise TransportError(
            f"{operation_id}: {type(exc).__name__}: {exc}", operation_id=operation_id
        ) from exc


#: The longest URL httpx builds (``httpx.InvalidURL`` past it).
MAX_URL_LENGTH = 65_536


def build_request(http: httpx.Client | httpx.AsyncClient, prepared: PreparedCall) -> httpx.Request:
    """The request of a prepared call; a URL too long or a value that cannot be encoded (a
    lone surrogate in a query or header value) is the call's :class:`RequestValidationError`,
    not httpx's exception: nothing is sent."""
    op_id = prepared.operation.operation_id
    try:
        return http.build_request(**prepared.request_kwargs)
    except httpx.InvalidURL as exc:
        why = f"the request URL cannot be built ({str(exc)[:80]})"
    except UnicodeEncodeError as exc:
        why = f"a value cannot be encoded ({exc.reason} at position {exc.start})"
    raise RequestValidationError(op_id, [Violation("url", (), "url", why)])


class ClientCore:
    """Index, request building, validation and response handling: everything but sending."""

    def __init__(
        self,
        spec: Spec,
        base_url: str | None,
        *,
        policy: ValidationPolicy,
        raise_for_status: bool,
    ) -> None:
        self.spec = spec
        self.policy = policy
        self.raise_for_status = raise_for_status
        self.base_url = _join_base(base_url, spec)

    def prepare(
        self, operation: str | Operation, body: Any = None, **options: Unpack[CallOptions]
    ) -> PreparedCall:
        """Validate a call and build its request arguments; raise before sending if invalid."""
        unknown = options.keys() - _OPTION_NAMES
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        path = options.get("path")
        query = options.get("query")
        headers = options.get("headers")
        validate = options.get("validate")
        timeout = options.get("timeout", USE_CLIENT_DEFAULT)
        raise_for_status = options.get("raise_for_status")
        op = operation if isinstance(operation, Operation) else self.spec.operation(operation)
        policy = self.policy if validate is None else to_policy(validate)
        body_value = UNSET if body is None else body
        violations: list[Violation] = []
        if policy.request is not ValidationMode.OFF:
            violations = self.spec.check_request(
                op, body=body_value, path_params=path, query=query, headers=headers
            )
            if violations and policy.request is ValidationMode.STRICT:
                raise RequestValidationError(op.operation_id, violations)
            if violations:
                _warn(op, "request", violations)
        url = self._url(op, path or {})
        kwargs: dict[str, Any] = {
            "method": op.method,
            "url": url,
            "timeout": httpx.USE_CLIENT_DEFAULT if timeout is USE_CLIENT_DEFAULT else timeout,
        }
        params = _query_pairs(op, query)
        if params:
            kwargs["params"] = params
        out_headers = _header_values(op, headers)
        if body_value is not UNSET:
            _encode_body(op, body_value, kwargs, out_headers)
        if out_headers:
            kwargs["headers"] = out_headers
        return PreparedCall(
            operation=op,
            policy=policy,
            raise_for_status=(
                self.raise_for_status if raise_for_status is None else raise_for_status
            ),
            request_kwargs=kwargs,
            violations=tuple(violations),
        )

    def finish(self, prepared: PreparedCall, response: httpx.Response) -> Result:
        """Decode and validate an answer; raise ApiError / ResponseValidationError as due."""
        op = prepared.operation
        content_type = response.headers.get("content-type")
        found: list[Violation] = []
        if prepared.policy.response is ValidationMode.OFF:
            data, _ = decode_body(content_type, response.content)
        else:
            checked = self.spec.responses.check(
                op, response.status_code, content_type, response.content
            )
            data, found = checked.data, list(checked.violations)
        logger.debug("%s %s -> %s (%s)", op.method, op.path, response.status_code, op.operation_id)
        result = Result(
            status_code=response.status_code,
            data=data,
            headers=response.headers,
            http=response,
            operation=op,
            violations=prepared.violations + tuple(found),
        )
        if found and prepared.policy.response is ValidationMode.WARN:
            _warn(op, "response", found)
        if response.status_code >= 400 and prepared.raise_for_status:
            raise api_error_for(result)
        if found and prepared.policy.response is ValidationMode.STRICT:
            raise ResponseValidationError(op.operation_id, found, result)
        return result

    def _url(self, op: Operation, values: Mapping[str, Any]) -> str:
        if "{" not in op.path:
            return self.base_url + op.path
        params = {p.name: p for p in op.parameters if p.location == "path"}

        def fill(name: str) -> str:
            if name not in values or values[name] is None:
                raise RequestValidationError(op.operation_id, [missing_parameter("path", name)])
            param = params.get(name)
            try:
                if param is None:
                    from urllib.parse import quote

                    return quote(str(values[name]), safe="")
                return encode_path(param, values[name])
            except UnicodeEncodeError as exc:  # a lone surrogate: no URL can carry it
                why = f"the value cannot be encoded as UTF-8 ({exc.reason})"
                raise RequestValidationError(
                    op.operation_id, [Violation("path", (), "encoding", why, name)]
                ) from None

        path = fill_template(op.path, fill)
        _refuse_unsafe_segments(op, path)
        url = self.base_url + path
        if len(url) > MAX_URL_LENGTH:
            why = f"the URL would be {len(url)} characters long (at most {MAX_URL_LENGTH})"
            raise RequestValidationError(op.operation_id, [Violation("path", (), "length", why)])
        return url


def _refuse_unsafe_segments(op: Operation, path: str) -> None:
    """A path parameter that would make the server route the call elsewhere is refused before
    sending: ``.`` or ``..`` (dropped, with the segment before it, by URL normalisation), or
    empty (``GET /api/users/`` is the user list to Logto, not ``GetUser``)."""
    templates = op.path.split("/")
    for template, segment in zip(templates, path.split("/"), strict=False):
        if "{" not in template or segment not in (".", "..", ""):
            continue
        names = TEMPLATE_VARIABLE.findall(template)
        if segment:
            keyword = "dot-segment"
            message = (
                f"{segment!r} as a whole path segment is a dot segment: URL normalisation would "
                "drop it and call another path"
            )
        else:
            keyword = "empty"
            message = "an empty path segment would call another path (the collection)"
        violation = Violation("path", (), keyword, message, names[0] if names else None)
        raise RequestValidationError(op.operation_id, [violation])


# -- request pieces -------------------------------------------------------------------------


def _query_pairs(op: Operation, values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if not values:
        return []
    declared = {p.name: p for p in op.parameters if p.location == "query"}
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None:
            continue
        param = declared.get(name)
        if param is None:  # not documented: passed through as given
            items = value if isinstance(value, list | tuple) else [value]
            pairs += [(name, str(v)) for v in items]
        else:
            pairs += encode_query(param, value)
    return pairs


def _header_values(op: Operation, values: Mapping[str, Any] | None) -> dict[str, str]:
    if not values:
        return {}
    declared = {p.name.lower(): p for p in op.parameters if p.location == "header"}
    out: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        param = declared.get(name.lower())
        out[name] = header_value(param, value) if param is not None else str(value)
    return out


def _encode_body(op: Operation, body: Any, kwargs: dict[str, Any], headers: dict[str, str]) -> None:
    media = op.request_media_type or "application/json"
    if is_json_media(media):
        try:
            kwargs["content"] = json.dumps(
                body, ensure_ascii=False, allow_nan=False, separators=(",", ":")
            ).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:
            raise RequestValidationError(
                op.operation_id,
                [
                    Violation(
                        "body",
                        (),
                        "json",
                        f"the body cannot be sent as JSON: {type(exc).__name__}: {str(exc)[:120]}",
                    )
                ],
            ) from None
        headers.setdefault("Content-Type", media)
    elif media == "multipart/form-data" and isinstance(body, Mapping):
        files: dict[str, Any] = {}
        data: dict[str, Any] = {}
        for key, value in body.items():
            if isinstance(value, bytes | bytearray | tuple) or hasattr(value, "read"):
                files[key] = value
            else:
                data[key] = value
        kwargs["files"] = files or None
        kwargs["data"] = data or None
    elif media == "application/x-www-form-urlencoded" and isinstance(body, Mapping):
        kwargs["data"] = body
    else:
        kwargs["content"] = body if isinstance(body, bytes | str) else str(body)
        headers.setdefault("Content-Type", media)


def _warn(op: Operation, direction: str, violations: list[Violation]) -> None:
    logger.warning(
        "%s: %d %s violation(s): %s",
        op.operation_id,
        len(violations),
        direction,
        "; ".join(str(v) for v in violations[:5]),
    )


def _join_base(base_url: str | None, spec: Spec) -> str:
    """The URL operation paths are appended to: the caller's origin plus the server base path."""
    if base_url is None:
        base_url = spec.server_url()
    base_url = base_url.rstrip("/")
    has_path = "://" in base_url and "/" in base_url.split("://", 1)[1]
    return base_url if has_path else base_url + spec.base_path
