"""The README's examples, run as written: the shell recipe (curl + ``logto-dynamic call``) and
the AsyncClient example of "Use it", both against the embedded server over loopback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from logto_dynamic._oidc._tokens import verify_id_token
from logto_dynamic.testing import ExperienceServer, SignInExperience
from logto_dynamic.testing._uvicorn import serve_app
from logto_dynamic.testing.oidc._apps import OidcApp

pytestmark = pytest.mark.loopback

README = Path(__file__).resolve().parents[2] / "README.md"
ALICE = ("alice", "s3cure-Passw0rd")


def readme_block(language: str, marker: str) -> str:
    """The README's one ``language`` code block that contains ``marker``."""
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"{len(found)} {language} blocks hold {marker!r}"
    return found[0]


def _server() -> ExperienceServer:
    app = OidcApp("my-app", ("http://localhost:3000/cb", "http://localhost:3000/callback"))
    return ExperienceServer(SignInExperience(seed_users=(ALICE,)), apps=[app])


@pytest.mark.process
@pytest.mark.skipif(shutil.which("curl") is None, reason="the recipe needs the curl binary")
def test_the_shell_recipe_signs_in_to_tokens(tmp_path: Path) -> None:
    script = readme_block("sh", "code_verifier")
    server = _server()
    with serve_app(server) as url:
        base = url.replace("127.0.0.1", "localhost")  # curl writes such cookies its own way
        bin_dir = str(Path(sys.executable).parent)  # logto-dynamic, installed with the package
        env = {**os.environ, "LOGTO_DYNAMIC_BASE_URL": base}
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
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


def test_the_async_client_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    example = readme_block("python", "from logto_dynamic import AsyncClient")
    with serve_app(_server()) as url:
        exec(compile(example.replace("http://localhost:3001", url), "README.md", "exec"), {})
    assert capsys.readouterr().out == "200 {'connectorIds': []}\n"  # as its comment says


def test_the_client_example_signs_in_as_written() -> None:
    example = readme_block("python", "from logto_dynamic import Client, Unprocessable")
    assert '"password": "…"' in example
    code = example.replace("http://localhost:3001", "{URL}").replace('"…"', repr(ALICE[1]))
    server = _server()
    with serve_app(server) as url:
        namespace: dict[str, Any] = {}
        exec(compile(code.replace("{URL}", url), "README.md", "exec"), namespace)
    tokens = namespace["tokens"]
    assert tokens.subject == server.users.find("username", "alice").id
    assert tokens.claims["iss"] == url + "/oidc"
