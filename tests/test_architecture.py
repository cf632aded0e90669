"""The house rules that a reader of docs/architecture.md relies on, checked on the code.

The layer contracts themselves are import-linter's (pyproject.toml, run by
``tasks.py test``); here: no import cycle between modules, Qt named only under
``backoffice/ui/``, and no module over 500 lines without its reason on top.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 500
LONG_REASON = "# Long module:"  # first line (after a shebang) of a longer module, then why


def python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / f for f in listed if "/migrations/" not in f and (ROOT / f).exists()]


def module_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


@pytest.mark.parametrize("package", ["backoffice", "portal"])
def test_no_import_cycle_between_modules(package):
    graph = grimp.build_graph(package, cache_dir=None)
    assert module_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert module_cycles(graph) == [["pkg.a", "pkg.b"]]


def test_qt_is_named_only_in_the_gui():
    outside = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in python_files()
        if path.is_relative_to(ROOT / "backoffice")
        and not path.is_relative_to(ROOT / "backoffice" / "ui")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "PySide6" in line
    ]
    assert outside == []


def test_long_modules_say_why_on_top():
    unexplained = []
    for path in python_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) <= MAX_LINES:
            continue
        top = lines[1] if lines[0].startswith("#!") else lines[0]
        if not top.startswith(LONG_REASON):
            unexplained.append(f"{path.relative_to(ROOT)} ({len(lines)} lignes)")
    assert unexplained == []
