"""The exceptions: every one in ``logto_dynamic._exceptions``, its tree drawn once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import logto_dynamic as ld
from logto_dynamic import _exceptions

PACKAGE = Path(ld.__file__).parent
#: Signals caught where they are raised; they never reach a caller.
INTERNAL = ["_validation/_patterns.py: PatternTimeout"]


def _exception_classes_outside() -> list[str]:
    """Public classes deriving from an exception, defined anywhere but ``_exceptions/``.

    The embedded server's HTTP errors (``testing``) and the CLI's control flow (``_cli``) are
    not errors the library raises to its callers.
    """
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ("testing", "_cli", "_exceptions"):
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


def test_every_class_of_the_package_is_exported_from_it() -> None:
    defined = {
        node.name
        for path in (PACKAGE / "_exceptions").glob("_*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.ClassDef)
    }
    assert len(defined) >= 30
    assert defined == set(_exceptions.__all__)
