"""The import graph of lbteach/: no import circles, and no package imports its clients.

The graph is read with `ast`, so it holds every import a module makes: at the top, inside
functions, and type-only ones under `if TYPE_CHECKING:` (a type-only import still means
the two modules know each other). `from x import y` points at the module `x.y` when `y`
is a module, else at `x`. An import points at the module it names, not at the packages
above it: `import lbteach.sim.model` is an edge to `lbteach.sim.model` only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lbteach

ROOT = Path(lbteach.__file__).parent
Graph = dict[str, set[str]]
Circle = tuple[str, ...]

# Circles allowed to remain: none since phase 2 of issue 20. Should one ever be allowed, the
# test fails once it no longer exists, so this list cannot go stale.
KNOWN_CIRCLES: set[Circle] = set()

# A package that serves others imports none of its clients: package -> what it may not import.
LAYERS: dict[str, tuple[str, ...]] = {
    "lbteach.live": (
        "lbteach.lab",
        "lbteach.classroom",
        "lbteach.real",
        "lbteach.quiz",
        "lbteach.lessons",
    ),
    "lbteach.scene": (
        "lbteach.lab",
        "lbteach.classroom",
        "lbteach.lessons",
        "lbteach.real",
        "lbteach.quiz",
    ),
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> Graph:
    """module -> the modules of the same top package it imports (itself excepted)."""
    paths = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    top = root.name

    def known(name: str) -> str | None:
        # `import a.b.c` where c is a name in a.b, not a module: the edge goes to a.b.
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in paths else base)
            for target in targets:
                if target.split(".")[0] != top:
                    continue
                found = known(target)
                if found and found != name:
                    graph[name].add(found)
    return graph


def circles(graph: Graph) -> set[Circle]:
    """Every simple circle, each told once, starting from its alphabetically first module."""
    found: set[Circle] = set()

    def walk(start: str, path: list[str]) -> None:
        for nxt in sorted(graph[path[-1]]):
            if nxt == start:
                found.add(tuple(path))
            elif nxt > start and nxt not in path:
                walk(start, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def told(circle: Circle) -> str:
    return " -> ".join([*circle, circle[0]])


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(ROOT)


def test_lbteach_has_no_import_circle_but_the_known_ones(graph):
    new = sorted(told(circle) for circle in circles(graph) - KNOWN_CIRCLES)
    assert new == [], "new import circles:\n" + "\n".join(new)


def test_every_known_circle_still_exists(graph):
    """When a known circle is gone, the allow-list shrinks with it."""
    gone = sorted(told(circle) for circle in KNOWN_CIRCLES - circles(graph))
    assert gone == [], "remove from KNOWN_CIRCLES:\n" + "\n".join(gone)


def test_the_engine_imports_only_itself(graph):
    outside = sorted(
        f"{name} imports {target}"
        for name, targets in graph.items()
        if name.startswith("lbteach.sim")
        for target in targets
        if not target.startswith("lbteach.sim")
    )
    assert outside == []


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_a_serving_package_imports_none_of_its_clients(graph, package):
    forbidden = LAYERS[package]
    offenders = sorted(
        f"{name} imports {target}"
        for name, targets in graph.items()
        if name == package or name.startswith(package + ".")
        for target in targets
        if any(target == client or target.startswith(client + ".") for client in forbidden)
    )
    assert graph.keys() & {package}, f"{package} is not in the graph"
    assert offenders == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_graph_sees_type_only_relative_and_from_imports(tmp_path):
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import typing\nif typing.TYPE_CHECKING:\n    from . import b\n",
            "pkg/b.py": "def f():\n    from pkg.sub import c\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "from ..a import thing\nimport pkg.sub\nimport os\n",
            "pkg/sub/d.py": "from pkg.sub.c import name\nfrom pkg import a as alias\n",
        },
    )
    assert import_graph(root) == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.sub.c"},
        "pkg.sub": set(),
        "pkg.sub.c": {"pkg.a", "pkg.sub"},
        "pkg.sub.d": {"pkg.sub.c", "pkg.a"},
    }


def test_circles_are_found_and_told_once_each(tmp_path):
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "from pkg import a, c\n",
            "pkg/c.py": "import pkg.a\n",
            "pkg/d.py": "import pkg.a\n",
        },
    )
    found = circles(import_graph(root))
    assert found == {("pkg.a", "pkg.b"), ("pkg.a", "pkg.b", "pkg.c")}
    assert told(("pkg.a", "pkg.b", "pkg.c")) == "pkg.a -> pkg.b -> pkg.c -> pkg.a"
