"""``logto-dynamic call OPERATION [BODY]``: call one operation from the shell.

stdout gets the answer (pretty JSON, text, or nothing for an empty body; with ``--json``
one object ``{status, headers, data, violations, error}``); stderr gets one line when the
call failed. Exit 0 on a 2xx answer; 1 when the call failed (refused by validation and not
sent, an API error, a response that does not match in strict mode, a transport error); 2
on usage errors. Secret fields, cookies and echoed request secrets are redacted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from logto_dynamic._cli._common import (
    BASE_URL_ENV,
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_base_url,
    add_spec_option,
    add_verbosity,
    base_url_of,
    configure_logging,
    error,
    load_spec_source,
)
from logto_dynamic._cli._m2m import add_app_options, app_secret_of
from logto_dynamic._cli._values import typed_values

if TYPE_CHECKING:
    from logto_dynamic._cli._redact import Scrubber
    from logto_dynamic._document._operations import Operation
    from logto_dynamic._results import Result
    from logto_dynamic._spec import Spec

__all__ = ["BASE_URL_ENV", "read_body", "register", "run_call"]


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    return name, value


def register(subparsers: Any) -> None:
    """Add the ``call`` sub-command."""
    call = subparsers.add_parser(
        "call",
        help="call one operation and print the answer",
        description="Call OPERATION (operationId, any case or word style) with BODY and "
        "print the answer. Exit 0 on a 2xx answer, 1 when the call failed, "
        "2 on usage errors.",
    )
    call.add_argument(
        "operation",
        metavar="OPERATION",
        help="the operationId, in any case or word style (IdentifyUser, identify_user); "
        "'logto-dynamic ops' lists them",
    )
    call.add_argument(
        "body",
        metavar="BODY",
        nargs="?",
        default=None,
        help="the JSON body: JSON text, @FILE, or - for stdin",
    )
    add_base_url(call)
    call.add_argument(
        "--cookie-jar",
        default=None,
        metavar="FILE",
        help="cookies.txt read before the call and written after it (mode 0600)",
    )
    for option, where in (("--path", "path"), ("--query", "query"), ("--header", "header")):
        call.add_argument(
            option,
            action="append",
            default=[],
            type=_pair,
            metavar="NAME=VALUE",
            help=f"a {where} parameter (repeatable); VALUE is text as on the wire, converted "
            "to the parameter's schema type before validation (page=2 is the integer 2, "
            "true/false booleans, a,b an array"
            + ("; repeat NAME for an exploded array)" if where == "query" else ")"),
        )
    call.add_argument(
        "--validate",
        choices=("strict", "warn", "off"),
        default="strict",
        help="request and response validation (default: %(default)s)",
    )
    add_spec_option(call)
    add_app_options(call, required=False)
    call.add_argument(
        "--token-env",
        default=None,
        metavar="VAR",
        help="send the bearer token held in environment variable VAR (a user's access token: "
        "the Account API, document logto-account-1.42 unless --spec is given)",
    )
    call.add_argument("--timeout", type=float, default=None, help="seconds (default: 10)")
    call.add_argument(
        "--json",
        action="store_true",
        help="print {status, headers, data, violations, error} as one JSON object",
    )
    call.add_argument(
        "--show-secrets",
        action="store_true",
        help="print secret fields of the answer (TOTP secret, backup codes) instead of <redacted>",
    )
    add_verbosity(call)
    call.set_defaults(func=run_call)


def read_body(text: str | None) -> Any:
    """BODY as JSON: the text itself, ``@FILE`` or ``-`` (stdin); None when absent."""
    if text is None:
        return None
    where = "BODY"
    if text == "-":
        text, where = sys.stdin.read(), "BODY (stdin)"
    elif text.startswith("@"):
        name = text[1:]
        try:
            with open(name, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise UsageError(f"cannot read BODY file {name!r}: {reason or exc}") from None
        where = f"BODY file {name!r}"
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:  # its message names the position, not the content
        raise UsageError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def run_call(args: argparse.Namespace) -> int:
    """Call the operation; print the answer; 0 on 2xx, 1 when the call failed."""
    from logto_dynamic import Client, M2MAuth
    from logto_dynamic._apis._account import ACCOUNT_SPEC
    from logto_dynamic._apis._account_core import VERIFICATION_HEADER, UserTokenAuth
    from logto_dynamic._apis._management import MANAGEMENT_SPEC
    from logto_dynamic._cli._jar import load_jar, save_jar
    from logto_dynamic._cli._redact import Scrubber, secret_strings
    from logto_dynamic._exceptions import (
        LogtoDynamicError,
        RequestValidationError,
        ResponseValidationError,
    )

    log = configure_logging(args, logging.WARNING)
    body = read_body(args.body)
    app_secret = app_secret_of(args) if args.app_id else None
    if app_secret is not None and args.spec is None:  # an M2M token is for the Management API
        args.spec = MANAGEMENT_SPEC
    user_token = _user_token(args, app_secret)
    if user_token is not None and args.spec is None:  # a user's token is for the Account API
        args.spec = ACCOUNT_SPEC
    spec = load_spec_source(args.spec, timeout=args.spec_timeout)
    try:
        op = spec.operation(args.operation)
    except LogtoDynamicError as exc:  # unknown (did-you-mean), ambiguous or quarantined
        raise UsageError(str(exc)) from None
    for location, pairs in (("path", args.path), ("query", args.query)):
        _check_names(op, location, pairs)
    base_url = base_url_of(args)
    secrets = secret_strings(spec.document, op.request_schema, body)
    secrets |= {v for n, v in args.header if n.lower() == VERIFICATION_HEADER and v}
    scrub = Scrubber(secrets | {s for s in (app_secret, user_token) if s is not None})
    log.addFilter(scrub)
    jar = load_jar(args.cookie_jar)
    options: dict[str, Any] = {
        "path": typed_values(spec, op, "path", args.path),
        "query": typed_values(spec, op, "query", args.query),
        "headers": typed_values(spec, op, "header", args.header),
    }
    http: dict[str, Any] = {} if args.timeout is None else {"timeout": args.timeout}
    out = _Output(args, spec, op, scrub)
    if app_secret is not None:
        http["auth"] = M2MAuth(base_url, args.app_id, app_secret)
    if user_token is not None:
        http["auth"] = UserTokenAuth(lambda: user_token)
    with Client(
        base_url, spec=spec, validate=args.validate, raise_for_status=False, cookies=jar, **http
    ) as client:
        try:
            result = client.call(op, body, **options)
        except RequestValidationError as exc:
            return out.failed(f"request not sent: {exc}", violations=exc.violations)
        except ResponseValidationError as exc:
            return out.answer(exc.result, exc.violations, problem=str(exc))
        except LogtoDynamicError as exc:  # TransportError: not sent, or no answer came back
            return out.failed(str(exc))
        finally:
            if args.cookie_jar:
                save_jar(jar, args.cookie_jar, host=urlsplit(base_url).hostname)
    return out.answer(result, result.violations)


def _user_token(args: argparse.Namespace, app_secret: str | None) -> str | None:
    """The bearer token ``--token-env VAR`` names (never printed), or None."""
    if args.token_env is None:
        return None
    if app_secret is not None:
        raise UsageError("--token-env and --app-id both set a token: give one")
    token = os.environ.get(args.token_env, "").strip()
    if not token:
        raise UsageError(f"--token-env: environment variable {args.token_env} is not set or empty")
    return token


def _names(op: Operation, location: str) -> list[str] | None:
    """The names ``location`` takes; None when any name goes (an exploded free-form object)."""
    names: set[str] = set()
    for param in op.parameters_in(location):
        schema = param.schema or {}
        if location == "query" and param.style == "form" and param.explode:
            if schema.get("type") == "object":  # its properties are the query's names
                if schema.get("additionalProperties", True) is not False:
                    return None
                names.update(schema.get("properties") or ())
                continue
        names.add(param.name)
    return sorted(names)


def _check_names(op: Operation, location: str, pairs: list[tuple[str, str]]) -> None:
    """A ``--path``/``--query`` name the operation does not have is a usage error."""
    import difflib

    declared = _names(op, location)
    if declared is None:
        return
    for name, _ in pairs:
        if name in declared:
            continue
        close = difflib.get_close_matches(name, declared, n=1, cutoff=0.6)
        guess = f"did you mean {close[0]}? " if close else ""
        known = ", ".join(declared) or "none"
        raise UsageError(
            f"--{location} {name}: {op.operation_id} has no such {location} parameter "
            f"({guess}it has: {known})"
        )


class _Output:
    """Prints what ``call`` has to say, redacted, on the right stream."""

    def __init__(
        self, args: argparse.Namespace, spec: Spec, op: Operation, scrub: Scrubber
    ) -> None:
        self.as_json = bool(args.json)
        self.show_secrets = bool(args.show_secrets)
        self.spec = spec
        self.op = op
        self.scrub = scrub

    def failed(self, message: str, *, violations: Any = ()) -> int:
        """Nothing came back (or nothing was sent): one line on stderr, exit 1."""
        if self.as_json:
            self._print_json(None, {}, None, violations, message)
        error("call", self.scrub(message))
        return EXIT_FAILED

    def answer(self, result: Result | None, violations: Any, *, problem: str | None = None) -> int:
        """Print an answer; 0 for a 2xx one that passed, else 1 with a line on stderr."""
        if result is None:  # a response violation without the answer attached
            return self.failed(
                problem or f"{self.op.operation_id}: invalid response", violations=violations
            )
        status = result.status_code
        if not 200 <= status < 300:
            problem = _api_error_line(self.op.operation_id, result)
        data = self._data(result, secrets_shown=self.show_secrets and problem is None)
        if self.as_json:
            headers = _headers(result)
            self._print_json(status, headers, data, violations, problem)
        elif problem is None and data is not None:
            text = data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False)
            print(self.scrub(text))
        if problem is not None:
            error("call", self.scrub(problem))
            return EXIT_FAILED
        return EXIT_OK

    def _data(self, result: Result, *, secrets_shown: bool) -> Any:
        if secrets_shown or result.data is None:
            return result.data
        from logto_dynamic._cli._redact import redact_data

        spec = (
            self.op.responses.get(str(result.status_code))
            or self.op.responses.get(f"{str(result.status_code)[0]}XX")
            or self.op.responses.get("default")
        )
        media = next(iter(spec.content.values()), {}) if spec is not None else {}
        return redact_data(self.spec.document, media.get("schema"), result.data)

    def _print_json(
        self,
        status: int | None,
        headers: dict[str, Any],
        data: Any,
        violations: Any,
        problem: str | None,
    ) -> None:
        document = {
            "status": status,
            "headers": headers,
            "data": data,
            "violations": [v.to_dict() for v in violations],
            "error": problem,
        }
        print(self.scrub(json.dumps(document, indent=2, ensure_ascii=False)))


def _headers(result: Result) -> dict[str, Any]:
    from logto_dynamic._cli._redact import redact_headers

    return redact_headers(result.headers)


def _api_error_line(operation_id: str, result: Result) -> str:
    from logto_dynamic._cli._api_errors import api_error_line

    body = result.data if isinstance(result.data, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else None
    if message is None and isinstance(result.data, str) and result.data.strip():
        message = result.data.strip()[:200]
    return api_error_line(operation_id, result.status_code, code, message, body.get("data"))
