"""docs/load-testing.md: its code compiles and the attributes it names exist on LogtoUser.

Read with ``ast`` (importing ``LogtoUser`` would import Locust, and gevent's patching, into
pytest).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "load-testing.md"
USER = ROOT / "logto_dynamic" / "load" / "_user.py"


def _logto_user() -> ast.ClassDef:
    tree = ast.parse(USER.read_text())
    return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "LogtoUser")


def test_the_python_blocks_compile() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert blocks
    for block in blocks:
        compile(block, str(DOC), "exec")


def test_every_documented_attribute_and_method_exists() -> None:
    cls = _logto_user()
    attributes = {
        t.target.id
        for t in cls.body
        if isinstance(t, ast.AnnAssign) and isinstance(t.target, ast.Name)
    }
    methods = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    text = DOC.read_text()
    listed = re.search(r"Class attributes: (.*?)\.\n\n", text, re.DOTALL)
    assert listed is not None
    named = set(re.findall(r"`(\w+)`", listed.group(1)))
    assert named == attributes - {"abstract"}, named ^ attributes
    table = re.findall(r"^\| `(\w+)\(", text, re.MULTILINE)
    assert table and set(table) <= methods, set(table) - methods
