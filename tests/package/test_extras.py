"""A lean install: the base has no server stack; what needs an extra says which, in one line.

A missing extra is simulated by hiding its module (``sys.modules[name] = None`` makes every
import of it fail, as in an install without it); the commands and the fixture then print one
line with the ``pip install`` to run and exit 2, never a traceback.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import textwrap

import pytest

from logto_dynamic._cli import main
from logto_dynamic._config import EXTRAS, missing_extra

SERVER_STACK = {"aiohttp", "uvloop", "httptools", "uvicorn", "prometheus-client"}


def _requirements() -> dict[str, set[str]]:
    """Distribution names per extra ("" for the base), from the installed metadata."""
    out: dict[str, set[str]] = {}
    for line in importlib.metadata.requires("logto-dynamic") or []:
        name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0].lower()
        extra = re.search(r"extra == ['\"]([\w-]+)['\"]", line)
        out.setdefault(extra.group(1) if extra else "", set()).add(name)
    return out


def test_the_base_install_has_no_server_stack() -> None:
    requirements = _requirements()
    assert requirements[""].isdisjoint(SERVER_STACK), requirements[""]
    assert {"httpx", "jsonschema", "joserfc", "openapi-core"} <= requirements[""]
    # and brotli, to check the `br` answers (without it they are relayed unchecked, with a note)
    assert requirements["proxy"] == SERVER_STACK | {"brotli"}
    assert "uvicorn" in requirements["server"]
    assert SERVER_STACK <= requirements["all"] and SERVER_STACK <= requirements["test"]


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_each_extra_checks_the_modules_it_installs(extra: str) -> None:
    names = {module.replace("_", "-") for module in EXTRAS[extra]}
    assert names <= _requirements()[extra]


@pytest.mark.parametrize(
    ("argv", "hidden", "extra"),
    [
        (["proxy", "--upstream", "http://127.0.0.1:9"], "aiohttp", "proxy"),
        (["proxy", "--upstream", "http://127.0.0.1:9"], "prometheus_client", "proxy"),
        (["serve", "--port", "0"], "uvicorn", "server"),
        (["demo"], "aiohttp", "all"),
        (["demo"], "uvicorn", "all"),
    ],
)
def test_a_command_without_its_extra_says_which_in_one_line(
    argv: list[str],
    hidden: str,
    extra: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, hidden, None)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f'pip install "logto-dynamic[{extra}]"' in err
    assert err.startswith(f"logto-dynamic {argv[0]}: error: ") and hidden in err


def test_with_every_extra_nothing_is_missing() -> None:
    assert missing_extra("x", *EXTRAS) is None


@pytest.mark.process
def test_the_fixture_without_its_extra_fails_only_the_tests_using_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest("import sys\nsys.modules['uvicorn'] = None\n")
    pytester.makepyfile(
        test_app=textwrap.dedent(
            """
            def test_sign_in(logto_tokens):
                assert logto_tokens.access_token

            def test_something_else():
                assert 1 + 1 == 2
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert result.ret == 1  # a failed test, not a stopped session
    result.assert_outcomes(passed=1, errors=1)
    text = result.stdout.str() + result.stderr.str()
    assert 'pip install "logto-dynamic[server]"' in text
    assert 'pip install ".[server]"' in text
    assert "Traceback" not in text


_LIBRARY_WITHOUT_EXTRA = {
    "server": (
        "uvicorn",
        "from logto_dynamic.testing import running_server\nwith running_server():\n    pass\n",
    ),
    "proxy": (
        "aiohttp",
        "from logto_dynamic import ValidatingProxy\n",
    ),
}


@pytest.mark.process
@pytest.mark.parametrize("extra", sorted(_LIBRARY_WITHOUT_EXTRA))
def test_the_library_without_an_extra_raises_a_typed_error(extra: str) -> None:
    hidden, code = _LIBRARY_WITHOUT_EXTRA[extra]
    program = (
        f"import sys\nsys.modules[{hidden!r}] = None\n"
        "from logto_dynamic import MissingExtraError\n"
        f"try:\n{textwrap.indent(code, '    ')}"
        "except MissingExtraError as exc:\n"
        "    assert isinstance(exc, ImportError)\n"
        "    print(exc)\n"
        "else:\n    raise SystemExit('no error')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert f'pip install "logto-dynamic[{extra}]"' in done.stdout
    assert f'pip install ".[{extra}]"' in done.stdout
    assert hidden in done.stdout
