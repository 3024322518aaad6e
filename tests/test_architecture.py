"""Dependencies point one way (bot → flows → storage → rules), and no framework leaks below bot/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
