"""The package's layers, kept by reading every import of its source (``ast``).

Top to bottom: the shells (``_cli``, ``testing``, ``pytest_plugin``); then ``_proxy``,
``_signin`` and ``_apis`` (a client that signs in with client credentials); the
clients; ``_traffic``; ``_spec``; ``_validation``; ``_document``. The foundations
(``_exceptions``, ``_config``, ``_types``, ``__version__``) serve every layer and ``__init__``
may import anything. A module may import its own layer and the layers below it, never one
above. Every import counts: module level, inside functions, under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "logto_dynamic"

#: Top to bottom; a name is the first component under ``logto_dynamic``.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"_cli", "testing", "pytest_plugin", "__main__", "load"}),
    frozenset({"_proxy", "_signin", "_apis"}),
    frozenset({"_client", "_client_core", "_results"}),
    frozenset({"_traffic", "_oidc"}),
    frozenset({"_spec"}),
    frozenset({"_validation"}),
    frozenset({"_document"}),
    frozenset({"_exceptions", "_config", "_types", "__version__"}),
)

#: Deliberate climbs, each with its reason. Keep this list very short.
ALLOWED_CLIMBS: dict[tuple[str, str], str] = {
    # The clients' door into sign-in: `interaction()` (its driver imported lazily) and the
    # token-lifecycle mixins (`_signin._client_methods`: refresh, userinfo, sign-out ...).
    # The sign-in drivers see a client only through a structural port (`call`, `http`,
    # `base_url`), so `_signin` never imports a client; only this one direction climbs.
    ("logto_dynamic._client", "logto_dynamic._signin"): "the clients' door into sign-in",
}


@functools.cache
def _root_exports() -> dict[str, str]:
    """``from logto_dynamic import X`` resolved: X's module, read from ``__init__``."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found[alias.asname or alias.name] = node.module
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_LAZY" for t in node.targets
        ):
            lazy = ast.literal_eval(node.value)
            found.update(lazy)
    return found


@functools.cache
def _parse(text: str) -> ast.Module:
    return ast.parse(text)


def _imports(module: str, text: str, exports: dict[str, str]) -> Iterator[tuple[int, str]]:
    """Every module that ``module`` (source ``text``) imports, anywhere in it, with its line."""
    for node in ast.walk(_parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == "logto_dynamic":
                for alias in node.names:
                    yield node.lineno, exports.get(alias.name, f"logto_dynamic.{alias.name}")
            else:
                yield node.lineno, target


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "logto_dynamic" or len(parts) < 2:
        return None
    for rank, names in enumerate(LAYERS):
        if parts[1] in names:
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__name__}")


def _room(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _climbs_in(module: str, text: str, exports: dict[str, str]) -> list[str]:
    low = _layer(module)
    assert low is not None
    found = []
    for line, target in _imports(module, text, exports):
        high = _layer(target)
        if high is None or high >= low or (_room(module), _room(target)) in ALLOWED_CLIMBS:
            continue
        found.append(f"{module}:{line} -> {target}")
    return found


@functools.cache
def _sources() -> tuple[tuple[str, str], ...]:
    """(module name, source) of every module but ``__init__`` (which may import anything).

    A package's ``__init__`` is named as a module inside it (``pkg.__init__``), so its
    relative imports resolve like its siblings'.
    """
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if module != "logto_dynamic.__init__":
            found.append((module, path.read_text()))
    return tuple(found)


def test_no_import_climbs_a_layer() -> None:
    exports = _root_exports()
    climbs = [c for module, text in _sources() for c in _climbs_in(module, text, exports)]
    assert climbs == []


def test_every_allowed_climb_is_still_needed() -> None:
    """A listed climb that no import uses any more is removed from the list."""
    exports = _root_exports()
    used = {
        (_room(module), _room(target))
        for module, text in _sources()
        for _, target in _imports(module, text, exports)
    }
    assert set(ALLOWED_CLIMBS) <= used


def test_the_check_sees_lazy_relative_and_re_exported_imports() -> None:
    """Imports in a function body, relative ones and ``from logto_dynamic import X`` count."""
    text = (
        "def f():\n"
        "    from logto_dynamic import Client\n"
        "    from .. import _spec\n"
        "    from .._traffic._har import read_har\n"
        "    import logto_dynamic._proxy\n"
    )
    climbs = _climbs_in("logto_dynamic._document._probe", text, _root_exports())
    assert [c.split(" -> ")[1] for c in climbs] == [
        "logto_dynamic._client",
        "logto_dynamic._spec",
        "logto_dynamic._traffic._har",
        "logto_dynamic._proxy",
    ]
    assert _climbs_in("logto_dynamic._cli._probe", text, _root_exports()) == []


def test_at_most_twelve_modules_at_the_package_root() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 12, modules
