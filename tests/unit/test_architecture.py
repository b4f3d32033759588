"""The layering the README promises, checked on the source: imports point one way."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "dockyard"

# package → dockyard packages it must never import
FORBIDDEN = {
    "api": {"runtime", "images", "store", "network", "metrics", "cli"},
    "engine": {"api", "cli"},
    "runtime": {"api", "engine", "images", "cli"},
    "images": {"api", "engine", "runtime", "cli"},
    "network": {"api", "engine", "runtime", "images", "cli"},
    "store": {"api", "engine", "runtime", "images", "network", "metrics", "cli"},
    "cli": {"api", "engine", "runtime", "images", "store", "network", "metrics"},
}
API_FORBIDDEN_MODULES = {"subprocess", "sqlite3", "pyroute2"}
MAX_LINES = 450
# Modules allowed past MAX_LINES, each with its reason.
LARGE_MODULES: dict[str, str] = {}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def source_files(package: str) -> list[Path]:
    return [p for p in (PACKAGE / package).rglob("*.py") if not p.name.endswith("_pb2.py")]


def test_packages_import_only_downward() -> None:
    violations = []
    for package, forbidden in FORBIDDEN.items():
        for path in source_files(package):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "dockyard" and len(parts) > 1 and parts[1] in forbidden:
                    violations.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert violations == []


def test_api_handlers_touch_no_host_machinery() -> None:
    violations = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in source_files("api")
        for module in imported_modules(path)
        if module.split(".")[0] in API_FORBIDDEN_MODULES
    ]
    assert violations == []


def test_modules_stay_small() -> None:
    large = {
        str(path.relative_to(PACKAGE)): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
        if not path.name.endswith("_pb2.py")
        and len(path.read_text().splitlines()) > MAX_LINES
        and str(path.relative_to(PACKAGE)) not in LARGE_MODULES
    }
    assert large == {}


def test_every_package_exports_names_that_exist() -> None:
    import importlib

    for package in ("api", "engine", "images", "network", "runtime", "store"):
        module = importlib.import_module(f"dockyard.{package}")
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], package
