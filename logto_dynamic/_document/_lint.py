"""Find every problem of a document, and attribute each to the operation it breaks.

Two levels:

* :func:`operation_problems` is cheap (a walk of one operation and what it references) and
  runs on every load: unresolvable ``$ref``s quarantine an operation instead of failing the
  whole document.
* :func:`lint` is the full check, opt-in (``Spec.lint()``, ``load_spec(..., lint=True)``,
  ``logto-dynamic spec lint FILE``): openapi-spec-validator (imported lazily: it is heavy and
  takes seconds on a 2 MB document), duplicate operationIds, unresolvable ``$ref``s and
  unreadable operations.

>>> report = lint({"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}})
>>> report.ok
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from logto_dynamic._document._guard import MAX_CHAIN, SHAPE_PROBLEM, SchemaShapes
from logto_dynamic._document._naming import HTTP_METHODS, duplicates, iter_operations
from logto_dynamic._document._refs import escape_pointer, resolve_pointer
from logto_dynamic._exceptions import UnresolvableRefError

__all__ = ["LintProblem", "LintReport", "lint", "operation_problems"]


@dataclass(frozen=True, slots=True)
class LintProblem:
    """One problem: its kind, where it is, and the operations it affects (may be none)."""

    kind: str  # "spec-validator" | "duplicate-operation-id" | "unresolvable-ref" | "unreadable"
    message: str
    pointer: str = ""
    operations: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f" at {self.pointer}" if self.pointer else ""
        ops = f" [{', '.join(self.operations)}]" if self.operations else ""
        return f"{self.kind}{where}: {self.message}{ops}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "kind": self.kind,
            "message": self.message,
            "pointer": self.pointer,
            "operations": list(self.operations),
        }


@dataclass
class LintReport:
    """Every problem of a document; ``by_operation()`` says which operations are broken."""

    problems: list[LintProblem] = field(default_factory=list)
    operation_count: int = 0

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self) -> Iterator[LintProblem]:
        return iter(self.problems)

    def by_operation(self) -> dict[str, list[str]]:
        """operationId -> problem messages, for every operation with at least one problem."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            for op in p.operations:
                out.setdefault(op, []).append(f"{p.kind}: {p.message}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "ok": self.ok,
            "operations": self.operation_count,
            "problems": [p.to_dict() for p in self.problems],
            "by_operation": self.by_operation(),
        }

    def __str__(self) -> str:
        if self.ok:
            return f"no problems ({self.operation_count} operations)"
        lines = [
            f"{len(self.problems)} problem(s) in {self.operation_count} operations; "
            f"{len(self.by_operation())} operation(s) affected"
        ]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def _refs_in(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            out.append(ref)
        for key, value in node.items():
            if isinstance(value, dict | list) and key not in ("example", "examples", "default"):
                _refs_in(value, out)
    elif isinstance(node, list):
        for v in node:
            _refs_in(v, out)


class _RefChecker:
    """Resolve refs transitively with a memo, so a whole document is walked about once.

    Each ref's target is also measured by :class:`SchemaShapes` (a schema that would make
    every check recurse for ever or fan out is a problem), and chains of refs deeper than
    :data:`MAX_CHAIN` are one.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._memo: dict[str, list[str]] = {}
        self._shapes = SchemaShapes(document)
        self._depth = 0

    def problems(self, node: Any) -> list[str]:
        refs: list[str] = []
        _refs_in(node, refs)
        out: list[str] = []
        for ref in dict.fromkeys(refs):
            out += self._check(ref)
        return list(dict.fromkeys(out))

    def _check(self, ref: str) -> list[str]:
        found = self._memo.get(ref)
        if found is not None:
            return found
        self._memo[ref] = []  # cycles resolve to "fine so far"
        try:
            target = resolve_pointer(self.document, ref)
        except UnresolvableRefError as exc:
            self._memo[ref] = [str(exc)]
            return self._memo[ref]
        shape = self._shapes.problem(target)
        if shape is not None:
            result = [f"$ref {ref!r}: {shape}"]
        elif self._depth >= MAX_CHAIN:
            result = [f"$ref {ref!r}: {SHAPE_PROBLEM}refs nest deeper than {MAX_CHAIN} levels"]
        else:
            self._depth += 1
            try:
                result = self.problems(target)
            finally:
                self._depth -= 1
        self._memo[ref] = result
        return result


def operation_problems(document: Mapping[str, Any], *, checker: Any = None) -> dict[str, list[str]]:
    """Cheap structural problems per operation (unresolvable refs, non-mapping operations).

    ``checker`` may be shared across calls on the same document (a memo of resolved refs).
    """
    refs = checker if checker is not None else _RefChecker(document)
    out: dict[str, list[str]] = {}
    for entry in iter_operations(document):
        if not isinstance(entry.raw, Mapping):
            out.setdefault(entry.name, []).append(f"operation at {entry.pointer} is not a mapping")
            continue
        # Path-level parameters belong to every operation of the path.
        found = refs.problems(entry.raw) + refs.problems(entry.item.get("parameters") or [])
        if found:
            out.setdefault(entry.name, []).extend(found)
    return out


def lint(document: Mapping[str, Any], *, validator: bool = True) -> LintReport:
    """Every problem of ``document``; ``validator=False`` skips openapi-spec-validator."""
    from logto_dynamic._document._operations import build_operation

    report = LintReport()
    entries = list(iter_operations(document))
    report.operation_count = len(entries)
    seen: dict[str, list[str]] = {}
    for entry in entries:
        seen.setdefault(entry.name, []).append(entry.pointer)
        try:
            build_operation(document, entry.path, entry.method, entry.item)
        except Exception as exc:  # any failure to read it is what we report
            report.problems.append(
                LintProblem("unreadable", f"cannot be read: {exc!r}", entry.pointer, (entry.name,))
            )
    for name, pointers in duplicates((e.name, e.pointer) for e in entries).items():
        report.problems.append(
            LintProblem(
                "duplicate-operation-id",
                f"operationId {name!r} is used {len(pointers)} times: " + ", ".join(pointers),
                pointers[0],
                (name,),
            )
        )
    for name, messages in operation_problems(document).items():
        pointer = seen.get(name, [""])[0]
        for message in messages:
            if "not a mapping" in message:
                continue
            kind = "schema-shape" if SHAPE_PROBLEM in message else "unresolvable-ref"
            report.problems.append(LintProblem(kind, message, pointer, (name,)))
    if validator and any(p.kind == "schema-shape" for p in report.problems):
        # openapi-spec-validator expands refs as it walks: on these schemas it never ends.
        report.problems.append(
            LintProblem("spec-validator", "skipped: schemas above cannot be checked safely")
        )
    elif validator:
        # The validator stops at the first unreadable part, so the operations already known
        # to be broken are replaced by a stub before it runs.
        broken = {pointer for p in report.problems for pointer in (p.pointer,) if pointer}
        report.problems += _validator_problems(_without(document, broken))
    return report


def _without(document: Mapping[str, Any], pointers: set[str]) -> Mapping[str, Any]:
    """A shallow copy of ``document`` whose operations at ``pointers`` are stubs."""
    if not pointers:
        return document
    paths = dict(document.get("paths") or {})
    for path, item in list(paths.items()):
        if not isinstance(item, Mapping):
            continue
        base = f"#/paths/{escape_pointer(str(path))}"
        stubbed = {k: v for k, v in item.items()}
        for method in HTTP_METHODS:
            if f"{base}/{method}" in pointers:
                stubbed[method] = {"responses": {"default": {"description": "stub"}}}
        paths[path] = stubbed
    return {**document, "paths": paths}


def _validator_problems(document: Mapping[str, Any]) -> list[LintProblem]:
    """openapi-spec-validator's errors, each attributed to the operations it lives in."""
    version = str(document.get("openapi", ""))
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    cls = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    locator = _Locator(document)
    out: list[LintProblem] = []
    try:
        errors = list(cls(document).iter_errors())
    except Exception as exc:  # the validator itself gave up (e.g. a ref it cannot follow)
        return [LintProblem("spec-validator", f"validator failed: {exc!r}")]
    for err in errors:
        pointer = ""
        path = list(getattr(err, "absolute_path", None) or [])
        if path:
            pointer = "#/" + "/".join(escape_pointer(str(p)) for p in path)
        else:
            pointer = locator.find(getattr(err, "schema", None), getattr(err, "instance", None))
        message = str(getattr(err, "message", err))
        out.append(LintProblem("spec-validator", message, pointer, locator.operations(pointer)))
    return out


class _Locator:
    """Map validator errors (which often carry no path) back to pointers and operations."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._by_id: dict[int, str] | None = None
        self._owners: dict[str, set[str]] | None = None
        self._used: dict[int, int] = {}

    def _index(self) -> dict[int, str]:
        if self._by_id is None:
            self._by_id = {}
            stack: list[tuple[Any, str]] = [(self.document, "#")]
            while stack:
                node, pointer = stack.pop()
                if isinstance(node, dict):
                    self._by_id.setdefault(id(node), pointer)
                    stack += [
                        (v, f"{pointer}/{escape_pointer(str(k))}")
                        for k, v in node.items()
                        if isinstance(v, dict | list)
                    ]
                elif isinstance(node, list):
                    stack += [
                        (v, f"{pointer}/{i}")
                        for i, v in enumerate(node)
                        if isinstance(v, dict | list)
                    ]
        return self._by_id

    def find(self, schema: Any, instance: Any) -> str:
        """The pointer of the schema object an error was raised for ("" if unknown)."""
        if not isinstance(schema, dict):
            return ""
        found = self._index().get(id(schema))
        if found is not None:
            return found
        # Not the same object: the first equal schema not already blamed for this error.
        matches = [
            p
            for i, p in sorted(self._index().items(), key=lambda t: t[1])
            if _at(self.document, p) == schema
        ]
        if not matches:
            return ""
        key = hash(repr(schema))
        n = self._used.get(key, 0)
        self._used[key] = n + 1
        return matches[n % len(matches)]

    def operations(self, pointer: str) -> tuple[str, ...]:
        """The operations containing ``pointer``, or referencing it (components)."""
        if not pointer:
            return ()
        owners = self._owner_map()
        direct = [
            e.name
            for e in iter_operations(self.document)
            if pointer == e.pointer or pointer.startswith(e.pointer + "/")
        ]
        if direct:
            return tuple(direct)
        if pointer.startswith("#/components/"):
            parts = pointer.split("/")
            component = "/".join(parts[:4])
            return tuple(sorted(owners.get(component, ())))
        return ()

    def _owner_map(self) -> dict[str, set[str]]:
        """component pointer -> operations that reach it (directly or through other refs)."""
        if self._owners is None:
            graph: dict[str, set[str]] = {}
            comps = self.document.get("components")
            if isinstance(comps, Mapping):
                for section, items in comps.items():
                    if isinstance(items, Mapping):
                        for key, node in items.items():
                            refs: list[str] = []
                            _refs_in(node, refs)
                            where = f"{escape_pointer(str(section))}/{escape_pointer(str(key))}"
                            graph[f"#/components/{where}"] = {
                                "/".join(r.split("/")[:4]) for r in refs if r.startswith("#/")
                            }
            owners: dict[str, set[str]] = {}
            for entry in iter_operations(self.document):
                refs = []
                _refs_in(entry.raw, refs)
                todo = ["/".join(r.split("/")[:4]) for r in refs if r.startswith("#/")]
                reached: set[str] = set()
                while todo:
                    comp = todo.pop()
                    if comp in reached:
                        continue
                    reached.add(comp)
                    todo += graph.get(comp, ())
                for comp in reached:
                    owners.setdefault(comp, set()).add(entry.name)
            self._owners = owners
        return self._owners


def _at(document: Any, pointer: str) -> Any:
    try:
        return resolve_pointer(document, pointer)
    except UnresolvableRefError:
        return None
