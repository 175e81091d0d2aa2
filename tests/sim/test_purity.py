"""The engine stays pure: no Django, no Channels, no clock, no global RNG, no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import lbteach.sim

SIM_DIR = Path(lbteach.sim.__file__).parent
FORBIDDEN_MODULES = {
    "django",
    "channels",
    "time",
    "datetime",
    "os",
    "socket",
    "asyncio",
    "threading",
    "subprocess",
}
# The one module allowed to read a file (a scenario), and what it may use for that.
FILE_LOADER = "scenario_files.py"


def _modules() -> list[Path]:
    return sorted(SIM_DIR.rglob("*.py"))


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_engine_imports_neither_django_nor_channels_nor_a_clock():
    offenders = []
    for path in _modules():
        for name in _imports(ast.parse(path.read_text())):
            if name.split(".")[0] in FORBIDDEN_MODULES:
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_the_purity_check_catches_a_django_import():
    tree = ast.parse("from django.conf import settings\nimport channels.layers\n")
    assert [n.split(".")[0] for n in _imports(tree)] == ["django", "channels"]


def test_only_the_scenario_file_loader_reads_files():
    offenders = []
    for path in _modules():
        if path.name == FILE_LOADER:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in {"open", "read_text", "read_bytes", "write_text", "print", "input"}:
                    offenders.append(f"{path.name}:{node.lineno} {name}")
        if "pathlib" in _imports(ast.parse(path.read_text())):
            offenders.append(f"{path.name}: pathlib")
    assert offenders == []


def test_randomness_comes_only_from_seeded_generators():
    """`random.Random(...)` instances only; never the module-level functions or hash()."""
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "random"
                and func.attr != "Random"
            ):
                offenders.append(f"{path.name}:{node.lineno} random.{func.attr}")
            if isinstance(func, ast.Name) and func.id == "hash":
                offenders.append(f"{path.name}:{node.lineno} hash()")
    assert offenders == []


def test_importing_lbteach_sim_does_not_need_django():
    import subprocess
    import sys

    code = "import sys, lbteach.sim; print(any(m.startswith('django') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
