"""Every code example of README.md and docs/ runs as written (issue 27).

The rules the examples keep, checked here:

- A ``python`` or ``sh`` block opens with ``# Runs against: ...``, saying what it needs:
  ``the embedded server, started here`` (the block starts it with ``running_server()``),
  ``nothing`` (no server is reached), or, for ``sh``, the exact ``logto-dynamic serve ...``
  line to start in another terminal: the test starts that very line (``--port 0`` added, so
  on a free port) and sets ``LOGTO_DYNAMIC_BASE_URL`` to it.
- A ``python`` block importing Locust runs in a process of its own (gevent patches the
  process that imports it).
- A ``python`` block holding ``def test_`` is a test file: pytest runs it (the
  ``logto_dynamic`` plugin gives it the fixtures); its tests must pass.
- A block followed by the word ``prints`` and a ``text`` block must print exactly that.
- A block that cannot run here says why on the line before it (``<!-- not run: reason -->``):
  the quickstart's install commands (``.ci/run`` runs them itself), snippets for frameworks
  that are no dependency. Other languages (``text``, ``ini``, ``toml``) are output or
  configuration and are not run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from logto_dynamic._oidc._tokens import verify_id_token
from logto_dynamic.testing import ExperienceServer, SignInExperience
from logto_dynamic.testing._uvicorn import serve_app
from logto_dynamic.testing.oidc._apps import OidcApp

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BIN = Path(sys.executable).parent  # logto-dynamic, installed beside this python
RUN = ("python", "sh")
FENCE = re.compile(
    r"(?:<!-- not run: (?P<reason>[^>]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)^```\n"
    r"(?:\nprints\n\n```text\n(?P<prints>.*?)^```\n)?",
    re.S | re.M,
)


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    lang: str
    body: str
    prints: str | None
    not_run: str | None

    @property
    def against(self) -> str:
        first = self.body.splitlines()[0] if self.body.strip() else ""
        found = re.match(r"# Runs against: (.*)", first)
        return found.group(1).strip() if found else ""

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def _examples() -> list[Example]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            found.append(
                Example(
                    page=str(page.relative_to(ROOT)),
                    line=text.count("\n", 0, match.start("body")),
                    lang=match.group("lang"),
                    body=match.group("body"),
                    prints=match.group("prints"),
                    not_run=match.group("reason"),
                )
            )
    return found


EXAMPLES = _examples()
RUNNABLE = [e for e in EXAMPLES if e.lang in RUN and e.not_run is None]


def test_every_example_says_what_it_runs_against_or_why_it_does_not_run() -> None:
    assert len(RUNNABLE) >= 20, [str(e) for e in RUNNABLE]
    for example in EXAMPLES:
        if example.not_run is not None:
            assert example.not_run.strip(), f"{example}: say why it does not run"
        elif example.lang in RUN:
            assert example.against, f"{example}: open with '# Runs against: ...'"
        else:
            assert example.lang, f"{example}: name the block's language"
    skipped = [e for e in EXAMPLES if e.not_run is not None]
    code = [e for e in EXAMPLES if e.lang in RUN]
    assert len(skipped) * 4 <= len(code), [f"{e}: {e.not_run}" for e in skipped]  # few


def test_examples_avoid_logtos_port_unless_they_mean_a_real_logto() -> None:
    for example in RUNNABLE:
        if "real Logto" not in example.against:
            assert ":3001" not in example.body, f"{example}: port 3001 is Logto's"


@contextlib.contextmanager
def _serve(line: str) -> Iterator[str]:
    """Start ``logto-dynamic serve ...`` as written, on a free port; its base URL."""
    argv = shlex.split(line)
    assert argv[:2] == ["logto-dynamic", "serve"], line
    proc = subprocess.Popen(
        [str(BIN / "logto-dynamic"), *argv[1:], "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        seen = ""
        for _ in range(200):  # bounded: the announcement comes within a few lines
            text = proc.stderr.readline()
            seen += text
            found = re.search(r" on (http://127\.0\.0\.1:\d+)", text)
            if found or not text:
                break
        assert found, seen
        yield found.group(1)
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _run_shell(example: Example, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("LOGTO_DYNAMIC_BASE_URL", None)
    against = example.against.split("  ")[0].strip()
    command = ["bash", "-e", "-o", "pipefail", "-c", example.body]
    if against.startswith("logto-dynamic serve"):
        with _serve(against) as url:
            env["LOGTO_DYNAMIC_BASE_URL"] = url
            return subprocess.run(
                command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
            )
    assert against.startswith("nothing"), f"{example}: what does it run against?"
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )


def _run_python(example: Example, tmp_path: Path) -> tuple[int, str, str]:
    """A test file through pytest in a process of its own; other blocks in this process
    (``exec``, stdout captured: no interpreter start per example)."""
    if "def test_" in example.body:
        (tmp_path / "test_example.py").write_text(example.body)
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}  # the outer --cov
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        done = subprocess.run(
            [*command, "test_example.py"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        return done.returncode, done.stdout, done.stderr
    if re.search(r"^(from|import) locust\b", example.body, re.M):
        # Locust's gevent patches the process that imports it: a process of its own.
        done = subprocess.run(
            [sys.executable, "-c", example.body],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
        return done.returncode, done.stdout, done.stderr
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example.body, str(example), "exec"), {"__name__": "__example__"})
    return 0, out.getvalue(), ""


@pytest.mark.loopback
@pytest.mark.process
@pytest.mark.parametrize("example", RUNNABLE, ids=str)
def test_the_example_runs_as_written(example: Example, tmp_path: Path) -> None:
    if example.lang == "python":
        code, out, err = _run_python(example, tmp_path)
    else:
        done = _run_shell(example, tmp_path)
        code, out, err = done.returncode, done.stdout, done.stderr
    assert code == 0, f"{example}\n{out}\n{err}"
    assert "Traceback" not in err, err
    if example.prints is not None:
        assert out == example.prints, f"{example} printed:\n{out}"


# -- the shell recipe in detail: the tokens it prints are real ones ---------------------------

ALICE = ("alice", "s3cure-Passw0rd")


def _recipe() -> Example:
    (found,) = [e for e in RUNNABLE if e.lang == "sh" and "code_verifier" in e.body]
    return found


@pytest.mark.loopback
@pytest.mark.process
def test_the_shell_recipe_ends_in_verified_tokens(tmp_path: Path) -> None:
    recipe = _recipe()
    app = OidcApp("my-app", ("http://localhost:3000/cb",))
    server = ExperienceServer(SignInExperience(seed_users=(ALICE,)), apps=[app])
    assert "--seed-user alice=s3cure-Passw0rd" in recipe.against
    assert "--app my-app=http://localhost:3000/cb" in recipe.against
    with serve_app(server) as url:
        base = url.replace("127.0.0.1", "localhost")  # curl writes such cookies its own way
        env = {**os.environ, "LOGTO_DYNAMIC_BASE_URL": base}
        env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", recipe.body],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    tokens = json.loads(done.stdout.strip().splitlines()[-1])
    claims = verify_id_token(
        tokens["id_token"],
        server.key.jwks(),
        ["ES384"],
        issuer=base + "/oidc",
        client_id="my-app",
        nonce=None,
    )
    assert claims["sub"] == server.users.find("username", "alice").id
    # the jar holds what curl writes for localhost: the domain as it is, not localhost.local
    domains = {
        line.split("\t")[0].removeprefix("#HttpOnly_")
        for line in (tmp_path / "jar.txt").read_text().splitlines()
        if "\t" in line
    }
    assert domains == {"localhost"}
