"""One vocabulary each: validation and proxy modes, the proxy's log record, the exceptions."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

import logto_dynamic as ld
from logto_dynamic import _exceptions
from logto_dynamic._proxy._exchange import Exchange
from logto_dynamic._proxy._record import Action, ExchangeRecord

PACKAGE = Path(ld.__file__).parent
#: Signals caught where they are raised; they never reach a caller.
INTERNAL = ["_validation/_patterns.py: PatternTimeout"]


def test_validation_mode_is_the_new_name_of_mode() -> None:
    assert ld.Mode is ld.ValidationMode
    policy = ld.ValidationPolicy("warn", "off")
    assert (policy.request, policy.response) == (ld.ValidationMode.WARN, ld.ValidationMode.OFF)
    with pytest.raises(ValueError, match="'strict', 'warn', 'off'"):
        ld.ValidationPolicy("loud")


def test_the_proxy_mode_is_typed() -> None:
    assert [m.value for m in ld.ProxyMode] == ["report", "enforce", "off"]
    for given in ("enforce", ld.ProxyMode.ENFORCE):
        assert ld.ValidatingProxy("http://127.0.0.1:9", mode=given).mode is ld.ProxyMode.ENFORCE
    with pytest.raises(ValueError, match="mode must be one of report, enforce, off, not 'loud'"):
        ld.ValidatingProxy("http://127.0.0.1:9", mode="loud")


def test_the_log_record_is_typed_and_its_line_keeps_its_shape() -> None:
    ex = Exchange("POST", "/api/experience", True)
    assert ex.record == ExchangeRecord("POST", "/api/experience")
    assert ex.verdict == "unchecked"
    ex.record.action = Action.cut_off("upstream-error")
    ex.record.action_detail = "payload"
    line = json.loads(json.dumps(ex.record.to_json(ld.ProxyMode.REPORT, 1.5)))
    assert list(line) == [
        "operation",
        "method",
        "path",
        "status",
        "upstream_status",
        "action",
        "violations",
        "notes",
        "mode",
        "duration_ms",
    ]
    assert (line["action"], line["mode"]) == ("cut-off-upstream-error:payload", "report")
    ex.record.action = Action.REJECTED_REQUEST
    assert ex.verdict == "rejected" and Action.REJECTED_RESPONSE_TOO_LARGE.rejected
    assert not Action.CUT_OFF_RESPONSE_TOO_LARGE.rejected


def _exception_classes_outside() -> list[str]:
    """Public classes deriving from an exception, defined anywhere but ``_exceptions.py``.

    The embedded server's HTTP errors (``testing``) and the CLI's control flow (``_cli``) are
    not errors the library raises to its callers.
    """
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("testing", "_cli") or relative.name == "_exceptions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = [ast.unparse(b) for b in node.bases]
                if any(b.endswith(("Error", "Exception")) for b in bases):
                    found.append(f"{relative}: {node.name}")
    return found


def test_every_exception_lives_in_one_module_and_its_tree_is_complete() -> None:
    assert _exception_classes_outside() == INTERNAL
    tree = _exceptions.__doc__ or ""
    names = [
        name
        for name, obj in vars(_exceptions).items()
        if isinstance(obj, type) and issubclass(obj, BaseException)
    ]
    assert len(names) >= 30
    for name in names:
        in_tree = re.search(rf"^ +[│├└─ ]*{name}\b", tree, re.MULTILINE)
        assert in_tree, f"{name} is missing from the tree in _exceptions"
        assert issubclass(getattr(_exceptions, name), ld.LogtoDynamicError), name
    assert issubclass(_exceptions.HarError, ValueError)
    assert issubclass(_exceptions.UnknownKeyIdError, ld.TokenVerificationError)
