"""The package's layers, kept by reading every import of its source (``ast``).

Top to bottom: the shells (``_cli``, ``testing``, ``pytest_plugin``); then ``_proxy``,
``_signin`` and ``_apis`` (a client that signs in with client credentials); the
clients; ``_traffic``; ``_spec``; ``_validation``; ``_document``. The foundations
(``_exceptions``, ``_config``, ``_types``, ``__version__``) serve every layer and ``__init__``
may import anything. A module may import its own layer and the layers below it, never one
above. Every import counts: module level, inside functions, under ``TYPE_CHECKING``.

Inside the embedded server (``testing``) the same rule holds over its own layers
(``TESTING_LAYERS``: the harness, the app, the rooms by API, inbound, state, plumbing), and
``tests/`` keeps a folder for each room of the package.
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


# --- Inside the embedded server (``logto_dynamic.testing``) -------------------------------

TESTING = PACKAGE / "testing"

#: The server's rooms by API, one layer: they share the core below and never the top.
#: Adding a room (``account`` next) is one line here.
SERVER_ROOMS: frozenset[str] = frozenset(
    {
        "experience",
        "oidc",
        "management",
        "account",
    }
)

#: Top to bottom; a name is the first component under ``logto_dynamic.testing``
#: (``__init__`` is the package's own module).
TESTING_LAYERS: tuple[frozenset[str], ...] = (
    # What users and the pytest plugin are handed: the public surface, the harness, the demo.
    frozenset({"__init__", "_harness", "_harness_access", "demo"}),
    # The ASGI app that wires the rooms to their routes.
    frozenset({"_server"}),
    SERVER_ROOMS,
    # Inbound requests read and guarded (bodies, zod-style issues, cookies).
    frozenset({"inbound"}),
    # The server's state: users, sessions, OIDC grants, the document it serves.
    frozenset({"_state", "_grants", "_document"}),
    # Plumbing that knows no Logto: requests and answers, error bodies, a uvicorn thread.
    frozenset({"_asgi", "_errors", "_uvicorn"}),
)

#: Deliberate climbs inside ``testing`` as (room, room) by their ``TESTING_LAYERS`` names,
#: each with its reason. None so far; keep it that way.
TESTING_ALLOWED_CLIMBS: dict[tuple[str | None, str | None], str] = {}

_TESTING_PREFIX = ("logto_dynamic", "testing")


def _testing_name(module: str) -> str | None:
    """The room of ``module`` inside ``testing`` (``__init__`` for the package itself)."""
    parts = module.split(".")
    if tuple(parts[:2]) != _TESTING_PREFIX:
        return None
    return parts[2] if len(parts) > 2 else "__init__"


def _testing_layer(module: str) -> int | None:
    name = _testing_name(module)
    if name is None:
        return None
    for rank, names in enumerate(TESTING_LAYERS):
        if name in names:
            return rank
    raise AssertionError(f"{module} is in no layer: add it to TESTING_LAYERS in {__name__}")


def _testing_imports(module: str, text: str) -> Iterator[tuple[int, str]]:
    """Every module ``module`` imports, ``from <package> import <room>`` read as the room."""
    for node in ast.walk(_parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level]
                package = ".".join([*base, *([node.module] if node.module else [])])
            else:
                package = node.module or ""
            folder = PACKAGE.parent.joinpath(*package.split("."))
            for alias in node.names:
                name = alias.name
                if folder.is_dir() and (
                    (folder / f"{name}.py").exists() or (folder / name).is_dir()
                ):
                    yield node.lineno, f"{package}.{name}"
                else:
                    yield node.lineno, package


def _testing_climbs_in(module: str, text: str) -> list[str]:
    low = _testing_layer(module)
    assert low is not None
    found = []
    for line, target in _testing_imports(module, text):
        if target == ".".join(_TESTING_PREFIX):
            target += ".__init__"  # the package's own names: its top layer
        high = _testing_layer(target)
        pair = (_testing_name(module), _testing_name(target))
        if high is None or high >= low or pair in TESTING_ALLOWED_CLIMBS:
            continue
        found.append(f"{module}:{line} -> {target}")
    return found


def _testing_sources() -> list[tuple[str, str]]:
    """(module name, source) of every module of ``testing``, its ``__init__`` included."""
    found = []
    for path in sorted(TESTING.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found.append((module, path.read_text()))
    return found


def test_no_import_climbs_a_layer_inside_the_server() -> None:
    climbs = [c for module, text in _testing_sources() for c in _testing_climbs_in(module, text)]
    assert climbs == []


def test_every_allowed_server_climb_is_still_needed() -> None:
    used = {
        (_testing_name(module), _testing_name(target))
        for module, text in _testing_sources()
        for _, target in _testing_imports(module, text)
    }
    assert set(TESTING_ALLOWED_CLIMBS) <= used


def test_every_name_in_the_server_layers_exists() -> None:
    """A room listed but gone (or not made yet) is not listed; every room is in a layer."""
    present = {p.stem for p in TESTING.glob("*.py")} | {
        p.name for p in TESTING.iterdir() if (p / "__init__.py").exists()
    }
    listed = set().union(*TESTING_LAYERS)
    assert listed == present


def test_at_most_twelve_modules_at_the_server_root() -> None:
    modules = sorted(p.name for p in TESTING.glob("*.py"))
    assert len(modules) <= 12, modules


def test_the_server_check_sees_climbs_of_every_spelling() -> None:
    """Relative, absolute, ``from . import room`` and the package's own names all count."""
    text = (
        "from .._server import build\n"
        "from logto_dynamic.testing.oidc._auth import Authorization\n"
        "from .. import experience\n"
        "def f():\n"
        "    from logto_dynamic.testing import LogtoTestServer\n"
        "from .._errors import LogtoError\n"
    )
    climbs = _testing_climbs_in("logto_dynamic.testing.inbound._probe", text)
    assert [c.split(" -> ")[1] for c in climbs] == [
        "logto_dynamic.testing._server",
        "logto_dynamic.testing.oidc._auth",
        "logto_dynamic.testing.experience",
        "logto_dynamic.testing.__init__",
    ]
    assert _testing_climbs_in("logto_dynamic.testing._harness", text) == []


def test_the_oidc_client_side_never_imports_sign_in() -> None:
    """``_oidc`` (rounds, tokens, M2M, the verifier) serves ``_signin``, never the reverse."""
    exports = _root_exports()
    found = [
        f"{module}:{line} -> {target}"
        for module, text in _sources()
        if _room(module) == "logto_dynamic._oidc"
        for line, target in _imports(module, text, exports)
        if _room(target) == "logto_dynamic._signin"
    ]
    assert found == []


# --- tests/ mirrors the rooms ------------------------------------------------------------

TESTS = Path(__file__).resolve().parents[1]

#: Test folders that mirror no room, each with its reason.
TEST_FOLDERS_OF_NO_ROOM: dict[str, str] = {
    "package": "the package as a whole: layers, public surface, extras, secrets, twins",
    "client": "the clients (_client, _client_core) at the package root",
    "tools": "the scripts in tools/ (bench)",
    "testing": "parent of the server's rooms (its own top modules: the pytest plugin)",
    "_support": "helpers shared by the tests",
    "fixtures": "files the tests read",
}


def _rooms() -> list[str]:
    """Every sub-package of ``logto_dynamic``, as its path (``testing/oidc``)."""
    return sorted(
        p.parent.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("__init__.py")
        if p.parent != PACKAGE
    )


def _mirror(room: str) -> str:
    return "/".join(part.lstrip("_") for part in room.split("/"))


def test_tests_have_a_folder_for_each_room() -> None:
    missing = [room for room in _rooms() if not (TESTS / _mirror(room)).is_dir()]
    assert missing == [], "add tests/<room>/ (leading underscores dropped)"


def test_every_test_folder_mirrors_a_room_or_says_why_not() -> None:
    mirrors = {_mirror(room) for room in _rooms()}
    folders = {
        p.relative_to(TESTS).as_posix()
        for p in TESTS.rglob("*")
        if p.is_dir()
        and not any(
            part == "__pycache__" or part.startswith(".") for part in p.relative_to(TESTS).parts
        )
        and p.relative_to(TESTS).parts[0] != "fixtures"
    }
    strays = sorted(f for f in folders - mirrors if f not in TEST_FOLDERS_OF_NO_ROOM)
    assert strays == []
