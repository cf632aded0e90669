"""How ``portal/`` is laid out: absolute imports, no private name imported from another
module, no import cycle between its modules, no module over 500 lines (migrations apart).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "portal"
MAX_LINES = 500


def _modules() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return found


MODULES = _modules()


def _imports(tree: ast.Module) -> list[tuple[str, str | None, int]]:
    """(module imported, name imported from it or None, line) of every portal import."""
    out: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.startswith("portal")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "portal" or node.module.startswith("portal."):
                out += [(node.module, a.name, node.lineno) for a in node.names]
    return out


def test_imports_are_absolute():
    relative = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
        for path, tree in MODULES.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []


def test_no_private_name_is_imported_from_another_module():
    private = [
        f"{name}: {imported} from {module}:{line}"
        for name, (_path, tree) in MODULES.items()
        for module, imported, line in _imports(tree)
        if imported is not None
        and imported.startswith("_")
        and not imported.startswith("__")
        and f"{module}.{imported}" not in MODULES
    ]
    assert private == []


def test_no_import_cycle_between_portal_modules():
    graph: dict[str, set[str]] = {}
    for name, (_path, tree) in MODULES.items():
        targets = set()
        for module, imported, _line in _imports(tree):
            submodule = f"{module}.{imported}"
            targets.add(submodule if submodule in MODULES else module)
        graph[name] = {t for t in targets if t in MODULES and t != name}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], [" -> ".join(c) for c in cycles]


def test_no_module_over_500_lines():
    long = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, (path, _tree) in MODULES.items()
        if ".migrations" not in name
    }
    assert {name: n for name, n in long.items() if n > MAX_LINES} == {}, (
        "découpez le module par sujet (ou, à défaut, donnez la raison en première ligne "
        "de sa docstring et exceptez-le ici)"
    )
