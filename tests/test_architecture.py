"""The layers hold: dependencies point one way (bot → flows → storage → rules), no framework leaks below bot/,
no import circle anywhere, no flow imports another flow, and no module imports another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rules", "storage", "flows", "bot")
# The one module that may import every flow: it assembles them into the engine's registry.
FLOW_ASSEMBLER = "flows.registry"
FRAMEWORKS = {"telegram", "twilio", "starlette", "apscheduler", "uvicorn"}
INNER_PACKAGES = ("rules", "storage", "flows")
FORBIDDEN = {
    "rules": {"storage", "flows", "bot"},
    "storage": {"flows", "bot"},
    "flows": {"bot"},
}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """The absolute name of an import, relative imports resolved against the importing module."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, as absolute dotted names (also inside functions and `if` blocks)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    importer, is_package = _module_name(path, root), path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, importer, is_package)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if alias.name != "*"}
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return {name for name in found if name}


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _roots(modules: set[str]) -> set[str]:
    return {name.split(".", 1)[0] for name in modules}


def test_the_scanner_reads_absolute_relative_and_nested_imports(tmp_path):
    package = tmp_path / "flows" / "sub"
    package.mkdir(parents=True)
    source = package / "mod.py"
    source.write_text(
        "import os.path\n"
        "from . import sibling\n"
        "from ..engine import Engine\n"
        "def late():\n"
        "    from telegram.ext import Application\n"
        "    import importlib\n"
        "    importlib.import_module('twilio.rest')\n",
        encoding="utf-8",
    )
    modules = imported_modules(source, root=tmp_path)
    assert {"os.path", "flows.sub.sibling", "flows.engine.Engine", "telegram.ext.Application", "twilio.rest"} <= modules


def test_the_scanner_sees_the_real_dependencies():
    # Guards against a vacuous pass: bot/ does import flows/, flows/ does import storage/ and rules/.
    assert "flows" in _roots(set().union(*(imported_modules(p) for p in _files("bot"))))
    flows_roots = _roots(set().union(*(imported_modules(p) for p in _files("flows"))))
    assert {"storage", "rules"} <= flows_roots
    assert "rules" in _roots(set().union(*(imported_modules(p) for p in _files("storage"))))
    assert all(_files(package) for package in INNER_PACKAGES)


@pytest.mark.parametrize("package", INNER_PACKAGES)
def test_no_channel_or_server_framework_below_bot(package):
    offending = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in FRAMEWORKS)
        for path in _files(package)
    }
    assert {file: modules for file, modules in offending.items() if modules} == {}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package):
    offending = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN[package])
        for path in _files(package)
    }
    assert {file: modules for file, modules in offending.items() if modules} == {}


# -- the module graph: circles, flows that import flows, private names ---------------------


def _modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    return {_module_name(path, root): path for package in packages for path in sorted((root / package).rglob("*.py"))}


def import_edges(path: Path, known: set[str], root: Path = ROOT) -> dict[str, set[str]]:
    """The project modules a file imports, each with the names taken from it ("*" for a whole module).

    `from a import b` is an edge to the module a.b when there is one, else to a with the name b; the parent
    packages Python initialises on the way are not edges (every tool that draws import graphs leaves them out).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    importer, is_package = _module_name(path, root), path.name == "__init__.py"
    edges: dict[str, set[str]] = {}

    def add(module: str, name: str) -> None:
        if module in known and module != importer:
            edges.setdefault(module, set()).add(name)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, "*")
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, importer, is_package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    add(submodule, "*")
                else:
                    add(base, alias.name)
    return edges


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, dict[str, set[str]]]:
    """Every project module with the project modules it imports (at the top, in functions or under `if`)."""
    modules = _modules(root, packages)
    known = set(modules)
    return {name: import_edges(path, known, root) for name, path in modules.items()}


def circles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a circle (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, {}):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def flow_units(graph: dict[str, dict[str, set[str]]], root: Path = ROOT) -> dict[str, str]:
    """Each module of a flow, mapped to its flow: a module of flows/ that declares a `*_flow()` function, or a
    package under flows/ with one such module (all its modules are that flow's own parts)."""

    def unit_of(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:2])

    declaring = set()
    for module in graph:
        if not module.startswith("flows."):
            continue
        tree = ast.parse(_modules(root)[module].read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name.endswith("_flow") for n in tree.body):
            declaring.add(unit_of(module))
    return {module: unit_of(module) for module in graph if module.startswith("flows.") and unit_of(module) in declaring}


def test_the_graph_sees_circles_flows_and_private_names(tmp_path):
    # Guards against a vacuous pass: a planted circle, a flow importing a flow and a private import are all seen.
    (tmp_path / "flows" / "tour").mkdir(parents=True)
    for name, text in {
        "flows/__init__.py": "",
        "flows/a.py": "def a_flow(): pass\ndef _helper(): pass\n",
        "flows/b.py": "from flows.a import _helper\ndef b_flow(): pass\n",
        "flows/tour/__init__.py": "from flows.tour.steps import tour_flow\n",
        "flows/tour/steps.py": "from flows import b\ndef tour_flow(): pass\n",
        "flows/left.py": "def f():\n    from flows.right import g\n",
        "flows/right.py": "from flows import left\ndef g(): pass\n",
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path, ("flows",))
    assert circles(graph) == [["flows.left", "flows.right"]]
    units = flow_units(graph, tmp_path)
    assert units == {
        "flows.a": "flows.a",
        "flows.b": "flows.b",
        "flows.tour": "flows.tour",
        "flows.tour.steps": "flows.tour",
    }
    assert graph["flows.b"] == {"flows.a": {"_helper"}}
    assert graph["flows.tour"] == {"flows.tour.steps": {"tour_flow"}}


def test_the_graph_sees_the_real_flows():
    units = set(flow_units(import_graph()).values())
    assert {"flows.menu", "flows.register", "flows.check_status", "flows.payment", "flows.my_workers"} <= units
    assert FLOW_ASSEMBLER not in units and "flows.engine" not in units


def test_there_is_no_import_circle():
    assert circles(import_graph()) == []


def test_no_flow_imports_another_flow():
    # Flows share through the modules below them (model, text, worker_lookup, shared_parsers, …), never each other;
    # only the registry, which assembles them for the engine, imports them all.
    graph = import_graph()
    units = flow_units(graph)
    offending = {
        module: sorted(target for target in targets if target in units and units[target] != units.get(module))
        for module, targets in graph.items()
        if module != FLOW_ASSEMBLER
    }
    assert {module: targets for module, targets in offending.items() if targets} == {}


def test_no_module_imports_another_modules_private_names():
    offending = {
        module: sorted(f"{target}.{name}" for target, names in targets.items() for name in names if name[0] == "_")
        for module, targets in import_graph().items()
    }
    assert {module: names for module, names in offending.items() if names} == {}
