"""One vocabulary each: validation and proxy modes, the proxy's log record (the exceptions:
``tests/exceptions/``)."""

from __future__ import annotations

import json

import pytest

import logto_dynamic as ld
from logto_dynamic._proxy._exchange import Exchange
from logto_dynamic._proxy._record import Action, ExchangeRecord


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
