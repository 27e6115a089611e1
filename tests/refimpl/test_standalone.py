"""refimpl stands alone: no module under refimpl/ imports the harness or
wasmtime, at any depth (inside functions too, where a grep for top-level
imports misses them)."""

from __future__ import annotations

import ast
from pathlib import Path

REFIMPL = Path(__file__).resolve().parents[2] / "refimpl"
FORBIDDEN = {"harness", "wasmtime"}


def imported_roots(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value.split(".")[0]))
    return found


def test_the_checker_sees_nested_imports():
    tree = ast.parse(
        "def f():\n    import wasmtime\n"
        "class C:\n    def g(self):\n        from harness.script import x\n"
        "importlib.import_module('harness.cli')\n"
    )
    assert sorted(imported_roots(tree)) == [(2, "wasmtime"), (5, "harness"), (6, "harness")]


def test_refimpl_imports_neither_harness_nor_wasmtime():
    files = sorted(REFIMPL.rglob("*.py"))
    assert len(files) > 50  # the tree is where we think it is
    offending = [
        f"{path.relative_to(REFIMPL.parent)}:{line} imports {root}"
        for path in files
        for line, root in imported_roots(ast.parse(path.read_text(), str(path)))
        if root in FORBIDDEN
    ]
    assert not offending, "\n".join(offending)
