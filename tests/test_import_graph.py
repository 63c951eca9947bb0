"""The package's own import graph: no circle between modules, `track/` never reaches into `export/`, and `ops/`
(the low shelf for pixels) imports none of the parts built on it.

Every module under src/seattrack is parsed with `ast` (nothing is imported), relative imports are resolved, and
imports inside functions count too: a lazy import only moves a circle from import time to call time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "seattrack"
ABOVE_OPS = ("data", "track", "evaluation", "export", "models", "train", "nas", "web")


def module_name(path: Path, src: Path) -> str:
    """`seattrack/track/run.py` -> `seattrack.track.run`; a package's `__init__.py` is the package itself."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.Module, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules of `modules` that module `name` imports anywhere in `tree` (functions included).

    `from a import b` counts as importing `a.b` when that is a module, else `a` (b is a name defined in a).
    """
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import seattrack.x.y` names the module seattrack.x.y
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(src: Path = SRC, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    files = {module_name(p, src): p for p in sorted((src / package).rglob("*.py"))}
    modules = set(files)
    return {name: imported_modules(ast.parse(path.read_text(), str(path)), name, path.name == "__init__.py", modules)
            for name, path in files.items()}


def circles(graph: dict[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def in_part(module: str, part: str) -> bool:
    return module == f"{PACKAGE}.{part}" or module.startswith(f"{PACKAGE}.{part}.")


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_circle_finder_finds_circles_and_only_them():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": {"f", "a"}, "g": set()}
    assert sorted(circles(graph)) == [["a", "b", "c"], ["d", "e"]]  # f imports only itself and a: no circle
    assert circles({"x": {"y"}, "y": {"z"}, "z": set()}) == []


def test_imports_are_resolved_like_python_does(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .sub import tool\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "tool.py").write_text("def f():\n    from ..base import helper\n")
    (package / "base.py").write_text("from . import sub\nfrom .sub.tool import f\nimport pkg.sub.tool as t\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg": {"pkg.sub.tool"}, "pkg.base": {"pkg.sub", "pkg.sub.tool"}, "pkg.sub": set(),
                     "pkg.sub.tool": {"pkg.base"}}
    assert circles(graph) == [["pkg.base", "pkg.sub.tool"]]  # the import inside a function closes the circle


def test_the_package_has_no_import_circle(graph):
    found = circles(graph)
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_tracking_never_imports_the_exporter(graph):
    wrong = [f"{m} -> {t}" for m, targets in graph.items() if in_part(m, "track") for t in targets
             if in_part(t, "export")]
    assert not wrong, "track/ imports export/ (loading.py composes them): " + ", ".join(wrong)


def test_ops_stays_below_the_parts_built_on_it(graph):
    wrong = [f"{m} -> {t}" for m, targets in graph.items() if in_part(m, "ops") for t in targets
             if any(in_part(t, part) for part in ABOVE_OPS)]
    assert not wrong, "ops/ imports a part above it: " + ", ".join(wrong)
