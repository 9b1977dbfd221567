"""The layout's downward rule, checked on the source: no module of impact imports, directly or
through others, a module that imports it back.

Imports inside functions count too (a lazy import is still an arrow), so a results class
that reaches back up into the estimator that made it fails here. Imports under
``if TYPE_CHECKING:`` are annotations, never run, and do not count. Package ``__init__``
modules only re-export and are left out of the graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
TYPE_ONLY = {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Modules of impact that ``path`` imports, anywhere in the file."""
    here = module_name(path)
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    for block in ast.walk(tree):
        if isinstance(block, ast.If) and ast.unparse(block.test) in TYPE_ONLY:
            block.body = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name in modules and name != here:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = [p for p in (SRC / "impact").rglob("*.py") if p.name != "__init__.py"]
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_is_read() -> None:
    graph = import_graph()
    results = graph["impact.did.group_time.results"]
    assert "impact.did.group_time.aggregation" in results  # top-level import
    assert "impact.did.honest.sensitivity" in results  # lazy import inside .honest()
    assert "impact.did.honest.results" not in results  # under TYPE_CHECKING only


def test_no_module_imports_back_up() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
