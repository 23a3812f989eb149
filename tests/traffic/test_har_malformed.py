"""``logto-dynamic har`` on malformed HAR files: one error line and exit 2 for a file that is
not a HAR document; a malformed entry is a problem with its index, and the rest is checked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from logto_dynamic._cli import main
from logto_dynamic._traffic._har import MALFORMED, validate_har

GOOD: dict[str, Any] = {
    "request": {
        "method": "PUT",
        "url": "http://logto.test/api/experience",
        "headers": [{"name": "content-type", "value": "application/json"}],
        "postData": {"mimeType": "application/json", "text": '{"interactionEvent":"SignIn"}'},
    },
    "response": {"status": 204, "headers": [], "content": {"mimeType": "", "text": ""}},
}


def entry(where: str = "", value: Any = None) -> Any:
    """GOOD with one part replaced (``request.method``...); ``""``: the entry itself."""
    if not where:
        return value
    out = copy.deepcopy(GOOD)
    node = out
    *parents, last = where.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return out


def har(*entries: Any) -> str:
    return json.dumps({"log": {"version": "1.2", "entries": [*entries, GOOD]}})


def with_raw_status(raw: str) -> str:
    """A HAR text whose first status is ``raw`` as written (1e400, NaN: not json.dumps')."""
    return har(entry("response.status", 777)).replace("777", raw, 1)


NOT_HAR = [  # (name, file content): exit 2, one line
    ("not JSON", "{"),
    ("empty", ""),
    ("a list", "[]"),
    ("log is a list", '{"log": []}'),
    ("entries is an object", '{"log": {"entries": {}}}'),
    ("entries is a string", '{"log": {"entries": "x"}}'),
    ("nested too deeply", "[" * 100_000 + "]" * 100_000),
    ("not UTF-8", b"\xff\xfe{}"),
]

MALFORMED_ENTRIES = [  # (name, file content, what the problem says)
    ("entry is a string", har(entry("", "x")), "str, not an object"),
    ("entry is null", har(entry("", None)), "NoneType, not an object"),
    ("request is a list", har(entry("request", [])), "entry.request is a list"),
    ("response is a string", har(entry("response", "x")), "entry.response is a str"),
    ("method is a number", har(entry("request.method", 1)), "request.method is a int"),
    ("url is a number", har(entry("request.url", 5)), "request.url is a int"),
    ("headers is an object", har(entry("request.headers", {})), "headers is a dict"),
    ("a header is a string", har(entry("request.headers", ["a"])), "headers[0] is not"),
    (
        "a header name is a number",
        har(entry("request.headers", [{"name": 1, "value": "v"}])),
        "headers[0].name",
    ),
    ("postData is a string", har(entry("request.postData", "x")), "postData is a str"),
    ("postData.text is a number", har(entry("request.postData.text", 3)), "postData.text"),
    ("content is a list", har(entry("response.content", [])), "content is a list"),
    ("content.text is a number", har(entry("response.content.text", 3)), "content.text"),
    ("response headers is a string", har(entry("response.headers", "x")), "headers is a str"),
    ("status is a word", har(entry("response.status", "abc")), "'abc' is not an HTTP status"),
    ("status is 1e400", with_raw_status("1e400"), "'inf' is not an HTTP status"),
    ("status is NaN", with_raw_status("NaN"), "'nan' is not an HTTP status"),
    ("status is -1", har(entry("response.status", -1)), "'-1' is not an HTTP status"),
    ("status is 200.5", har(entry("response.status", 200.5)), "'200.5' is not"),
    ("status is true", har(entry("response.status", True)), "'True' is not an HTTP status"),
]

VERDICTS = [  # (name, file content, violation keyword): checked, not malformed
    ("lone surrogate in the URL", har(entry("request.url", "http://t/api/experience\ud800")), ""),
    ("lone surrogate in the body", har(entry("request.postData.text", '{"a": "\ud800"}')), ""),
    ("deep JSON body", har(entry("request.postData.text", "[" * 3000 + "]" * 3000)), "depth"),
    ("unparseable URL", har(entry("request.url", "http://[/api/experience")), "url"),
    ("bad base64", har(entry("response.content", {"text": "@@", "encoding": "base64"})), ""),
]


def _write(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "bad.har"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_the_table_has_about_thirty_files() -> None:
    assert len(NOT_HAR) + len(MALFORMED_ENTRIES) + len(VERDICTS) >= 29


@pytest.mark.parametrize(("name", "content"), NOT_HAR, ids=[c[0] for c in NOT_HAR])
def test_not_a_har_file_is_one_line_and_exit_2(
    name: str, content: str | bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["har", _write(tmp_path, content)])
    out, err = capsys.readouterr()
    assert code == 2, name
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "content", "says"), MALFORMED_ENTRIES, ids=[c[0] for c in MALFORMED_ENTRIES]
)
def test_a_malformed_entry_is_a_problem_and_the_rest_is_checked(
    name: str, content: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, content)
    code = main(["har", path])
    out, err = capsys.readouterr()
    assert code == 1 and err == "", name
    assert f"#1 ({MALFORMED})" in out and says in out, out
    summary = validate_har(path)
    assert [e.operation for e in summary.entries] == [MALFORMED, "InitInteraction"]
    assert summary.entries[1].ok  # the entry after it was checked


@pytest.mark.parametrize(("name", "content", "keyword"), VERDICTS, ids=[c[0] for c in VERDICTS])
def test_hostile_values_are_verdicts(
    name: str, content: str, keyword: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, content)
    code = main(["har", path])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in err, name
    summary = validate_har(path)
    assert MALFORMED not in [e.operation for e in summary.entries]
    if keyword:
        assert keyword in [v.keyword for v in summary.entries[0].violations]
    assert json.loads(_json_summary(path, capsys))["checked"] >= 1


def _json_summary(path: str, capsys: pytest.CaptureFixture[str]) -> str:
    main(["har", path, "--json"])
    return capsys.readouterr().out
